/**
 * Which images are compared with which, and what the scores say: a seed row is the cells of one repeat
 * (seed) and one combination of the other swept axes; its reference is the row's image at the
 * group's highest step count. The recommendation is the smallest step count whose mean SSIM over the
 * seeds reaches the threshold, with its time against the reference's.
 */
import { columnLabel } from '../../shared/format';
import {
  columnTime,
  oneReferenceKeys,
  referenceLines,
  referenceOfResolved,
  summarizeAgainstReference,
  usesOneReference,
  type ReferenceChoice,
} from './reference';
import type { CellRecord, ColumnStats, ConvergenceGroup, ConvergencePoint, ConvergenceSummary, RunRecord } from '../../shared/runRecord';

/** Default mean SSIM a step count must reach ("0.95 of the reference's structure"). */
export const DEFAULT_THRESHOLD = 0.95;

/** A threshold from settings or flags: a number in (0, 1], else the default. */
export function clampThreshold(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 && v <= 1 ? v : DEFAULT_THRESHOLD;
}

/** The other swept axes of a cell in words ('' when steps is the only axis). */
export function groupOf(cell: Pick<CellRecord, 'axes'>): string {
  const { steps: _s, ...rest } = cell.axes;
  return columnLabel(rest);
}

function stepsOf(cell: Pick<CellRecord, 'axes'>): number {
  return Number(cell.axes.steps);
}

/** A cell with an image that can be scored. */
function scorable(c: CellRecord): boolean {
  return (c.status === 'success' || c.status === 'cached') && c.images.length > 0 && Number.isFinite(stepsOf(c));
}

export interface PairToScore {
  cell: CellRecord;
  reference: CellRecord;
}

/**
 * Each cell's reference cell key: same repeat, same other axes, the group's highest step count, whatever
 * the cells' status (a run in progress knows its rows before their images exist).
 */
export function referenceKeys(
  cells: (Pick<CellRecord, 'key' | 'axes' | 'repeat' | 'column'> & { seed?: number })[],
  choice?: ReferenceChoice,
  stats?: ColumnStats[],
): Map<string, string> {
  if (usesOneReference(cells, choice)) return oneReferenceKeys(cells, choice, stats);
  const topSteps = new Map<string, number>();
  for (const c of cells) {
    if (!Number.isFinite(stepsOf(c))) continue;
    const g = groupOf(c);
    topSteps.set(g, Math.max(topSteps.get(g) ?? -Infinity, stepsOf(c)));
  }
  const rowRef = new Map<string, string>();
  for (const c of cells) {
    if (stepsOf(c) === topSteps.get(groupOf(c))) rowRef.set(`${groupOf(c)}#${c.repeat}`, c.key);
  }
  const refs = new Map<string, string>();
  for (const c of cells) {
    const ref = Number.isFinite(stepsOf(c)) ? rowRef.get(`${groupOf(c)}#${c.repeat}`) : undefined;
    if (ref !== undefined) refs.set(c.key, ref);
  }
  return refs;
}

/**
 * Every image paired with its reference. A row whose reference image is missing (failed, cancelled) is
 * left out rather than compared with a lower step count, so every score of a step count means the same.
 */
export function pairsToScore(cells: CellRecord[], choice?: ReferenceChoice, stats?: ColumnStats[]): PairToScore[] {
  const refs = referenceKeys(cells, choice, stats);
  const byKey = new Map(cells.map((c) => [c.key, c]));
  const pairs: PairToScore[] = [];
  for (const c of cells) {
    const reference = byKey.get(refs.get(c.key) ?? '');
    if (reference && scorable(reference) && scorable(c)) pairs.push({ cell: c, reference });
  }
  return pairs;
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Mean scores per step count and the recommendation per group, from the cells' stored scores. */
export function summarizeConvergence(
  record: Pick<RunRecord, 'cells' | 'stats'> & { spec?: Pick<RunRecord['spec'], 'resolved'> },
  threshold: number,
  method: string,
  scoringMs: number,
): ConvergenceSummary | undefined {
  if (usesOneReference(record.cells, referenceOfResolved(record.spec?.resolved))) {
    const reference = summarizeAgainstReference(record.cells, record.stats, threshold);
    return reference && { method, threshold, groups: [], reference, scoringMs };
  }
  const byGroup = new Map<string, CellRecord[]>();
  for (const c of record.cells) {
    if (!c.convergence) continue;
    const g = groupOf(c);
    byGroup.set(g, [...(byGroup.get(g) ?? []), c]);
  }
  if (!byGroup.size) return undefined;
  const groups: ConvergenceGroup[] = [...byGroup].map(([group, cells]) => {
    const steps = [...new Set(cells.map(stepsOf))].sort((a, b) => a - b);
    const points: ConvergencePoint[] = steps.map((s) => {
      const mine = cells.filter((c) => stepsOf(c) === s);
      const ssims = mine.map((c) => c.convergence!.ssim);
      const p: ConvergencePoint = {
        steps: s,
        column: mine[0].column,
        n: mine.length,
        ssim: mean(ssims),
        ssimMin: Math.min(...ssims),
        deltaE: mean(mine.map((c) => c.convergence!.deltaE)),
      };
      const t = columnTime(record.stats, p.column);
      if (t !== undefined) p.timeMs = t;
      return p;
    });
    const out: ConvergenceGroup = { group, referenceSteps: steps[steps.length - 1], points };
    if (points.length >= 2) {
      const pick = points.find((p) => p.ssim >= threshold) ?? points[points.length - 1];
      const ref = points[points.length - 1];
      out.recommendedSteps = pick.steps;
      if (pick.timeMs !== undefined && ref.timeMs) out.timeFraction = pick.timeMs / ref.timeMs;
    }
    return out;
  });
  return { method, threshold, groups, scoringMs };
}

/**
 * The recommendation in one line, e.g. "40 steps: 0.96 of 60-step structure at 55 % of the time";
 * undefined when the group has fewer than two scored step counts.
 */
export function recommendationLine(g: ConvergenceGroup, threshold: number): string | undefined {
  if (g.recommendedSteps === undefined) return undefined;
  const prefix = g.group ? `${g.group}: ` : '';
  const pick = g.points.find((p) => p.steps === g.recommendedSteps)!;
  if (g.recommendedSteps === g.referenceSteps) {
    const below = g.points[g.points.length - 2];
    return `${prefix}no fewer steps reach SSIM ${threshold.toFixed(2)}: keep ${g.referenceSteps} steps (${below.steps} steps: ${below.ssim.toFixed(2)})`;
  }
  const time = g.timeFraction !== undefined ? ` at ${Math.round(g.timeFraction * 100)} % of the time` : '';
  return `${prefix}${pick.steps} steps: ${pick.ssim.toFixed(2)} of ${g.referenceSteps}-step structure${time}`;
}

/** The recommendation of every group under a heading, for the CLI; nothing when nothing was scored. */
export function convergenceLines(c: ConvergenceSummary | undefined): string[] {
  if (c?.reference) return referenceLines(c.reference, c.threshold);
  const lines = (c?.groups ?? []).map((g) => recommendationLine(g, c!.threshold)).filter((l): l is string => !!l);
  if (!lines.length) return [];
  return [
    `Recommended: the fewest steps whose mean SSIM to each seed's top step count reaches ${c!.threshold}`,
    ...lines.map((l) => `  ${l}`),
  ];
}
