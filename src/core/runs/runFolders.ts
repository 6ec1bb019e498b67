// The one owner of the run-folder layout: `<runs root>/<spec id>/<UTC time>/run.json` beside the run's
// images. The runs root of a spec file is `qwenprompt.runsFolder` (or `--out`) resolved against the
// spec's folder, `.qwenprompt-runs` by default. Nothing else decodes these paths.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { readRunRecord, RECORD_FILE } from './record';
import type { RunRecord } from '../../shared/runRecord';

/** The runs folder's name next to a spec when no setting (or `--out`) names another. */
export const DEFAULT_RUNS_FOLDER = '.qwenprompt-runs';

/** A run folder and its record, as listings return them. */
export interface RunEntry {
  runDir: string;
  record: RunRecord;
}

/** The folder holding a spec file's runs: `runsFolder` relative to the spec's folder unless absolute. */
export function runsRootFor(specFile: string, runsFolder = DEFAULT_RUNS_FOLDER): string {
  return path.resolve(path.dirname(specFile), runsFolder);
}

/** The runs root a run folder lives in. */
export function runsRootOf(runDir: string): string {
  return path.dirname(path.dirname(path.resolve(runDir)));
}

/** run.json of a run folder. */
export function recordPath(runDir: string): string {
  return path.join(runDir, RECORD_FILE);
}

/** A run folder named on a command line: the folder itself, or its run.json. */
export function runDirOfArg(arg: string): string {
  return path.basename(arg) === RECORD_FILE ? path.dirname(arg) : arg;
}

/** Two run folders of the same spec id (side by side in one spec folder). */
export function sameSpecFolder(a: string, b: string): boolean {
  return path.dirname(path.resolve(a)) === path.dirname(path.resolve(b));
}

/**
 * The spec file's path as run.json records it: relative to the runs root, with `/`, so a committed run
 * folder stays meaningful. The CLI and the editor both write it this way and match it with isRunOf.
 */
export function specFileLabel(runsRoot: string, specFile: string): string {
  return path.relative(runsRoot, path.resolve(specFile)).split(path.sep).join('/') || path.basename(specFile);
}

/** The absolute spec file a record in `runDir` names (see specFileLabel). */
export function specFileOf(runDir: string, record: RunRecord): string {
  return path.resolve(runsRootOf(runDir), record.spec.file);
}

/**
 * Whether a record's spec file label (under `runsRoot`) names `specFile`. Spec ids are slugs of names, so
 * two files can share a spec folder; the label tells their runs apart. A record without a label matches.
 * Older CLIs wrote the path relative to their working directory (e.g. `examples/a.qwenprompt`): such a
 * label, when it does not resolve, still matches a spec file whose path ends with it.
 */
export function isRunOf(runsRoot: string, label: unknown, specFile: string): boolean {
  if (typeof label !== 'string') return true;
  const file = path.resolve(specFile);
  if (path.resolve(runsRoot, label) === file) return true;
  const parts = label.split(/[\\/]+/).filter((p) => p && p !== '.');
  if (!parts.length || parts[0] === '..' || path.isAbsolute(label)) return false;
  const tail = file.split(path.sep).slice(-parts.length);
  return tail.length === parts.length && tail.every((p, n) => p === parts[n]);
}

/** The run folders under a runs root (of one spec id, or of all), in no particular order. */
export async function runDirs(runsRoot: string, specId?: string): Promise<string[]> {
  const specDirs = specId ? [path.join(runsRoot, safeSegment(specId))] : await subdirs(runsRoot);
  return (await Promise.all(specDirs.map(subdirs))).flat();
}

/**
 * Every run under a runs root (of one spec id, or of all; with `specFile`, only that file's), newest
 * first. Unreadable folders are skipped.
 */
export async function listRuns(runsRoot: string, specId?: string, specFile?: string): Promise<RunEntry[]> {
  const found: RunEntry[] = [];
  for (const runDir of await runDirs(runsRoot, specId)) {
    try {
      const record = await readRunRecord(runDir);
      if (specFile === undefined || isRunOf(runsRoot, record.spec?.file, specFile)) found.push({ runDir, record });
    } catch {
      // Not a run folder (or one being created right now): leave it out.
    }
  }
  return found.sort((a, b) => newestFirst(a.record.createdAt, a.runDir, b.record.createdAt, b.runDir));
}

/** The runs beside `runDir` (its spec folder) that name the same spec file as `label`, newest first. */
export async function siblingRuns(runDir: string, label: string | undefined): Promise<RunEntry[]> {
  const specDir = path.dirname(path.resolve(runDir));
  const runsRoot = path.dirname(specDir);
  const runs = await listRuns(runsRoot, path.basename(specDir));
  if (label === undefined) return runs;
  const file = path.resolve(runsRoot, label);
  return runs.filter((r) => r.record.spec?.file === label || isRunOf(runsRoot, r.record.spec?.file, file));
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

/**
 * The folder a new spec made from an image of a run belongs in: beside the run's spec file (or, when
 * the record does not say where that is, beside its runs folder); an image elsewhere: its own folder.
 */
export async function specFolderForImage(image: string): Promise<string> {
  const runDir = path.dirname(image);
  const record = await readRunRecord(runDir).catch(() => undefined);
  if (!record) return runDir;
  const specDir = path.dirname(specFileOf(runDir, record));
  const there = await fs.stat(specDir).then(
    (s) => s.isDirectory(),
    () => false,
  );
  return there ? specDir : path.dirname(runsRootOf(runDir));
}

/** Temp files of writes a kill cut short (see writeFileAtomic): never referenced by a record. */
export async function removeLeftovers(runDir: string): Promise<void> {
  for (const name of await fs.readdir(runDir)) {
    if (name.startsWith('.') && name.endsWith('.tmp')) await fs.rm(path.join(runDir, name), { force: true });
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
  const stamp = now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-');
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

/** A run's folder, which exists only once its first record is in it: a job served from cache can finish before. */
export class PendingRunDir {
  /** '' until the folder exists. */
  dir = '';
  readonly ready: Promise<void>;
  #resolve!: () => void;
  #reject!: (e: unknown) => void;

  constructor() {
    this.ready = new Promise<void>((res, rej) => ((this.#resolve = res), (this.#reject = rej)));
    this.ready.catch(() => undefined);
  }

  opened(dir: string): void {
    this.dir = dir;
    this.#resolve();
  }

  failed(e: unknown): void {
    this.#reject(e);
  }
}
