// What every CLI command shares: exit codes, the error that means "the command line is wrong", and the parsers of option values.

/** Exit codes, so scripts and CI can tell a spec problem from a server problem. */
export const EXIT = { ok: 0, runFailed: 1, usage: 2, server: 3, cancelled: 130 } as const;

export class UsageError extends Error {}

export interface CliIo {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

export function parseThreshold(v: string): number {
  const x = Number(v);
  if (!/^\d*\.?\d+$/.test(v) || !(x > 0 && x <= 1)) throw new UsageError(`--threshold needs a number in (0, 1], e.g. 0.95, not "${v}".`);
  return x;
}

export function parseIntList(v: string, flag: string): number[] {
  const xs = v
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
  if (!xs.length) throw new UsageError(`${flag} needs numbers, e.g. ${flag} 20,40,60.`);
  return xs.map((x) => parsePositiveInt(x, flag));
}

export function parsePositiveInt(v: string, flag: string): number {
  if (!/^\d+$/.test(v) || Number(v) < 1) throw new UsageError(`${flag} needs a whole number ≥ 1, not "${v}".`);
  return Number(v);
}
