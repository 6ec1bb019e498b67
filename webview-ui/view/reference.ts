// Quality against one reference, as the panel draws it: every setting (of every variant) as a point
// of mean SSIM to the reference against its cost, a variant's settings joined by a line. Pure.
import { niceStep } from './chart';
import { formatMs, formatTick } from '../../src/shared/format';
import type { ReferencePoint, ReferenceSummary, RunRecord } from '../../src/shared/runRecord';

/** The record's reference summary when it has the shape the panel draws (records come from disk). */
export function referenceOf(record: RunRecord | undefined): ReferenceSummary | undefined {
  const r = record?.convergence?.reference;
  const ok =
    !!r &&
    typeof r.label === 'string' &&
    Array.isArray(r.points) &&
    r.points.length > 1 &&
    r.points.every((p) => typeof p.label === 'string' && Number.isFinite(p.ssim));
  return ok ? r : undefined;
}

export interface CostQualityPoint {
  x: number;
  y: number;
  label: string;
  /** What the dot's tooltip says: the setting, its score and its cost. */
  title: string;
  reference: boolean;
  recommended: boolean;
}

export interface CostQualityChart {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  /** 'time' when every setting was timed; else the settings stand at their step counts. */
  xKind: 'time' | 'steps';
  xTicks: { label: string; at: number }[];
  yTicks: { label: string; at: number }[];
  thresholdY: number;
  /** One line per variant (or one for a run without variants), cheapest first. */
  series: { name: string; slot: number; path: string; points: CostQualityPoint[] }[];
}

const M = { left: 48, right: 16, top: 14, bottom: 38 };

/** Undefined with fewer than two settings. */
export function costQualityChart(r: ReferenceSummary, threshold: number, width = 560, height = 280): CostQualityChart | undefined {
  if (r.points.length < 2) return undefined;
  const plot = { left: M.left, top: M.top, right: width - M.right, bottom: height - M.bottom };
  const xKind = r.points.every((p) => p.timeMs !== undefined) ? 'time' : 'steps';
  const cost = (p: ReferencePoint) => (xKind === 'time' ? p.timeMs! : p.steps);
  const raw = Math.max(...r.points.map(cost));
  const step = niceStep(raw);
  const xMax = Math.max(step, Math.ceil(raw / step) * step);
  const x = (v: number) => plot.left + (v / xMax) * (plot.right - plot.left);
  const low = Math.min(threshold, ...r.points.map((p) => p.ssim));
  const floor = Math.max(0, Math.floor(low * 10) / 10 - (low * 10 === Math.floor(low * 10) ? 0.1 : 0));
  const y = (v: number) => plot.bottom - ((v - floor) / (1 - floor)) * (plot.bottom - plot.top);
  const rd = (v: number) => Math.round(v * 10) / 10;

  const groups = new Map<string, ReferencePoint[]>();
  for (const p of r.points) {
    const name = p.variant ?? '';
    groups.set(name, [...(groups.get(name) ?? []), p]);
  }
  const series = [...groups].map(([name, pts], slot) => {
    const points = [...pts]
      .sort((a, b) => cost(a) - cost(b))
      .map((p) => ({
        x: x(cost(p)),
        y: y(p.ssim),
        label: p.label,
        title: `${p.label}: mean SSIM ${p.ssim.toFixed(3)} to ${r.label} (n = ${p.n}), ΔE ${p.deltaE.toFixed(2)}, ${xKind === 'time' ? formatMs(p.timeMs) : `${p.steps} steps`}`,
        reference: p.column === r.column,
        recommended: p.column === r.recommended,
      }));
    const path = points.map((p, i) => `${i ? 'L' : 'M'}${rd(p.x)},${rd(p.y)}`).join(' ');
    return { name: name || 'settings', slot, path, points };
  });
  const xTicks: CostQualityChart['xTicks'] = [];
  for (let v = 0; v <= xMax + step / 2; v += step) xTicks.push({ label: xKind === 'time' ? formatTick(v, xMax) : String(v), at: x(v) });
  const yTicks: CostQualityChart['yTicks'] = [];
  const yStep = 1 - floor > 0.5 ? 0.2 : 1 - floor > 0.2 ? 0.1 : 0.05;
  for (let v = 1; v >= floor - 1e-9; v -= yStep) yTicks.push({ label: v.toFixed(2), at: y(v) });
  return { width, height, plot, xKind, xTicks, yTicks, thresholdY: y(threshold), series };
}
