import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ByteSink } from '../comfy/types';
import { sniffImage, type ImageKind } from '../../shared/image';
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
  if (depth > 0 && value && typeof value === 'object' && !(value instanceof Uint8Array) && typeof (value as { toJSON?: unknown }).toJSON !== 'function') {
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
function tempPath(dir: string, name: string): string {
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

/** Every run of a spec (or of every spec) under a runs root, newest first. Unreadable folders are skipped. */
export async function listRuns(runsRoot: string, specId?: string): Promise<{ runDir: string; record: RunRecord }[]> {
  const found: { runDir: string; record: RunRecord }[] = [];
  for (const runDir of await runDirs(runsRoot, specId)) {
    try {
      found.push({ runDir, record: await readRunRecord(runDir) });
    } catch {
      // Not a run folder (or one being created right now): leave it out.
    }
  }
  return found.sort((a, b) => newestFirst(a.record.createdAt, a.runDir, b.record.createdAt, b.runDir));
}

/** The run folders under a runs folder (of one spec, or of all), in no particular order. */
export async function runDirs(runsRoot: string, specId?: string): Promise<string[]> {
  const specDirs = specId ? [path.join(runsRoot, safeSegment(specId))] : await subdirs(runsRoot);
  return (await Promise.all(specDirs.map(subdirs))).flat();
}

/** Sort order of runs: newest `createdAt` first, then by folder. */
export function newestFirst(aCreated: string, aDir: string, bCreated: string, bDir: string): number {
  return bCreated.localeCompare(aCreated) || bDir.localeCompare(aDir);
}

async function subdirs(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    // Hidden folders are run folders still being created (see createRunDir), not runs.
    return entries.filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

/** A file or folder name made only of safe characters: never a path, never hidden, never empty. */
export function safeSegment(name: string, fallback = 'run'): string {
  const s = name
    .normalize('NFKD')
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '')
    .slice(0, 80);
  return s || fallback;
}

/**
 * Creates a new run folder `<runsRoot>/<spec id>/<UTC timestamp>` (suffixed if taken). With `init`, the
 * folder is filled under a hidden temporary name first (init is handed it and the final id) and then
 * renamed into place, so a kill at any moment never leaves a run folder without its record.
 */
export async function createRunDir(
  runsRoot: string,
  specId: string,
  now = new Date(),
  init?: (dir: string, id: string) => Promise<void>,
): Promise<{ runDir: string; id: string }> {
  const specDir = path.join(runsRoot, safeSegment(specId, 'spec'));
  await fs.mkdir(specDir, { recursive: true });
  const stamp = now.toISOString().replace(/\.\d+Z$/, 'Z').replace(/:/g, '-');
  const tmp = init ? await fs.mkdtemp(path.join(specDir, `.${stamp}.`)) : undefined;
  for (let n = 0; ; n++) {
    const id = n ? `${stamp}-${n}` : stamp;
    const runDir = path.join(specDir, id);
    try {
      if (tmp && init) {
        if (await exists(runDir)) throw Object.assign(new Error(`${runDir} exists`), { code: 'EEXIST' });
        await init(tmp, id);
        await fs.rename(tmp, runDir);
      } else {
        await fs.mkdir(runDir);
      }
      return { runDir, id };
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if ((code !== 'EEXIST' && code !== 'ENOTEMPTY') || n > 1000) {
        if (tmp) await fs.rm(tmp, { recursive: true, force: true });
        throw e;
      }
    }
  }
}

async function exists(p: string): Promise<boolean> {
  return fs.stat(p).then(
    () => true,
    () => false,
  );
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (sniffImage(bytes) !== 'png' || bytes.length < 24) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/** An image file written into a run folder, as the record lists it. */
export interface SavedImageFile {
  file: string;
  kind: ImageKind;
  sha256: string;
  bytes: number;
  width?: number;
  height?: number;
}

/**
 * A sink that writes a downloaded image into the run folder as it streams: hashed and counted on the
 * way, into a hidden temp file renamed on close to `<baseName>.<png|jpg|webp>` (a name the client
 * chose: the server's file name is never a path; the kind is read from its first bytes), removed on
 * abort. No fsync: a killed process never leaves a torn image (the page cache outlives it), and after
 * an OS crash a torn one fails its recorded sha256, so `--resume` makes it again. The fsync cost
 * 4–60 ms per image under load, on every job's path to the user; run.json is still flushed.
 */
export async function openImageFile(runDir: string, baseName: string): Promise<ByteSink<SavedImageFile>> {
  const safe = safeSegment(baseName, 'image');
  const tmp = tempPath(runDir, safe);
  const handle = await fs.open(tmp, 'w');
  const hash = createHash('sha256');
  let head = new Uint8Array(0);
  let bytes = 0;
  let open = true;
  // Chunks are gathered into larger writes that run while the download goes on: awaiting a disk
  // write per 64 KB chunk would pace the download by the thread pool (slow when the machine is busy).
  let batch: Uint8Array[] = [];
  let batched = 0;
  let writing: Promise<void> = Promise.resolve();
  let inFlight = 0;
  const flush = () => {
    if (!batched) return;
    const data = batch.length === 1 ? batch[0] : Buffer.concat(batch);
    batch = [];
    batched = 0;
    inFlight += data.byteLength;
    writing = writing.then(async () => {
      await handle.writeFile(data);
      inFlight -= data.byteLength;
    });
  };
  return {
    async write(chunk) {
      if (head.byteLength < IMAGE_HEAD) head = Buffer.concat([head, chunk.subarray(0, IMAGE_HEAD - head.byteLength)]);
      hash.update(chunk);
      bytes += chunk.byteLength;
      batch.push(chunk);
      batched += chunk.byteLength;
      if (batched >= WRITE_CHUNK) flush();
      // Bounded: a disk slower than the network makes the download wait, not the memory grow.
      if (inFlight > MAX_IN_FLIGHT) await writing;
    },
    async close() {
      flush();
      open = false;
      try {
        await writing;
      } finally {
        await handle.close();
      }
      try {
        const kind = sniffImage(head);
        if (!kind) throw new Error('The server sent bytes that are not a PNG, JPEG or WebP image.');
        const file = `${safe}.${kind === 'jpeg' ? 'jpg' : kind}`;
        await fs.rename(tmp, path.join(runDir, file));
        return { file, kind, sha256: hash.digest('hex'), bytes, ...pngSize(head) };
      } catch (e) {
        await fs.rm(tmp, { force: true });
        throw e;
      }
    },
    async abort() {
      if (open) {
        open = false;
        await writing.catch(() => undefined);
        await handle.close().catch(() => undefined);
      }
      await fs.rm(tmp, { force: true });
    },
  };
}

/** Bytes of an image's start kept by openImageFile: the kind and a PNG's IHDR size. */
const IMAGE_HEAD = 24;
/** openImageFile's write size, and how much it lets wait for the disk before the download waits. */
const WRITE_CHUNK = 512 * 1024;
const MAX_IN_FLIGHT = 4 * 1024 * 1024;

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
