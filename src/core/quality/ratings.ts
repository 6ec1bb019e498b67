// Rating maths: what a blind review says per setting (pooled and per rater, with 95 % intervals),
// how far the raters agree, and which settings are worth their time.
import { CRITERIA, isScore } from '../../shared/criteria';
import type { QualitySummary, RaterMeans, SettingQuality } from '../../shared/quality';
import type { AxisValue, ColumnStats, Rating, RunRecord } from '../../shared/runRecord';
import { adherenceOf, promptElements, recordPrompt } from '../../shared/adherence';
import { meanInterval } from './agreement';
import { raterAgreement, raterOf, ratersOf } from './raters';

export interface CostPoint {
  id: string;
  cost: number;
  score: number;
}

/**
 * The cost–quality (Pareto) front: points no other point beats on both cost (lower) and score
 * (higher). Ties on both count as on the front together, so equal settings are marked alike.
 */
export function paretoFront(points: readonly CostPoint[]): Set<string> {
  const front = new Set<string>();
  for (const p of points) {
    const dominated = points.some((q) => q !== p && q.cost <= p.cost && q.score >= p.score && (q.cost < p.cost || q.score > p.score));
    if (!dominated) front.add(p.id);
  }
  return front;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Means, 95 % half-widths and counts per criterion over some votes. */
function meansOf(votes: readonly Rating[]): Pick<SettingQuality, 'means' | 'counts' | 'intervals'> {
  const out: Pick<SettingQuality, 'means' | 'counts' | 'intervals'> = { means: {}, counts: {}, intervals: {} };
  for (const k of CRITERIA) {
    const m = meanInterval(votes.map((r) => r.scores[k]).filter(isScore));
    if (!m) continue;
    out.means[k] = m.mean;
    out.counts[k] = m.n;
    if (m.half !== undefined) out.intervals[k] = m.half;
  }
  return out;
}

/** Per-setting means per criterion, in the record's column order, with the cost–quality front marked. */
export function qualitySummary(record: Pick<RunRecord, 'cells' | 'stats' | 'ratings'> & { spec?: RunRecord['spec'] }): QualitySummary {
  const elements = promptElements(recordPrompt(record));
  const columnOf = new Map(record.cells.map((c) => [c.key, c.column]));
  const order: { column: string; axes: Record<string, AxisValue> }[] = [];
  const seen = new Set<string>();
  for (const c of record.cells) {
    if (!seen.has(c.column)) {
      seen.add(c.column);
      order.push({ column: c.column, axes: c.axes });
    }
  }
  const stats = new Map<string, ColumnStats>(record.stats.map((s) => [s.column, s]));
  const ratings = (record.ratings ?? []).filter((r) => columnOf.has(r.cell));
  const raters = ratersOf(ratings);
  const settings: SettingQuality[] = order.map(({ column, axes }) => {
    const mine = ratings.filter((r) => columnOf.get(r.cell) === column);
    const pooled = meansOf(mine);
    const byRater: RaterMeans[] = raters.flatMap((rater) => {
      const theirs = mine.filter((r) => raterOf(r) === rater);
      return theirs.length ? [{ rater, votes: theirs.length, ...meansOf(theirs) }] : [];
    });
    const ms = Object.values(pooled.means);
    const adherence = adherenceOf(mine, elements);
    const s = stats.get(column);
    const time = (s?.warm ?? s?.all)?.mean;
    return {
      column,
      axes,
      ...pooled,
      byRater,
      ...(adherence ? { adherence } : {}),
      ...(ms.length ? { overall: mean(ms) } : {}),
      votes: mine.length,
      ...(time !== undefined ? { timeMs: time } : {}),
      onFront: false,
    };
  });
  const front = paretoFront(
    settings.flatMap((s) =>
      s.overall !== undefined && s.timeMs !== undefined ? [{ id: s.column, cost: s.timeMs, score: s.overall }] : [],
    ),
  );
  for (const s of settings) s.onFront = front.has(s.column);
  const rounds = new Set(ratings.map((r) => r.round ?? `day:${r.at.slice(0, 10)}`));
  const lastAt = ratings
    .map((r) => r.at)
    .sort()
    .pop();
  return {
    settings,
    raters,
    ...raterAgreement(ratings),
    rounds: rounds.size,
    votes: ratings.length,
    ...(lastAt ? { lastAt } : {}),
  };
}
