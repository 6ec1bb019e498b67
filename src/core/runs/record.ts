import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RunRecord } from '../../shared/runRecord';

export const RECORD_FILE = 'run.json';

/**
 * JSON with keys sorted at every level and two-space indentation, ending in a newline, so a
 * committed run.json diffs line by line and the same record always serializes the same way.
 */
export function stableStringify(value: unknown): string {
  return JSON.stringify(sortKeys(value), null, 2) + '\n';
}

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object' && !(v instanceof Uint8Array)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(v as object).sort()) {
      const x = (v as Record<string, unknown>)[k];
      if (x !== undefined) out[k] = sortKeys(x);
    }
    return out;
  }
  return v;
}

/**
 * The same text as `stableStringify(value)`, in pieces: the first `depth` levels of objects and
 * arrays are written out here and everything below them is one JSON.stringify each, so a record of
 * 500 cells never exists as one 2 MB string (nor as one sorted deep copy).
 */
export function* stableChunks(value: unknown, depth = 2, indent = ''): Generator<string> {
  if (
    depth > 0 &&
    value &&
    typeof value === 'object' &&
    !(value instanceof Uint8Array) &&
    typeof (value as { toJSON?: unknown }).toJSON !== 'function'
  ) {
    const inner = indent + '  ';
    if (Array.isArray(value)) {
      if (!value.length) return yield indent ? '[]' : '[]\n';
      yield '[';
      for (let n = 0; n < value.length; n++) {
        yield (n ? ',\n' : '\n') + inner;
        const x: unknown = value[n];
        if (x === undefined || typeof x === 'function' || typeof x === 'symbol') yield 'null';
        else yield* stableChunks(x, depth - 1, inner);
      }
    } else {
      const obj = value as Record<string, unknown>;
      const keys = Object.keys(obj)
        .sort()
        .filter((k) => obj[k] !== undefined && typeof obj[k] !== 'function' && typeof obj[k] !== 'symbol');
      if (!keys.length) return yield indent ? '{}' : '{}\n';
      yield '{';
      for (const [n, k] of keys.entries()) {
        yield `${n ? ',\n' : '\n'}${inner}${JSON.stringify(k)}: `;
        yield* stableChunks(obj[k], depth - 1, inner);
      }
    }
    yield `\n${indent}${Array.isArray(value) ? ']' : '}'}${indent ? '' : '\n'}`;
    return;
  }
  const text = JSON.stringify(sortKeys(value), null, 2);
  // Raw newlines only come from the indentation (JSON escapes them inside strings).
  yield indent ? text.replace(/\n/g, `\n${indent}`) : text + '\n';
}

/**
 * Writes a file so that a reader (or a crash) sees either the old content or the new, never a mix:
 * a temp file in the same folder, flushed to disk, then renamed over the target. Pieces given as an
 * iterable are written as they come (in batches), so the whole text never has to be in memory.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array | Iterable<string>): Promise<void> {
  const tmp = tempPath(path.dirname(file), path.basename(file));
  const handle = await fs.open(tmp, 'w');
  try {
    if (typeof data === 'string' || data instanceof Uint8Array) {
      await handle.writeFile(data);
    } else {
      let batch = '';
      for (const piece of data) {
        batch += piece;
        if (batch.length >= WRITE_BATCH) {
          await handle.writeFile(batch);
          batch = '';
        }
      }
      if (batch) await handle.writeFile(batch);
    }
    await handle.sync();
  } catch (e) {
    await handle.close();
    await fs.rm(tmp, { force: true });
    throw e;
  }
  await handle.close();
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

/** A hidden temp file's path in `dir` for `name`, unique to this process and call. */
export function tempPath(dir: string, name: string): string {
  return path.join(dir, `.${name}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
}

/** Characters gathered before each write of a streamed file. */
const WRITE_BATCH = 64 * 1024;

/** run.json, byte for byte `stableStringify(record)`, written cell by cell, flushed and renamed into place. */
export async function writeRunRecord(runDir: string, record: RunRecord): Promise<void> {
  await writeFileAtomic(path.join(runDir, RECORD_FILE), stableChunks(record));
}

export async function readRunRecord(runDir: string): Promise<RunRecord> {
  const text = await fs.readFile(path.join(runDir, RECORD_FILE), 'utf8');
  const record = JSON.parse(text) as RunRecord;
  if (record?.format !== 'qwenprompt-run' || !Array.isArray(record.cells)) {
    throw new Error(`${path.join(runDir, RECORD_FILE)} is not a qwenprompt run record.`);
  }
  return record;
}
