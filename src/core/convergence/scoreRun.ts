/** Scores a finished run's images from disk and stores the results in its record. */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_THRESHOLD, pairsToScore, summarizeConvergence } from './analyse';
import { referenceOfResolved } from './reference';
import { decodePng, prepare, SCORE_METHOD, scorePrepared, type PairScore, type Prepared } from './score';
import type { RunRecord } from '../../shared/runRecord';

export interface ScoreRunOptions {
  threshold?: number;
}

/** Lets the event loop run between images: the extension host shares its thread with the editor. */
const breathe = () => new Promise<void>((ok) => setImmediate(ok));

async function load(runDir: string, file: string): Promise<Prepared> {
  const img = decodePng(await fs.readFile(path.join(runDir, file)));
  await breathe();
  return prepare(img);
}

/**
 * Sets `cell.convergence` on every scorable image and `record.convergence` (undefined when no row has
 * two step counts). Each reference is decoded once. An image that cannot be read is left unscored
 * (the error goes to `onError`) rather than failing the run: scores are a reading aid, not the run.
 * `known` gives scores already made while the run went (LiveScores), by the images' sha256; only the
 * other pairs are read from disk.
 */
export async function scoreRun(
  runDir: string,
  record: RunRecord,
  opts: ScoreRunOptions = {},
  onError?: (file: string, e: unknown) => void,
  known?: (sha: string, refSha: string) => PairScore | undefined,
): Promise<void> {
  const started = performance.now();
  const pairs = pairsToScore(record.cells, referenceOfResolved(record.spec?.resolved), record.stats);
  const columnsPerRow = new Set(pairs.map((p) => `${p.reference.key}|${p.cell.column}`));
  const cache = new Map<string, Promise<Prepared | undefined>>();
  const get = (file: string) => {
    let p = cache.get(file);
    if (!p) {
      p = load(runDir, file).catch((e: unknown) => {
        onError?.(file, e);
        return undefined;
      });
      cache.set(file, p);
    }
    return p;
  };
  for (const c of record.cells) delete c.convergence;
  // A row with only its reference compares nothing: no scores, no summary.
  if (columnsPerRow.size > new Set(pairs.map((p) => p.reference.key)).size) {
    for (const { cell, reference } of pairs) {
      if (cell === reference) {
        cell.convergence = { reference: reference.key, ssim: 1, deltaE: 0 };
        continue;
      }
      // An image too large to decode (its note says why, and the log did) is left unscored.
      if (cell.images[0].note || reference.images[0].note) continue;
      const made = known?.(cell.images[0].sha256, reference.images[0].sha256);
      if (made) {
        cell.convergence = { reference: reference.key, ...made };
        continue;
      }
      const ref = await get(reference.images[0].file);
      const img = ref && (await get(cell.images[0].file));
      if (!ref || !img) continue;
      try {
        cell.convergence = { reference: reference.key, ...scorePrepared(img, ref) };
      } catch (e) {
        onError?.(cell.images[0].file, e);
      }
      cache.delete(cell.images[0].file);
      await breathe();
    }
  }
  const summary = summarizeConvergence(record, opts.threshold ?? DEFAULT_THRESHOLD, SCORE_METHOD, Math.round(performance.now() - started));
  if (summary) record.convergence = summary;
  else delete record.convergence;
}
