// Adds votes to a run's run.json: read, append, write atomically, one writer at a time per folder.
import { randomBytes } from 'node:crypto';
import * as path from 'node:path';
import { readRunRecord, writeRunRecord } from '../runs/record';
import { CRITERIA, isScore } from '../../shared/criteria';
import type { Rating, RunRecord } from '../../shared/runRecord';

/** One vote as the panel sends it; the image, time and round are filled in here. */
export interface NewVote {
  cell: string;
  scores: Rating['scores'];
  note?: string;
}

/** The run is still writing run.json: ratings saved now would be lost to its next write. */
export class RunStillRunningError extends Error {
  constructor() {
    super('The run is still going: rate its images once it has finished.');
    this.name = 'RunStillRunningError';
  }
}

export interface AddRatingsOptions {
  now?: Date;
  blind?: boolean;
  /**
   * True when the caller knows no runner is writing this folder (a run that crashed leaves
   * status 'running' behind for good); otherwise a 'running' record is refused.
   */
  staleRunning?: boolean;
}

// Two saves of the same folder must not interleave their read–modify–write.
const queues = new Map<string, Promise<unknown>>();

/** Appends the votes as one new round and returns the record as written. */
export function addRatings(runDir: string, votes: readonly NewVote[], opts: AddRatingsOptions = {}): Promise<RunRecord> {
  const key = path.resolve(runDir);
  const prev = queues.get(key) ?? Promise.resolve();
  const next = prev.catch(() => undefined).then(() => write(key, votes, opts));
  queues.set(key, next);
  void next
    .finally(() => {
      if (queues.get(key) === next) queues.delete(key);
    })
    .catch(() => undefined);
  return next;
}

async function write(runDir: string, votes: readonly NewVote[], opts: AddRatingsOptions): Promise<RunRecord> {
  const record = await readRunRecord(runDir);
  if (record.status === 'running' && !opts.staleRunning) throw new RunStillRunningError();
  const cells = new Map(record.cells.map((c) => [c.key, c]));
  const at = (opts.now ?? new Date()).toISOString();
  const round = `${at.replace(/\.\d+Z$/, 'Z')}-${randomBytes(3).toString('hex')}`;
  const added: Rating[] = votes.map((v) => {
    const cell = cells.get(v.cell);
    if (!cell) throw new Error(`"${v.cell}" is not an image of this run.`);
    const image = cell.images[0]?.file;
    if (!image) throw new Error(`"${cell.column}" (seed ${cell.seed}) has no image to rate.`);
    const scores: Rating['scores'] = {};
    for (const k of CRITERIA) if (isScore(v.scores[k])) scores[k] = v.scores[k];
    const note = v.note?.trim();
    return { cell: v.cell, image, scores, ...(note ? { note } : {}), at, round, ...(opts.blind ? { blind: true } : {}) };
  });
  const updated: RunRecord = { ...record, ratings: [...(record.ratings ?? []), ...added] };
  await writeRunRecord(runDir, updated);
  return updated;
}
