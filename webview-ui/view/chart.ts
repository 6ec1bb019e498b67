import { formatTick } from '../../src/shared/format';
import type { ColumnStats, Stats } from '../../src/shared/runRecord';
// Geometry of the time-vs-steps chart: pure numbers and SVG path strings, drawn by render/chart.ts.

export interface ChartPoint {
  steps: number;
  mean: number;
  sd: number;
  n: number;
  column: string;
  x: number;
  y: number;
  /** Error bar ends (mean ± σ), in pixels. */
  yLow: number;
  yHigh: number;
}

export interface ChartSeries {
  /** The other swept axes, e.g. 'cfg 6.5 · euler_ancestral'; '' when steps is the only axis. */
  name: string;
  points: ChartPoint[];
  /** SVG path through the points in step order. */
  path: string;
}

export interface ChartTick {
  value: number;
  label: string;
  /** Pixel position along its axis. */
  at: number;
}

export interface ChartModel {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  series: ChartSeries[];
  xTicks: ChartTick[];
  yTicks: ChartTick[];
}

export interface ChartSize {
  width: number;
  height: number;
}

const MARGIN = { left: 56, right: 16, top: 12, bottom: 36 };

/** 1, 2 or 5 times a power of ten, so that about `count` ticks span [0, max]. */
export function niceStep(max: number, count = 4): number {
  if (!(max > 0)) return 1;
  const raw = max / count;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const f = raw / pow;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * pow;
}

/** Warm runs are the honest figure; a column measured only cold still gets a point. */
function timeStats(s: ColumnStats): Stats | undefined {
  return s.warm ?? s.all ?? s.cold;
}

function seriesName(s: ColumnStats): string {
  return s.column
    .split(' · ')
    .filter((p) => p !== `${s.axes.steps} steps`)
    .join(' · ');
}

/** Undefined when nothing is measured yet or no column has a numeric step count. */
export function chartModel(stats: ColumnStats[], size: ChartSize): ChartModel | undefined {
  const measured = stats.flatMap((s) => {
    const t = timeStats(s);
    const steps = Number(s.axes.steps);
    return t && Number.isFinite(steps) ? [{ s, t, steps }] : [];
  });
  if (!measured.length) return undefined;
  const plot = {
    left: MARGIN.left,
    top: MARGIN.top,
    right: size.width - MARGIN.right,
    bottom: size.height - MARGIN.bottom,
  };
  const stepValues = [...new Set(measured.map((m) => m.steps))].sort((a, b) => a - b);
  let [xMin, xMax] = [stepValues[0], stepValues[stepValues.length - 1]];
  if (xMin === xMax) [xMin, xMax] = [xMin - 1, xMax + 1];
  // Pad the x range so the first and last points are not on the frame.
  const pad = (xMax - xMin) * 0.06;
  const xScale = (v: number) => plot.left + ((v - (xMin - pad)) / (xMax + pad - (xMin - pad))) * (plot.right - plot.left);
  const yTop = Math.max(...measured.map((m) => m.t.mean + m.t.sd));
  const yStep = niceStep(yTop);
  const yMax = Math.max(yStep, Math.ceil(yTop / yStep) * yStep);
  const yScale = (v: number) => plot.bottom - (v / yMax) * (plot.bottom - plot.top);

  const bySeries = new Map<string, ChartPoint[]>();
  for (const { s, t, steps } of measured) {
    const name = seriesName(s);
    const pts = bySeries.get(name) ?? [];
    pts.push({
      steps,
      mean: t.mean,
      sd: t.sd,
      n: t.n,
      column: s.column,
      x: xScale(steps),
      y: yScale(t.mean),
      yLow: yScale(Math.max(0, t.mean - t.sd)),
      yHigh: yScale(t.mean + t.sd),
    });
    bySeries.set(name, pts);
  }
  const round = (v: number) => Math.round(v * 10) / 10;
  const series = [...bySeries].map(([name, points]) => {
    points.sort((a, b) => a.steps - b.steps);
    const path = points.map((p, i) => `${i ? 'L' : 'M'}${round(p.x)},${round(p.y)}`).join(' ');
    return { name, points, path };
  });
  const xTicks = stepValues.map((v) => ({ value: v, label: String(v), at: xScale(v) }));
  const yTicks: ChartTick[] = [];
  for (let v = 0; v <= yMax + yStep / 2; v += yStep) yTicks.push({ value: v, label: formatTick(v, yMax), at: yScale(v) });
  return { width: size.width, height: size.height, plot, series, xTicks, yTicks };
}
