import * as path from 'node:path';
import { listRuns } from '../core/runs/record';
import type { ColumnStats, RunRecord } from '../core/runs/types';

/** A finished or running run of one spec, as found on disk. */
export interface PastRun {
  runDir: string;
  record: RunRecord;
}

/** What the lenses show of a spec's past: its newest run and the newest time per step count. */
export interface SpecHistory {
  latest?: PastRun;
  /** Step count -> mean execution time in ms (warm runs when there were any), from the newest run that measured it. */
  msByStep: Map<number, number>;
}

const EMPTY: SpecHistory = { msByStep: new Map() };

/**
 * Reads run records under a runs folder, cached per (runs folder, spec id) until `invalidate`: lenses
 * ask on every keystroke, and records only change when a run does.
 */
export class RunHistory {
  readonly #cache = new Map<string, Promise<SpecHistory>>();

  get(runsRoot: string, specFile: string, specId: string): Promise<SpecHistory> {
    const key = `${runsRoot}\0${specId}\0${specFile}`;
    let hit = this.#cache.get(key);
    if (!hit) {
      hit = load(runsRoot, specFile, specId).catch(() => EMPTY);
      this.#cache.set(key, hit);
    }
    return hit;
  }

  invalidate(): void {
    this.#cache.clear();
  }
}

async function load(runsRoot: string, specFile: string, specId: string): Promise<SpecHistory> {
  // Spec ids are slugs of names, so two files in one folder can share one; the record names its file.
  const runs = (await listRuns(runsRoot, specId)).filter((r) => sameFile(runsRoot, r.record, specFile));
  return { latest: runs[0], msByStep: stepFigures(runs.map((r) => r.record)) };
}

function sameFile(runsRoot: string, record: RunRecord, specFile: string): boolean {
  const file = record.spec?.file;
  return typeof file !== 'string' || path.resolve(runsRoot, file) === path.resolve(specFile);
}

/** Newest mean execution time (ms) per step count over records given newest first, from plain step columns. */
export function stepFigures(records: readonly RunRecord[]): Map<number, number> {
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
