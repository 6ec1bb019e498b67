// Raters: who cast each vote, each rater's latest score per image, their agreement per criterion
// and the rater the others agree far better without.
import { CRITERIA, isScore, type Criterion } from '../../shared/criteria';
import type { CriterionAgreement, RaterFlag } from '../../shared/quality';
import type { Rating } from '../../shared/runRecord';
import { krippendorffAlpha } from './agreement';

/** What votes from before raters were kept are counted under. */
export const UNNAMED_RATER = 'unnamed';

export const raterOf = (r: Rating): string => r.rater?.trim() || UNNAMED_RATER;

/** Raters in the order of their first vote. */
export function ratersOf(ratings: readonly Rating[]): string[] {
  return [...new Set([...ratings].sort((a, b) => a.at.localeCompare(b.at)).map(raterOf))];
}

/** Each rater's latest score per image on one criterion: image → rater → score. */
function latestScores(ratings: readonly Rating[], k: Criterion): Map<string, Map<string, number>> {
  const byCell = new Map<string, Map<string, { at: string; v: number }>>();
  for (const r of ratings) {
    const v = r.scores[k];
    if (!isScore(v)) continue;
    const m = byCell.get(r.cell) ?? new Map<string, { at: string; v: number }>();
    byCell.set(r.cell, m);
    const who = raterOf(r);
    const had = m.get(who);
    if (!had || had.at <= r.at) m.set(who, { at: r.at, v });
  }
  return new Map([...byCell].map(([cell, m]) => [cell, new Map([...m].map(([who, x]) => [who, x.v]))]));
}

const alphaOf = (scores: Map<string, Map<string, number>>, leaveOut?: string) =>
  krippendorffAlpha(
    [...scores.values()].map((m) => [...m].filter(([who]) => who !== leaveOut).map(([, v]) => v)),
    'ordinal',
  );

/** The others' alpha must rise at least this much without a rater for that rater to be flagged. */
export const FLAG_RISE = 0.2;

/** Agreement per criterion and the raters who disagree with the rest (needs three raters to say who). */
export function raterAgreement(ratings: readonly Rating[]): { agreement: CriterionAgreement[]; flags: RaterFlag[] } {
  const agreement: CriterionAgreement[] = [];
  const flags: RaterFlag[] = [];
  for (const k of CRITERIA) {
    const scores = latestScores(ratings, k);
    const a = alphaOf(scores);
    agreement.push({ criterion: k, ...a });
    const raters = new Set([...scores.values()].flatMap((m) => [...m.keys()]));
    if (a.alpha === undefined || raters.size < 3) continue;
    for (const who of raters) {
      const without = alphaOf(scores, who).alpha;
      if (without !== undefined && without - a.alpha >= FLAG_RISE)
        flags.push({ rater: who, criterion: k, alpha: a.alpha, alphaWithout: without });
    }
  }
  return { agreement, flags };
}
