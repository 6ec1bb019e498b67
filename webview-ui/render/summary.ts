// The summary table: one row per column of the grid.
import { h } from './dom';
import { formatCost, formatMeanSd, formatRate, formatVram, VRAM_FIGURES } from '../../src/shared/format';
import type { CellRecord, ColumnStats } from '../../src/shared/runRecord';
import { incompleteTimingsNote } from '../view/cellFate';

export function renderSummary(stats: ColumnStats[], cells: CellRecord[] = []): HTMLElement {
  // Each VRAM column says in its tooltip what it counts: the two differ by PyTorch's unused reserved pool and the CUDA context.
  const head: [string, string?][] = [
    ['Setting'],
    ['n'],
    ['Time (warm) mean ± σ'],
    ['Cold runs'],
    ['it/s'],
    ...VRAM_FIGURES.map((f): [string, string] => [f.label, f.what]),
    ['Relative cost'],
  ];
  const table = h(
    'table',
    { class: 'summary', 'data-testid': 'summary' },
    h(
      'caption',
      {},
      'Per setting: execution time from ComfyUI’s own timestamps. Cached images are left out. VRAM in GiB/MiB (1 GiB = 1024³ bytes).',
    ),
    h('thead', {}, h('tr', {}, ...head.map(([t, title]) => h('th', { scope: 'col', ...(title ? { title } : {}) }, t)))),
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
        h(
          'td',
          { class: 'num' },
          String(n),
          notes ? h('span', { class: 'muted' }, ` (+${notes})`) : undefined,
          incompleteMark(incompleteTimingsNote(cells, s.column)),
        ),
        h('td', { class: 'num' }, formatMeanSd(s.warm)),
        h('td', { class: 'num' }, formatMeanSd(s.cold)),
        h('td', { class: 'num' }, formatRate(s.itPerSec?.mean)),
        ...VRAM_FIGURES.map((f) => h('td', { class: 'num' }, formatVram(s[f.key]))),
        h('td', { class: 'num cost' }, formatCost(s.relativeCost), costBar(s.relativeCost, stats)),
      ),
    );
  }
  table.append(body);
  return table;
}

/** '*' after n when some of the column's images have timings the live messages could not give. */
function incompleteMark(note: string | undefined): HTMLElement | undefined {
  return note ? h('span', { class: 'muted', 'data-testid': 'summary-partial', title: note }, '*') : undefined;
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
