import type { ILogger } from '../core/logger';

/** The CLI's log on stderr: warnings and errors always, the rest only with QWENPROMPT_DEBUG set. */
export function stderrLogger(err: NodeJS.WritableStream, debug: boolean): ILogger {
  const write =
    (level: string) =>
    (m: string | Error, ...a: unknown[]) => {
      if (!debug && (level === 'debug' || level === 'trace' || level === 'info')) return;
      err.write(
        `[${level}] ${m instanceof Error ? m.message : m}${a.length ? ' ' + a.map((x) => (x instanceof Error ? x.message : JSON.stringify(x))).join(' ') : ''}\n`,
      );
    };
  return { trace: write('trace'), debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}
