import vscode = require('vscode');
import type { ILogger } from '../core/logger';

/** The extension's logger: the "QwenPrompt" log output channel, which can be revealed. */
export interface HostLogger extends ILogger, vscode.Disposable {
  show(): void;
}

export function createLogger(): HostLogger {
  const channel = vscode.window.createOutputChannel('QwenPrompt', { log: true });
  return {
    trace: (m, ...a) => channel.trace(m, ...a),
    debug: (m, ...a) => channel.debug(m, ...a),
    info: (m, ...a) => channel.info(m, ...a),
    warn: (m, ...a) => channel.warn(m, ...a),
    error: (m, ...a) => channel.error(m, ...a),
    show: () => channel.show(true),
    dispose: () => channel.dispose(),
  };
}
