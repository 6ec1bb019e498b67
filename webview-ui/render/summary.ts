// The summary table: one row per column of the grid.
import { h } from './dom';
import { formatBytes, formatCost, formatMeanSd, formatRate } from '../../src/shared/format';
import type { ColumnStats } from '../../src/shared/runRecord';

export function renderSummary(stats: ColumnStats[]): HTMLElement {
  const head = ['Setting', 'n', 'Time (warm) mean ± σ', 'Cold runs', 'it/s', 'Peak VRAM', 'Relative cost'];
  const table = h(
    'table',
    { class: 'summary', 'data-testid': 'summary' },
    h('caption', {}, 'Per setting: execution time from ComfyUI’s own timestamps. Cached images are left out.'),
    h('thead', {}, h('tr', {}, ...head.map((t) => h('th', { scope: 'col' }, t)))),
  );
  const body = h('tbody');
  for (const s of stats) {
    const n = (s.warm?.n ?? 0) + (s.cold?.n ?? 0);
    const notes = [s.cachedCount ? `${s.cachedCount} cached` : '', s.failedCount ? `${s.failedCount} failed` : '']
      .filter(Boolean)
      .join(', ');
    body.append(
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, s.column),
        h('td', { class: 'num' }, String(n), notes ? h('span', { class: 'muted' }, ` (+${notes})`) : undefined),
        h('td', { class: 'num' }, formatMeanSd(s.warm)),
        h('td', { class: 'num' }, formatMeanSd(s.cold)),
        h('td', { class: 'num' }, formatRate(s.itPerSec?.mean)),
        h('td', { class: 'num' }, formatBytes(s.peakVramBytes)),
        h('td', { class: 'num cost' }, formatCost(s.relativeCost), costBar(s.relativeCost, stats)),
      ),
    );
  }
  table.append(body);
  return table;
}

/** A small bar so the growth of cost with steps reads without doing the maths. */
function costBar(rel: number | undefined, all: ColumnStats[]): HTMLElement | undefined {
  const max = Math.max(...all.map((s) => s.relativeCost ?? 0));
  if (rel === undefined || !(max > 0)) return undefined;
  const bar = h('span', { class: 'cost-bar', 'aria-hidden': 'true' });
  bar.append(h('span', { class: 'cost-fill' }));
  (bar.firstElementChild as HTMLElement).style.width = `${Math.round((rel / max) * 100)}%`;
  return bar;
}
