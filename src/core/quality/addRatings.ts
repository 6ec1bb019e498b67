// Saves a rating round from the panel as its own file under the run folder (see rounds.ts). A run
// still going can be rated too: the votes are on its finished images, and the round file is the
// rater's own (ratings/, written atomically), which the runner's rewrites of run.json never touch.
import { randomBytes } from 'node:crypto';
import { readRunRecord } from '../runs/record';
import { CRITERIA, isScore } from '../../shared/criteria';
import { cleanTags, isRegion, newRoundId, ROUND_FORMAT, type RoundFile, type RoundVote } from '../../shared/ratingRound';
import type { DefectRegion, Rating, RunRecord } from '../../shared/runRecord';
import { withRounds, writeRound } from './rounds';

/** One vote as the panel sends it; the image, time and round are filled in here. */
export interface NewVote {
  cell: string;
  scores: Rating['scores'];
  note?: string;
  unrequested?: string[];
  missing?: string[];
  regions?: DefectRegion[];
}

export interface AddRatingsOptions {
  /** Who rates (the qwenprompt.rater setting, else git's user.name). */
  rater: string;
  now?: Date;
  blind?: boolean;
  /**
   * The record to check the votes against: the panel's live view of a run still going, which knows
   * of images the runner has not yet written into run.json (it coalesces its rewrites). Default: run.json.
   */
  record?: RunRecord;
}

/** Writes the votes as one new round file and returns the record with every round in it. */
export async function addRatings(runDir: string, votes: readonly NewVote[], opts: AddRatingsOptions): Promise<RunRecord> {
  const record = opts.record ?? (await readRunRecord(runDir));
  const rater = opts.rater.trim();
  if (!rater) throw new Error('Say who rates: set qwenprompt.rater (or git config user.name).');
  const at = (opts.now ?? new Date()).toISOString();
  const round: RoundFile = {
    format: ROUND_FORMAT,
    version: 1,
    run: record.id,
    rater,
    round: newRoundId(at, randomBytes(3).toString('hex')),
    at,
    blind: opts.blind === true,
    votes: checkVotes(record, votes),
  };
  await writeRound(runDir, round);
  return withRounds(runDir, record);
}

/** The votes as a round keeps them, each checked against the run's own images. */
export function checkVotes(record: RunRecord, votes: readonly NewVote[]): RoundVote[] {
  const cells = new Map(record.cells.map((c) => [c.key, c]));
  return votes.map((v) => {
    const cell = cells.get(v.cell);
    if (!cell) throw new Error(`"${v.cell}" is not an image of this run.`);
    if (cell.status !== 'success' && cell.status !== 'cached')
      throw new Error(`"${cell.column}" (seed ${cell.seed}) is not finished yet: rate it once its image is in.`);
    const image = cell.images[0]?.file;
    if (!image) throw new Error(`"${cell.column}" (seed ${cell.seed}) has no image to rate.`);
    const scores: Rating['scores'] = {};
    for (const k of CRITERIA) if (isScore(v.scores[k])) scores[k] = v.scores[k];
    const note = v.note?.trim();
    const unrequested = cleanTags(v.unrequested ?? []);
    const missing = cleanTags(v.missing ?? []);
    const regions = (v.regions ?? []).filter(isRegion).map((r) => ({ ...r, word: r.word.trim() }));
    return {
      cell: v.cell,
      image,
      scores,
      ...(note ? { note } : {}),
      ...(unrequested.length ? { unrequested } : {}),
      ...(missing.length ? { missing } : {}),
      ...(regions.length ? { regions } : {}),
    };
  });
}
