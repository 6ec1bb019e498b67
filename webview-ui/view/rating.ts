// A blind rating round as plain state: which image is shown, which criterion the keys score, and
// the votes so far. Labels never enter it; the order is shuffled so position gives nothing away.
import type { VoteMessage } from '../../src/protocol/messages';
import { CRITERIA, type Criterion } from '../../src/shared/criteria';
import { parseTags } from '../../src/shared/ratingRound';
import type { CellRecord, DefectRegion } from '../../src/shared/runRecord';

export type ShuffleMode = 'row' | 'all';

/** A small seeded PRNG (mulberry32): the same seed gives the same order, for tests and for reloads. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function shuffle<T>(xs: T[], rand: () => number): T[] {
  const out = [...xs];
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Cells that have an image to judge. */
export function rateable(cells: readonly CellRecord[]): CellRecord[] {
  return cells.filter((c) => c.images.length > 0 && (c.status === 'success' || c.status === 'cached'));
}

/**
 * The order images are shown in: 'row' keeps each seed row together (rows in order, images
 * shuffled within), so settings are compared on the same seed; 'all' shuffles everything.
 */
export function ratingOrder(cells: readonly CellRecord[], mode: ShuffleMode, seed: number): string[] {
  const rand = prng(seed);
  const usable = rateable(cells);
  if (mode === 'all') return shuffle(usable, rand).map((c) => c.key);
  const rows = [...new Set(usable.map((c) => c.repeat))].sort((a, b) => a - b);
  return rows.flatMap((r) =>
    shuffle(
      usable.filter((c) => c.repeat === r),
      rand,
    ).map((c) => c.key),
  );
}

export interface Vote {
  scores: Partial<Record<Criterion, number>>;
  note: string;
  /** Unrequested elements as typed: "pendant, extra flower". */
  unrequested: string;
  /** Requested elements the image lacks, as typed. */
  missing: string;
  /** Boxes drawn over the image, each with a criterion and a word. */
  regions: DefectRegion[];
}

export class RatingRound {
  readonly order: readonly string[];
  index = 0;
  criterion = 0;
  readonly votes = new Map<string, Vote>();

  constructor(order: readonly string[]) {
    this.order = order;
  }

  get key(): string {
    return this.order[this.index];
  }

  get vote(): Vote {
    let v = this.votes.get(this.key);
    if (!v) this.votes.set(this.key, (v = { scores: {}, note: '', unrequested: '', missing: '', regions: [] }));
    return v;
  }

  /** Scores the current criterion and moves to the next one still unscored (keys 1–5). */
  score(value: number, criterion = CRITERIA[this.criterion]): void {
    if (!(Number.isInteger(value) && value >= 1 && value <= 5)) return;
    this.vote.scores[criterion] = value;
    const i = CRITERIA.indexOf(criterion);
    const next = CRITERIA.findIndex((c, j) => j > i && this.vote.scores[c] === undefined);
    this.criterion = next >= 0 ? next : Math.min(i + 1, CRITERIA.length - 1);
  }

  moveCriterion(delta: number): void {
    this.criterion = Math.max(0, Math.min(CRITERIA.length - 1, this.criterion + delta));
  }

  /** Moves to another image; the criterion goes to its first unscored one. */
  go(delta: number): boolean {
    const to = this.index + delta;
    if (to < 0 || to >= this.order.length) return false;
    this.index = to;
    const first = CRITERIA.findIndex((c) => this.vote.scores[c] === undefined);
    this.criterion = first >= 0 ? first : 0;
    return true;
  }

  get isLast(): boolean {
    return this.index === this.order.length - 1;
  }

  /** Images with every criterion scored. */
  get complete(): number {
    return this.order.filter((k) => CRITERIA.every((c) => this.votes.get(k)?.scores[c] !== undefined)).length;
  }

  /** What the round saves: images with at least one score. */
  toMessages(): VoteMessage[] {
    return this.order.flatMap((cell) => {
      const v = this.votes.get(cell);
      if (!v || !Object.keys(v.scores).length) return [];
      const note = v.note.trim();
      const unrequested = parseTags(v.unrequested);
      const missing = parseTags(v.missing);
      return [
        {
          cell,
          scores: { ...v.scores },
          ...(note ? { note } : {}),
          ...(unrequested.length ? { unrequested } : {}),
          ...(missing.length ? { missing } : {}),
          ...(v.regions.length ? { regions: v.regions.map((r) => ({ ...r })) } : {}),
        },
      ];
    });
  }
}
