import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { RATINGS_DIR, withRounds } from '../../core/quality/rounds';
import { readRunRecord } from '../../core/runs/record';
import { isRunOf, newestFirst, recordPath, runDirs } from '../../core/runs/runFolders';
import { timeSamples, type TimeSample } from '../../core/runs/estimate';
import { gpuKind } from '../../shared/gpuKind';
import { missingImages } from '../../shared/resume';
import type { ColumnStats, RunRecord } from '../../shared/runRecord';

/** What the lenses need of one run: a few fields, not the record with its graphs (≈5 KB per image). */
export interface RunDigest {
  runDir: string;
  createdAt: string;
  /** The spec file the run came from, as the record names it. */
  specFile?: string;
  stats: ColumnStats[];
  /** Images a resume would make (0 for a complete run). */
  missing: number;
  /** Its warm images' times, for estimates (template, size, GPU kind; steps; ms). */
  samples: TimeSample[];
  /** The GPU kind of its (first) server. */
  gpu: string;
}

/** What the lenses show of a spec's past: its newest run and the newest time per step count. */
export interface SpecHistory {
  latest?: RunDigest;
  /** Step count -> mean execution time in ms (warm runs when there were any), from the newest run that measured it. */
  msByStep: Map<number, number>;
  /** Every run's warm image times, for the lens's estimates of what has not been run yet. */
  samples: TimeSample[];
  /** The GPU kind of the newest run: the one the next run most likely uses. */
  gpu?: string;
}

const EMPTY: SpecHistory = { msByStep: new Map(), samples: [] };

/**
 * A spec's runs as the lenses see them, cached per (runs folder, spec id) until `invalidate` (a run
 * started or ended, or a runs folder changed on disk): lenses ask on every keystroke. Behind that, each run.json is parsed again only when
 * its size, mtime or inode changed, so the lens refresh after a run reads one record, not every record
 * of the spec's history (50 runs of 60 images are ≈15 MB of JSON).
 */
export class RunHistory {
  readonly #cache = new Map<string, Promise<SpecHistory>>();
  readonly #digests = new Map<string, { stamp: string; digest: RunDigest }>();

  get(runsRoot: string, specFile: string, specId: string): Promise<SpecHistory> {
    const key = `${runsRoot}\0${specId}\0${specFile}`;
    let hit = this.#cache.get(key);
    if (!hit) {
      hit = this.#load(runsRoot, specFile, specId).catch(() => EMPTY);
      this.#cache.set(key, hit);
    }
    return hit;
  }

  /** Forgets the cached histories: all, or those of one runs folder. */
  invalidate(runsRoot?: string): void {
    if (runsRoot === undefined) {
      this.#cache.clear();
      return;
    }
    for (const key of [...this.#cache.keys()]) {
      if (key.startsWith(`${runsRoot}\0`)) this.#cache.delete(key);
    }
  }

  async #load(runsRoot: string, specFile: string, specId: string): Promise<SpecHistory> {
    const dirs = await runDirs(runsRoot, specId);
    const found = (await Promise.all(dirs.map((d) => this.#digest(d)))).filter((d) => d !== undefined);
    // Spec ids are slugs of names, so two files in one folder can share one; the record names its file.
    const runs = found
      .filter((d) => isRunOf(runsRoot, d.specFile, specFile))
      .sort((a, b) => newestFirst(a.createdAt, a.runDir, b.createdAt, b.runDir));
    return {
      latest: runs[0],
      msByStep: stepFigures(runs),
      samples: runs.flatMap((r) => r.samples),
      ...(runs[0] ? { gpu: runs[0].gpu } : {}),
    };
  }

  async #digest(runDir: string): Promise<RunDigest | undefined> {
    const file = recordPath(runDir);
    try {
      const st = await fs.stat(file);
      // Records are replaced by rename, so a rewrite always changes the inode (and usually size and mtime).
      // A new round adds a file to ratings/, which changes that folder's mtime.
      const rounds = await fs.stat(path.join(runDir, RATINGS_DIR)).then(
        (r) => Math.round(r.mtimeMs),
        () => 0,
      );
      const stamp = `${st.ino}:${st.size}:${Math.round(st.mtimeMs)}:${rounds}`;
      const hit = this.#digests.get(file);
      if (hit?.stamp === stamp) return hit.digest;
      const digest = digestOf(runDir, await withRounds(runDir, await readRunRecord(runDir)));
      this.#digests.set(file, { stamp, digest });
      return digest;
    } catch {
      // Not a run folder (or one being created right now): leave it out.
      this.#digests.delete(file);
      return undefined;
    }
  }
}

function digestOf(runDir: string, record: RunRecord): RunDigest {
  const file = record.spec?.file;
  return {
    runDir,
    createdAt: record.createdAt,
    ...(typeof file === 'string' ? { specFile: file } : {}),
    stats: record.stats ?? [],
    missing: missingImages(record),
    samples: timeSamples(record),
    gpu: gpuKind(record.server),
  };
}

/** Newest mean execution time (ms) per step count over runs given newest first, from plain step columns. */
export function stepFigures(records: readonly { stats?: ColumnStats[] }[]): Map<number, number> {
  const out = new Map<number, number>();
  for (const record of records) {
    for (const col of record.stats ?? []) {
      const steps = plainSteps(col);
      const mean = (col.warm ?? col.all)?.mean;
      if (steps !== undefined && mean !== undefined && !out.has(steps)) {
        out.set(steps, mean);
      }
    }
  }
  return out;
}

/** The step count of a column that varies nothing but steps (sweep columns mix in other settings). */
function plainSteps(col: ColumnStats): number | undefined {
  const keys = Object.keys(col.axes ?? {});
  const steps = col.axes?.steps;
  return keys.length === 1 && typeof steps === 'number' ? steps : undefined;
}
