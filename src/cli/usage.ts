// What every CLI command shares: exit codes and the error that means "the command line is wrong".

/** Exit codes, so scripts and CI can tell a spec problem from a server problem. */
export const EXIT = { ok: 0, runFailed: 1, usage: 2, server: 3, cancelled: 130 } as const;

export class UsageError extends Error {}

export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}
