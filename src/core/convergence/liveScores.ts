/**
 * Convergence scores made while a sweep runs: each image is scored against its row's reference as soon
 * as both are reduced to working size, so the scores are ready when the last job ends instead of
 * every image being decoded again afterwards. Scores are keyed by the images' sha256, so an image that
 * /history replaces or renames is never credited with another's score; whatever is not scored here
 * (over the memory budget, a resumed row, a failure) scoreRun scores from disk at the end.
 */
import { referenceKeys } from './analyse';
import type { ReferenceChoice } from './reference';
import { scorePrepared, type PairScore, type Prepared } from './score';
import type { CellRecord } from '../../shared/runRecord';

/**
 * Most bytes of reduced images held at once. An image at the 256 px working size is ~1 MB (luminance
 * and Lab as Float32); jobs run repeat-major, so what waits for its reference is at most one repeat's
 * lower step counts (a 3 steps × 20 settings sweep: 40 images).
 */
export const LIVE_BUDGET_BYTES = 48 * 1024 * 1024;

/** Scores a reduced image against its reference (the runner's does it in the image worker). */
export type PairScorer = (image: Prepared, reference: Prepared) => PairScore | Promise<PairScore>;

interface Held {
  sha: string;
  prepared: Prepared;
  bytes: number;
}

function sizeOf(p: Prepared): number {
  return p.lum.byteLength + p.lab.l.byteLength + p.lab.a.byteLength + p.lab.b.byteLength;
}

export class LiveScores {
  /** Cell key → its reference's key, for rows whose reference and at least one other cell this run makes. */
  readonly #refOf = new Map<string, string>();
  /** Reference key → the keys of its row that this run makes. */
  readonly #rows = new Map<string, Set<string>>();
  /** Reference key → the keys of its row already added. */
  readonly #seen = new Map<string, Set<string>>();
  /** Reduced images kept: references, and images whose reference is not in yet. */
  readonly #held = new Map<string, Held>();
  readonly #scores = new Map<string, PairScore>();
  #bytes = 0;

  readonly #scorer: PairScorer;
  readonly budgetBytes: number;

  /**
   * `cells`: the whole plan (it decides each row's reference); `making`: the keys this run makes (a
   * resumed run's missing ones; default all). Pairs with an image made before are scored at the end.
   */
  constructor(
    cells: (Pick<CellRecord, 'key' | 'axes' | 'repeat' | 'column'> & { seed?: number })[],
    opts: { making?: ReadonlySet<string>; budgetBytes?: number; scorer?: PairScorer; reference?: ReferenceChoice } = {},
  ) {
    this.budgetBytes = opts.budgetBytes ?? LIVE_BUDGET_BYTES;
    this.#scorer = opts.scorer ?? scorePrepared;
    const making = opts.making;
    for (const [key, ref] of referenceKeys(cells, opts.reference)) {
      if (making && !making.has(key)) continue;
      const row = this.#rows.get(ref) ?? new Set<string>();
      row.add(key);
      this.#rows.set(ref, row);
    }
    for (const [ref, row] of this.#rows) {
      if (row.size < 2 || !row.has(ref)) continue;
      for (const key of row) this.#refOf.set(key, ref);
    }
  }

  /** Whether the cell's image is worth reducing now: its row has something to compare. */
  wants(key: string): boolean {
    return this.#refOf.has(key);
  }

  /** Bytes of reduced images held now. */
  get heldBytes(): number {
    return this.#bytes;
  }

  /**
   * The cell's first image, reduced (undefined: it could not be read; the end scores it from disk or
   * reports it). Scores it against its reference, or the row's waiting images against it. Calls for
   * one run come one at a time (the runner awaits each).
   */
  async add(key: string, sha: string, prepared: Prepared | undefined): Promise<void> {
    const ref = this.#refOf.get(key);
    if (ref === undefined) return;
    this.#drop(key);
    if (prepared) {
      if (key === ref) {
        this.#hold(key, sha, prepared);
        const waiting = [...this.#held].filter(([k]) => k !== ref && this.#refOf.get(k) === ref);
        for (const [k, h] of waiting) {
          await this.#score(h.sha, h.prepared, sha, prepared);
          if (this.#held.get(k) === h) this.#drop(k);
        }
      } else {
        const r = this.#held.get(ref);
        if (r) await this.#score(sha, prepared, r.sha, r.prepared);
        else this.#hold(key, sha, prepared);
      }
    }
    const seen = this.#seen.get(ref) ?? new Set<string>();
    seen.add(key);
    this.#seen.set(ref, seen);
    // Every image of the row is in: what it holds has nothing left to be scored against.
    if (seen.size === this.#rows.get(ref)!.size) for (const k of this.#rows.get(ref)!) this.#drop(k);
  }

  /** The score of image `sha` against reference `refSha`, if it was made here. */
  score(sha: string, refSha: string): PairScore | undefined {
    return this.#scores.get(`${sha}|${refSha}`);
  }

  /** Lets go of every reduced image (the run is over). */
  clear(): void {
    this.#held.clear();
    this.#bytes = 0;
  }

  async #score(sha: string, image: Prepared, refSha: string, ref: Prepared): Promise<void> {
    try {
      this.#scores.set(`${sha}|${refSha}`, await this.#scorer(image, ref));
    } catch {
      // Sizes differ, or the worker died: the end scores the pair from disk and reports what fails.
    }
  }

  #hold(key: string, sha: string, prepared: Prepared): void {
    const bytes = sizeOf(prepared);
    if (this.#bytes + bytes > this.budgetBytes) return;
    this.#held.set(key, { sha, prepared, bytes });
    this.#bytes += bytes;
  }

  #drop(key: string): void {
    const h = this.#held.get(key);
    if (!h) return;
    this.#held.delete(key);
    this.#bytes -= h.bytes;
  }
}
