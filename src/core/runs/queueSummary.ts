// What a lens will queue, in words for its tooltip: "Queues 9 images: steps 20/40/60 × 3 seeds".
import type { Spec } from '../spec/types';
import { planCells, type PlanOptions } from './plan';

const MAX_LISTED = 4;

/** How many images a run of `spec` with `opts` makes, and the axes they cross, as one sentence. */
export function queueSummary(spec: Spec, opts: PlanOptions = {}): string {
  const cells = planCells(spec, opts);
  const n = cells.length;
  const images = n === 1 ? '1 image' : `${n} images`;
  if (n === 0) return 'Queues no images.';
  // Each axis with the values it takes, in the order the run meets them.
  const axes = new Map<string, string[]>();
  for (const c of cells) {
    for (const [k, v] of Object.entries(c.axes)) {
      const values = axes.get(k) ?? [];
      if (!values.includes(String(v))) values.push(String(v));
      axes.set(k, values);
    }
  }
  const seeds = new Set(cells.map((c) => c.repeat)).size;
  const varying = [...axes].filter(([, values]) => values.length > 1 || axes.size === 1);
  const product = varying.reduce((p, [, values]) => p * values.length, 1) * seeds;
  const seedText = seeds === 1 ? '1 seed' : `${seeds} seeds`;
  if (product !== n) {
    // Variants with steps or sweeps of their own: the grid is no plain product.
    const settings = new Set(cells.map((c) => c.column)).size;
    return `Queues ${images}: ${settings} settings × ${seedText}.`;
  }
  const parts = varying.map(([name, values]) => {
    const label = name === 'variant' ? 'variants' : name;
    return values.length > MAX_LISTED ? `${values.length} ${label} values` : `${label} ${values.join('/')}`;
  });
  return `Queues ${images}: ${[...parts, seedText].join(' × ')}.`;
}
