/** Logging seam: a LogOutputChannel in the extension, stderr in the CLI, nothing in tests. */
export interface ILogger {
  trace(message: string, ...args: unknown[]): void;
  debug(message: string, ...args: unknown[]): void;
  info(message: string, ...args: unknown[]): void;
  warn(message: string, ...args: unknown[]): void;
  error(message: string | Error, ...args: unknown[]): void;
}

export const nullLogger: ILogger = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
};
