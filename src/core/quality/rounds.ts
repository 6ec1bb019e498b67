// Rating rounds on disk: each round one file under the run folder's ratings/, written atomically
// and never rewritten, so rounds from several raters (and several clones) merge in git as new files.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { stableStringify, writeFileAtomic } from '../runs/record';
import { parseRoundFile, roundFileName, roundRatings, type RoundFile } from '../../shared/ratingRound';
import type { RunRecord } from '../../shared/runRecord';

export const RATINGS_DIR = 'ratings';

/** A round file that could not be read: the others still count, and the caller says which failed. */
export interface BadRound {
  file: string;
  error: string;
}

/** Writes one round as ratings/<rater>-<round>.json (refuses to overwrite one already there). */
export async function writeRound(runDir: string, round: RoundFile): Promise<string> {
  const dir = path.join(runDir, RATINGS_DIR);
  await fs.mkdir(dir, { recursive: true });
  const file = path.join(dir, roundFileName(round.rater, round.round));
  const exists = await fs.stat(file).then(
    () => true,
    () => false,
  );
  if (exists) throw new Error(`The round ${round.round} of ${round.rater} is already in this run.`);
  await writeFileAtomic(file, stableStringify(round));
  return file;
}

/** Every round file of the run, oldest first; unreadable ones are returned apart. */
export async function readRounds(runDir: string): Promise<{ rounds: RoundFile[]; bad: BadRound[] }> {
  const dir = path.join(runDir, RATINGS_DIR);
  const names = await fs.readdir(dir).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  const rounds: RoundFile[] = [];
  const bad: BadRound[] = [];
  for (const name of names.filter((n) => n.endsWith('.json') && !n.startsWith('.')).sort()) {
    const file = path.join(dir, name);
    try {
      rounds.push(parseRoundFile(JSON.parse(await fs.readFile(file, 'utf8'))));
    } catch (e) {
      bad.push({ file, error: e instanceof Error ? e.message : String(e) });
    }
  }
  rounds.sort((a, b) => a.at.localeCompare(b.at) || a.rater.localeCompare(b.rater));
  return { rounds, bad };
}

/**
 * The record with every vote: those an older run.json holds itself, then each round file's. Round
 * files made for another run (copied in by hand) are left out.
 */
export async function withRounds(runDir: string, record: RunRecord): Promise<RunRecord> {
  const { rounds } = await readRounds(runDir);
  const mine = rounds.filter((r) => r.run === record.id);
  if (!mine.length) return record;
  return { ...record, ratings: [...(record.ratings ?? []), ...mine.flatMap(roundRatings)] };
}
