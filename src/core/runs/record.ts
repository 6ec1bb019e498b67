import { createHash, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { RunRecord } from './types';

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
 * Writes a file so that a reader (or a crash) sees either the old content or the new, never a mix:
 * a temp file in the same folder, flushed to disk, then renamed over the target.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await fs.open(tmp, 'w');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fs.rename(tmp, file);
  } catch (e) {
    await fs.rm(tmp, { force: true });
    throw e;
  }
}

export async function writeRunRecord(runDir: string, record: RunRecord): Promise<void> {
  await writeFileAtomic(path.join(runDir, RECORD_FILE), stableStringify(record));
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
  const specDirs = specId ? [path.join(runsRoot, safeSegment(specId))] : await subdirs(runsRoot);
  const found: { runDir: string; record: RunRecord }[] = [];
  for (const specDir of specDirs) {
    for (const runDir of await subdirs(specDir)) {
      try {
        found.push({ runDir, record: await readRunRecord(runDir) });
      } catch {
        // Not a run folder (or one being created right now): leave it out.
      }
    }
  }
  return found.sort((a, b) => b.record.createdAt.localeCompare(a.record.createdAt) || b.runDir.localeCompare(a.runDir));
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

export type ImageKind = 'png' | 'jpeg' | 'webp';

/** What the bytes are, from their magic numbers; undefined when they are not an image we show. */
export function sniffImage(bytes: Uint8Array): ImageKind | undefined {
  const b = bytes;
  if (b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length > 12 && String.fromCharCode(...b.subarray(0, 4)) === 'RIFF' && String.fromCharCode(...b.subarray(8, 12)) === 'WEBP') {
    return 'webp';
  }
  return undefined;
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (sniffImage(bytes) !== 'png' || bytes.length < 24) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/**
 * Saves image bytes into the run folder under a name the client chose (the server's file name is
 * never used as a path), atomically. Returns the file name relative to the run folder.
 */
export async function saveImage(runDir: string, baseName: string, bytes: Uint8Array): Promise<{ file: string; kind: ImageKind }> {
  const kind = sniffImage(bytes);
  if (!kind) throw new Error('The server sent bytes that are not a PNG, JPEG or WebP image.');
  const file = `${safeSegment(baseName, 'image')}.${kind === 'jpeg' ? 'jpg' : kind}`;
  const target = path.join(runDir, file);
  if (path.dirname(target) !== path.resolve(runDir) && path.dirname(target) !== runDir) {
    throw new Error(`Refusing to write outside the run folder: ${file}`);
  }
  await writeFileAtomic(target, bytes);
  return { file, kind };
}
