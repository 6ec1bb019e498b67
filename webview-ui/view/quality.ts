// Geometry of the cost–quality view: time on x, mean score on y, the front joined by a line.
import { niceStep } from './chart';
import { formatTick } from '../../src/shared/format';
import type { SettingQuality } from '../../src/shared/quality';

export interface QualityPoint {
  column: string;
  x: number;
  y: number;
  timeMs: number;
  score: number;
  onFront: boolean;
  /** Where the point's label goes: nudged down until it overlaps no other label. */
  labelX: number;
  labelY: number;
  /** 'end' when the label sits left of its point (near the right edge). */
  anchor: 'start' | 'end';
}

export interface QualityChart {
  width: number;
  height: number;
  plot: { left: number; top: number; right: number; bottom: number };
  points: QualityPoint[];
  /** Through the front's points, cheapest first. */
  frontPath: string;
  xTicks: { label: string; at: number }[];
  yTicks: { label: string; at: number }[];
}

const M = { left: 44, right: 20, top: 14, bottom: 38 };

/** Undefined until some setting has both a time and a score. */
export function qualityChart(settings: readonly SettingQuality[], width = 520, height = 260): QualityChart | undefined {
  const rated = settings.filter((s) => s.overall !== undefined && s.timeMs !== undefined);
  if (!rated.length) return undefined;
  const plot = { left: M.left, top: M.top, right: width - M.right, bottom: height - M.bottom };
  const maxT = Math.max(...rated.map((s) => s.timeMs!));
  const step = niceStep(maxT);
  const xMax = Math.max(step, Math.ceil((maxT * 1.08) / step) * step);
  const x = (ms: number) => plot.left + (ms / xMax) * (plot.right - plot.left);
  const y = (score: number) => plot.bottom - ((score - 1) / 4) * (plot.bottom - plot.top);
  const points = placeLabels(
    rated.map((s) => ({
      column: s.column,
      timeMs: s.timeMs!,
      score: s.overall!,
      onFront: s.onFront,
      x: x(s.timeMs!),
      y: y(s.overall!),
      labelX: 0,
      labelY: 0,
      anchor: 'start' as const,
    })),
    width,
  );
  const front = points.filter((p) => p.onFront).sort((a, b) => a.timeMs - b.timeMs);
  const r = (v: number) => Math.round(v * 10) / 10;
  const xTicks: QualityChart['xTicks'] = [];
  for (let v = 0; v <= xMax + step / 2; v += step) xTicks.push({ label: formatTick(v, xMax), at: x(v) });
  const yTicks = [1, 2, 3, 4, 5].map((v) => ({ label: String(v), at: y(v) }));
  return {
    width,
    height,
    plot,
    points,
    frontPath: front.map((p, i) => `${i ? 'L' : 'M'}${r(p.x)},${r(p.y)}`).join(' '),
    xTicks,
    yTicks,
  };
}

const LABEL_H = 13;
/** Rough width of a label in the chart's 11px bold font. */
const labelWidth = (p: QualityPoint) => (p.column.length + (p.onFront ? 2 : 0)) * 6.6;

/** Labels right of their point, moved down a line at a time while they would cover another. */
export function placeLabels(points: QualityPoint[], width: number): QualityPoint[] {
  const placed: { x: number; y: number; w: number }[] = [];
  for (const p of [...points].sort((a, b) => a.y - b.y || a.x - b.x)) {
    const w = labelWidth(p);
    // A label that would run off the right edge goes left of its point instead.
    p.anchor = p.x + 9 + w > width ? 'end' : 'start';
    p.labelX = p.anchor === 'end' ? p.x - 9 : p.x + 9;
    p.labelY = p.y - 7;
    const left = p.anchor === 'end' ? p.labelX - w : p.labelX;
    const hits = () => placed.some((q) => Math.abs(q.y - p.labelY) < LABEL_H && left < q.x + q.w && q.x < left + w);
    for (let n = 0; hits() && n < 20; n++) p.labelY += LABEL_H;
    placed.push({ x: left, y: p.labelY, w });
  }
  return points;
}
