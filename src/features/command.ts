import vscode = require('vscode');
import { isComfyError, userMessage } from '../core/comfy/errors';
import type { ILogger } from '../core/logger';
import { UntrustedWorkspaceError } from '../platform/trust';

/** A palette or lens command: one small class per file, dependencies through the constructor. */
export interface Command {
  readonly id: string;
  run(...args: unknown[]): unknown;
}

/** The user dismissed a picker or cancelled: nothing to report. */
export class Cancelled extends Error {
  constructor() {
    super('cancelled');
    this.name = 'Cancelled';
  }
}

function isCancellation(e: unknown): boolean {
  return e instanceof Cancelled || e instanceof vscode.CancellationError || (e instanceof Error && e.name === 'AbortError');
}

/** Errors whose fix is a setting (the server URL or its token). */
function needsSettings(e: unknown): boolean {
  // isComfyError checks a brand, so it recognises the run engine's ComfyErrors from this bundle too.
  return isComfyError(e) && ['unreachable', 'timeout', 'forbidden', 'unauthorized'].includes(e.kind);
}

/** The error in the editor's words: the core's messages name the CLI's `--server` beside the setting. */
function editorMessage(e: unknown): string {
  return userMessage(e).replace(/ \/ --server\b/g, '');
}

/**
 * Registers a command whose failures become one notification that says what to do, with "Show Log" and,
 * when the server cannot be reached, "Retry" (the same command again) and "Select Server" (then again on
 * the server picked), or "Open Settings" for a timeout or a refused token.
 */
export function registerGuarded(cmd: Command, log: ILogger & { show(): void }): vscode.Disposable {
  return vscode.commands.registerCommand(cmd.id, async (...args: unknown[]) => {
    try {
      return await cmd.run(...args);
    } catch (e) {
      if (isCancellation(e)) {
        return undefined;
      }
      log.error(`${cmd.id} failed`, e);
      const showLog = vscode.l10n.t('Show Log');
      const openSettings = vscode.l10n.t('Open Settings');
      const manageTrust = vscode.l10n.t('Manage Workspace Trust');
      const retry = vscode.l10n.t('Retry');
      const selectServer = vscode.l10n.t('Select Server');
      const unreachable = isComfyError(e) && e.kind === 'unreachable';
      const actions =
        e instanceof UntrustedWorkspaceError
          ? [manageTrust]
          : unreachable
            ? [retry, selectServer, showLog]
            : needsSettings(e)
              ? [openSettings, showLog]
              : [showLog];
      void vscode.window.showErrorMessage(editorMessage(e), ...actions).then(async (pick) => {
        if (pick === showLog) {
          log.show();
        } else if (pick === openSettings) {
          void vscode.commands.executeCommand('workbench.action.openSettings', 'qwenprompt.comfy');
        } else if (pick === manageTrust) {
          void vscode.commands.executeCommand('workbench.trust.manage');
        } else if (pick === retry) {
          void vscode.commands.executeCommand(cmd.id, ...args);
        } else if (pick === selectServer && (await vscode.commands.executeCommand<string | undefined>('qwenprompt.selectServer'))) {
          void vscode.commands.executeCommand(cmd.id, ...args);
        }
      });
      return undefined;
    }
  });
}

/** Registers a feature's commands, each behind the error guard. */
export function registerCommands(commands: readonly Command[], log: ILogger & { show(): void }): vscode.Disposable {
  return vscode.Disposable.from(...commands.map((c) => registerGuarded(c, log)));
}
