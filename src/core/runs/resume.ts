/**
 * Resuming an interrupted run (the CLI killed, VS Code closed, the server gone): the run folder and
 * its run.json are reused, every cell whose images are on disk and match their hashes is kept, and
 * only the missing cells run again. The spec is the one recorded in run.json, so editing the spec
 * file since does not change what the resumed cells compute. This module only reads; session.ts runs.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { Spec } from '../spec/types';
import { sha256 } from './imageFile';
import type { OpenedRun } from './options';
import { readRunRecord, RECORD_FILE } from './record';
import { listRuns, specFileOf } from './runFolders';
import { isCellDone, isResumable } from '../../shared/resume';
import type { RunRecord } from '../../shared/runRecord';

const ZERO = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** The spec a run record was made from, as the runner needs it (editor-only data blank). */
export function specFromRecord(record: RunRecord): Spec {
  const resolved = record.spec.resolved as Omit<Spec, 'index' | 'range' | 'fieldRanges' | 'lensLine' | 'errorCount'>;
  if (!resolved || typeof resolved !== 'object' || !Array.isArray(resolved.steps)) {
    throw new Error(`The run record ${record.id} holds no resolved spec; it cannot be resumed.`);
  }
  return { ...resolved, index: 0, range: ZERO, fieldRanges: {}, lensLine: 0, errorCount: 0 };
}

/** A run read back from its folder: the spec rebuilt from the record once, under the record's id and name. */
export function openedRun(runDir: string, record: RunRecord): OpenedRun {
  const dir = path.resolve(runDir);
  const spec: Spec = { ...specFromRecord(record), id: record.spec.id, name: record.spec.name };
  return { runDir: dir, record, spec, specFile: specFileOf(dir, record) };
}

/** Reads the run in `runDir` for a resume: its run.json once, its spec rebuilt once. */
export async function openRun(runDir: string): Promise<OpenedRun> {
  const dir = path.resolve(runDir);
  let record: RunRecord;
  try {
    record = await readRunRecord(dir);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no run record' : (e as Error).message;
    throw new Error(`Cannot resume ${dir}: ${why} (expected ${RECORD_FILE} written by qwenprompt).`);
  }
  return openedRun(dir, record);
}

/** The newest run of a spec (of `specFile`, when given) that is not complete, opened; or undefined. */
export async function findResumable(runsRoot: string, specId: string, specFile?: string): Promise<OpenedRun | undefined> {
  const found = (await listRuns(runsRoot, specId, specFile)).find((r) => isResumable(r.record));
  return found && openedRun(found.runDir, found.record);
}

/**
 * Cells that are done and whose every image is on disk with the recorded hash. Anything else (queued,
 * running, lost, failed, cancelled, or an image missing or damaged) runs again.
 */
export async function keptCells(runDir: string, record: RunRecord): Promise<Set<string>> {
  const keep = new Set<string>();
  for (const c of record.cells) {
    if (!isCellDone(c)) continue;
    let intact = true;
    for (const im of c.images) {
      const bytes = await fs.readFile(path.join(runDir, path.basename(im.file))).catch(() => undefined);
      if (!bytes || sha256(bytes) !== im.sha256) intact = false;
    }
    if (intact) keep.add(c.key);
  }
  return keep;
}
