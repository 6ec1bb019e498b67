// Adds a ratings file (the rate pack's download, or a round copied from another clone) to a run.
import { promises as fs } from 'node:fs';
import { readRunRecord } from '../runs/record';
import { parseRoundFile, type RoundFile } from '../../shared/ratingRound';
import type { RunRecord } from '../../shared/runRecord';
import { checkVotes } from './addRatings';
import { withRounds, writeRound } from './rounds';

export interface ImportedRound {
  round: RoundFile;
  /** Where the round was written (ratings/<rater>-<round>.json). */
  file: string;
  record: RunRecord;
}

/** Reads, checks and writes `file` as a round of the run in `runDir`; `rater` overrides the file's. */
export async function importRatings(file: string, runDir: string, rater?: string): Promise<ImportedRound> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(await fs.readFile(file, 'utf8'));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new Error(`Cannot read ${file}: ${code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  const given = parseRoundFile(parsed);
  const record = await readRunRecord(runDir);
  if (given.run !== record.id) throw new Error(`${file} rates run ${given.run}, not this run (${record.id}).`);
  const round: RoundFile = { ...given, ...(rater?.trim() ? { rater: rater.trim() } : {}), votes: checkVotes(record, given.votes) };
  const written = await writeRound(runDir, round);
  return { round, file: written, record: await withRounds(runDir, record) };
}
