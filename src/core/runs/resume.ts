/**
 * Resuming an interrupted run (the CLI killed, VS Code closed, the server gone): the run folder and
 * its run.json are reused, every cell whose images are on disk and match their hashes is kept, and
 * only the missing cells run again. The spec is the one recorded in run.json, so editing the spec
 * file since does not change what the resumed cells compute.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ILogger } from '../logger';
import { nullLogger } from '../logger';
import type { Spec } from '../spec/types';
import { listRuns, readRunRecord, RECORD_FILE, sha256 } from './record';
import { runSpec, type RunOptions } from './runner';
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

/** The newest run of a spec that is not complete, or undefined. */
export async function latestResumable(runsRoot: string, specId: string): Promise<string | undefined> {
  const runs = await listRuns(runsRoot, specId);
  return runs.find((r) => isResumable(r.record))?.runDir;
}

export type ResumeOptions = Omit<RunOptions, 'spec' | 'runsRoot' | 'steps' | 'includeSweep' | 'repeats' | 'resume' | 'userGraph'> & {
  runDir: string;
};

/**
 * Runs the missing cells of the run in `runDir` into the same folder and record. Prompts the dead
 * run left queued on the server are deleted first (best effort) so the GPU does not make them twice.
 */
export async function resumeRun(opts: ResumeOptions): Promise<{ runDir: string; record: RunRecord; resumedCells: number }> {
  const log = opts.logger ?? nullLogger;
  const runDir = path.resolve(opts.runDir);
  let record: RunRecord;
  try {
    record = await readRunRecord(runDir);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'there is no run record' : (e as Error).message;
    throw new Error(`Cannot resume ${runDir}: ${why} (expected ${RECORD_FILE} written by qwenprompt).`);
  }
  const spec = specFromRecord(record);
  const keep = await keptCells(runDir, record);
  const todo = record.cells.filter((c) => !keep.has(c.key));
  await removeLeftovers(runDir);
  const stale = todo.map((c) => c.promptId).filter((id): id is string => !!id);
  if (stale.length && todo.length) {
    await opts.client.deleteQueued(stale, opts.signal).catch((e) => log.warn(`Could not remove the interrupted run's queued prompts: ${String(e)}`));
  }
  const stats = await opts.client.systemStats(opts.signal);
  const gpu = stats.devices?.[0]?.name;
  if (record.server.gpu && gpu && !gpu.includes(record.server.gpu)) {
    throw new Error(`Run ${record.id} was made on ${record.server.gpu}; this server has ${gpu}. Resume it on the same GPU so its statistics stay comparable.`);
  }
  const steps = [...new Set(record.cells.map((c) => Number(c.axes.steps)))];
  const includeSweep = record.cells.some((c) => Object.keys(c.axes).some((k) => k !== 'steps'));
  const repeats = Math.max(...record.cells.map((c) => c.repeat)) + 1;
  log.info(`Resuming run ${record.id}: ${record.cells.length - todo.length} cell(s) kept, ${todo.length} to run`);
  const done = await runSpec({
    ...opts,
    spec,
    runsRoot: path.dirname(path.dirname(runDir)),
    steps,
    includeSweep,
    repeats,
    userGraph: spec.workflow ? record.cells.find((c) => c.graph)?.graph : undefined,
    resume: { runDir, record, keep },
  });
  return { ...done, resumedCells: todo.length };
}

/** Temp files of writes a kill cut short (see writeFileAtomic): never referenced by a record. */
async function removeLeftovers(runDir: string): Promise<void> {
  for (const name of await fs.readdir(runDir)) {
    if (name.startsWith('.') && name.endsWith('.tmp')) await fs.rm(path.join(runDir, name), { force: true });
  }
}
