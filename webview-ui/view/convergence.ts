// What the panel says about convergence: the chart's geometry (SSIM and time against steps on one
// plot), the recommendation in words, each image's score, and how blind ratings compare. Pure.
import { niceStep } from './chart';
import { formatMs, formatTick } from '../../src/shared/format';
import type { CellRecord, ConvergenceGroup, ConvergenceSummary, Rating, RunRecord } from '../../src/shared/runRecord';

/** The record's convergence when it has the shape the panel draws (records come from disk). */
export function convergenceOf(record: RunRecord | undefined): ConvergenceSummary | undefined {
  const c = record?.convergence;
  const ok =
    !!c &&
    typeof c.threshold === 'number' &&
    Array.isArray(c.groups) &&
    c.groups.every(
      (g) =>
        typeof g.referenceSteps === 'number' &&
        Array.isArray(g.points) &&
        g.points.every((p) => Number.isFinite(p.steps) && Number.isFinite(p.ssim)),
    );
  return ok ? c : undefined;
}

/** An image's score for its caption: 'SSIM 0.962 · ΔE 0.6', 'reference' for the top step count. */
export function cellScoreText(c: CellRecord): string | undefined {
  const s = c.convergence;
  if (!s || !Number.isFinite(s.ssim)) return undefined;
  if (s.reference === c.key) return 'reference';
  return `SSIM ${s.ssim.toFixed(3)} · ΔE ${s.deltaE.toFixed(1)}`;
}

/**
 * The figures behind the decision table for one group, e.g. '20 steps 0.70 · 40 steps 0.96 · 60 steps
 * 1.00 (mean SSIM to 60 steps over 2 seeds)'; undefined with fewer than two scored step counts.
 */
export function ssimDetail(g: ConvergenceGroup): string | undefined {
  if (g.points.length < 2) return undefined;
  const seeds = Math.max(...g.points.map((p) => p.n));
  const prefix = g.group ? `${g.group}: ` : '';
  return `${prefix}${g.points.map((p) => `${p.steps} steps ${p.ssim.toFixed(2)}`).join(' · ')} (mean SSIM to ${g.referenceSteps} steps over ${seeds} seed${seeds === 1 ? '' : 's'})`;
}

/** Mean blind score per step count of one group, and whether it agrees with the SSIM pick. */
export interface RatingsVerdict {
  perSteps: { steps: number; mean: number; votes: number }[];
  /** Fewest steps rated within half a point of the top step count's mean. */
  ratedPick: number;
  agrees: boolean;
  text: string;
}

/** Half a point on the 1–5 scale: a rating difference smaller than that is within reviewer noise. */
const RATING_TOLERANCE = 0.5;

function voteScore(r: Rating): number | undefined {
  // Structure is the criterion SSIM measures; a vote without it counts by its other criteria.
  const s = r.scores ?? {};
  if (typeof s.structure === 'number') return s.structure;
  const xs = [s.texture, s.colour, s.adherence].filter((v): v is number => typeof v === 'number');
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
}

/** Undefined without votes on at least two step counts of the group, including its reference. */
export function ratingsVerdict(record: RunRecord, g: ConvergenceGroup): RatingsVerdict | undefined {
  if (g.recommendedSteps === undefined) return undefined;
  const steps = new Map<string, number>();
  for (const c of record.cells) {
    const rest = c.column
      .split(' · ')
      .filter((p) => p !== `${c.axes.steps} steps`)
      .join(' · ');
    if (rest === g.group) steps.set(c.key, Number(c.axes.steps));
  }
  const sums = new Map<number, { sum: number; votes: number }>();
  for (const r of Array.isArray(record.ratings) ? record.ratings : []) {
    const s = steps.get(r.cell);
    const v = voteScore(r);
    if (s === undefined || v === undefined) continue;
    const acc = sums.get(s) ?? { sum: 0, votes: 0 };
    acc.sum += v;
    acc.votes += 1;
    sums.set(s, acc);
  }
  const perSteps = [...sums].map(([s, a]) => ({ steps: s, mean: a.sum / a.votes, votes: a.votes })).sort((a, b) => a.steps - b.steps);
  const ref = perSteps.find((p) => p.steps === g.referenceSteps);
  if (!ref || perSteps.length < 2) return undefined;
  const ratedPick = perSteps.find((p) => p.mean >= ref.mean - RATING_TOLERANCE)!.steps;
  const figures = perSteps.map((p) => `${p.steps} steps ${p.mean.toFixed(1)}`).join(' · ');
  const votes = perSteps.reduce((a, p) => a + p.votes, 0);
  const agrees = ratedPick === g.recommendedSteps;
  const text = agrees
    ? `Blind ratings agree: ${ratedPick} steps (structure ${figures}; ${votes} votes).`
    : `Blind ratings disagree: reviewers rate ${ratedPick} steps within half a point of ${g.referenceSteps}, SSIM picks ${g.recommendedSteps} (structure ${figures}; ${votes} votes).`;
  return { perSteps, ratedPick, agrees, text };
}

export interface ConvergenceChartSeries {
  name: string;
  /** 'mean' (thick), 'seed' (thin) or 'time' (dashed, right axis). */
  kind: 'mean' | 'seed' | 'time';
  path: string;
  points: { x: number; y: number; steps: number; value: number; label: string }[];
  /** Colour slot shared by a group's mean and time lines. */
  slot: number;
}

export interface ConvergenceChart {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  series: ConvergenceChartSeries[];
  xTicks: { label: string; at: number }[];
  /** SSIM, left axis. */
  yTicks: { label: string; at: number }[];
  /** Time, right axis. */
  tTicks: { label: string; at: number }[];
  /** The threshold line's height. */
  thresholdY: number;
  /** The recommended points (one per group). */
  picks: { x: number; y: number; label: string }[];
}

const M = { left: 48, right: 60, top: 14, bottom: 38 };

/**
 * SSIM (left axis, from a round floor below the lowest score up to 1) and mean time (right axis,
 * from 0) against steps. Per-seed lines are drawn when there is one group, so the spread shows.
 */
export function convergenceChart(c: ConvergenceSummary, record: RunRecord, width = 560, height = 280): ConvergenceChart | undefined {
  const groups = c.groups.filter((g) => g.points.length >= 2);
  if (!groups.length) return undefined;
  const plot = { left: M.left, top: M.top, right: width - M.right, bottom: height - M.bottom };
  const steps = [...new Set(groups.flatMap((g) => g.points.map((p) => p.steps)))].sort((a, b) => a - b);
  const [x0, x1] = [steps[0], steps[steps.length - 1]];
  const pad = (x1 - x0) * 0.06 || 1;
  const x = (s: number) => plot.left + ((s - (x0 - pad)) / (x1 + pad - (x0 - pad))) * (plot.right - plot.left);
  const seedScores = record.cells.filter((cell) => cell.convergence && Number.isFinite(cell.convergence.ssim));
  const low = Math.min(
    c.threshold,
    ...groups.flatMap((g) => g.points.map((p) => p.ssim)),
    ...(groups.length === 1 ? seedScores.map((s) => s.convergence!.ssim) : []),
  );
  const floor = Math.max(0, Math.floor(low * 10) / 10 - (low * 10 === Math.floor(low * 10) ? 0.1 : 0));
  const y = (v: number) => plot.bottom - ((v - floor) / (1 - floor)) * (plot.bottom - plot.top);
  const times = groups.flatMap((g) => g.points.map((p) => p.timeMs ?? NaN)).filter(Number.isFinite);
  const tMaxRaw = times.length ? Math.max(...times) : 0;
  const tStep = niceStep(tMaxRaw);
  const tMax = Math.max(tStep, Math.ceil(tMaxRaw / tStep) * tStep);
  const t = (ms: number) => plot.bottom - (ms / tMax) * (plot.bottom - plot.top);
  const r = (v: number) => Math.round(v * 10) / 10;
  const pathOf = (pts: { x: number; y: number }[]) => pts.map((p, i) => `${i ? 'L' : 'M'}${r(p.x)},${r(p.y)}`).join(' ');

  const series: ConvergenceChartSeries[] = [];
  const picks: ConvergenceChart['picks'] = [];
  groups.forEach((g, slot) => {
    const name = g.group || 'mean';
    if (groups.length === 1) {
      const bySeed = new Map<number, { steps: number; ssim: number }[]>();
      for (const cell of seedScores)
        bySeed.set(cell.seed, [...(bySeed.get(cell.seed) ?? []), { steps: Number(cell.axes.steps), ssim: cell.convergence!.ssim }]);
      if (bySeed.size > 1) {
        for (const [seed, pts] of bySeed) {
          const points = pts
            .sort((a, b) => a.steps - b.steps)
            .map((p) => ({
              x: x(p.steps),
              y: y(p.ssim),
              steps: p.steps,
              value: p.ssim,
              label: `seed ${seed}, ${p.steps} steps: SSIM ${p.ssim.toFixed(3)}`,
            }));
          series.push({ name: `seed ${seed}`, kind: 'seed', path: pathOf(points), points, slot });
        }
      }
    }
    const mean = g.points.map((p) => ({
      x: x(p.steps),
      y: y(p.ssim),
      steps: p.steps,
      value: p.ssim,
      label: `${name}, ${p.steps} steps: mean SSIM ${p.ssim.toFixed(3)} (n = ${p.n}), ΔE ${p.deltaE.toFixed(2)}`,
    }));
    series.push({ name: groups.length === 1 ? 'mean SSIM' : `${name} SSIM`, kind: 'mean', path: pathOf(mean), points: mean, slot });
    const timed = g.points.filter((p) => p.timeMs !== undefined);
    if (timed.length) {
      const pts = timed.map((p) => ({
        x: x(p.steps),
        y: t(p.timeMs!),
        steps: p.steps,
        value: p.timeMs!,
        label: `${name}, ${p.steps} steps: ${formatMs(p.timeMs!)}`,
      }));
      series.push({ name: groups.length === 1 ? 'time' : `${name} time`, kind: 'time', path: pathOf(pts), points: pts, slot });
    }
    const pick = g.points.find((p) => p.steps === g.recommendedSteps);
    if (pick) picks.push({ x: x(pick.steps), y: y(pick.ssim), label: `${pick.steps}` });
  });
  const yTicks: ConvergenceChart['yTicks'] = [];
  const yStep = 1 - floor > 0.5 ? 0.2 : 1 - floor > 0.2 ? 0.1 : 0.05;
  for (let v = 1; v >= floor - 1e-9; v -= yStep) yTicks.push({ label: v.toFixed(2), at: y(v) });
  const tTicks: ConvergenceChart['tTicks'] = [];
  if (times.length) for (let v = 0; v <= tMax + tStep / 2; v += tStep) tTicks.push({ label: formatTick(v, tMax), at: t(v) });
  return {
    width,
    height,
    plot,
    series,
    xTicks: steps.map((s) => ({ label: String(s), at: x(s) })),
    yTicks,
    tTicks,
    thresholdY: y(c.threshold),
    picks,
  };
}
