// The summary table: one row per column of the grid.
import { h } from './dom';
import { costNotes, formatCost, formatMeanSd, formatRate, formatVram, VRAM_FIGURES } from '../../src/shared/format';
import type { CellRecord, ColumnStats } from '../../src/shared/runRecord';
import { incompleteTimingsNote } from '../view/cellFate';

export function renderSummary(stats: ColumnStats[], cells: CellRecord[] = []): HTMLElement {
  // Each VRAM column says in its tooltip what it counts: the two differ by PyTorch's unused reserved pool and the CUDA context.
  const reusing = stats.some((s) => s.measured);
  const decoding = stats.some((s) => s.decodeMs);
  const head: [string, string?][] = [
    ['Setting'],
    ['n'],
    reusing
      ? [
          'Fresh cost (warm) mean ± σ',
          'what the setting costs from scratch: its job’s time plus the nodes ComfyUI reused from its cache, each at its time in the job that ran it',
        ]
      : ['Time (warm) mean ± σ'],
    ...(reusing
      ? [
          [
            'Ran itself',
            'the job’s own execution time (what ComfyUI did not take from its cache): of the warm runs, or of every run where all were cold',
          ] as [string, string],
        ]
      : []),
    // With reuse, a setting whose every run loaded a model (each decoder loads its VAE) has its fresh cost only here.
    reusing ? ['Cold runs (fresh cost)', 'fresh cost of the runs that loaded a model'] : ['Cold runs'],
    ['it/s', 'steps per second over every sampler of the graph'],
    ...(decoding ? [['Decode', 'VAE decode time, from the per-node times'] as [string, string]] : []),
    ...VRAM_FIGURES.map((f): [string, string] => [f.label, f.what]),
    ['Relative cost'],
  ];
  const table = h(
    'table',
    { class: 'summary', 'data-testid': 'summary' },
    h(
      'caption',
      {},
      `Per setting: execution time from ComfyUI’s own timestamps${reusing ? ', plus the nodes it reused from its cache (fresh cost)' : ''}. Images served wholly from cache are left out. VRAM in GiB/MiB (1 GiB = 1024³ bytes).`,
    ),
    h('thead', {}, h('tr', {}, ...head.map(([t, title]) => h('th', { scope: 'col', ...(title ? { title } : {}) }, t)))),
  );
  const body = h('tbody');
  for (const s of stats) {
    const n = (s.warm?.n ?? 0) + (s.cold?.n ?? 0);
    const notes = costNotes(s).join(', ');
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
        ...(reusing
          ? [
              h(
                'td',
                { class: 'num', 'data-testid': 'measured' },
                formatMeanSd(s.measured ?? s.warm),
                // Measured over the cold runs then: compare it with the cold column, not the warm one.
                s.measured && !s.warm ? h('span', { class: 'muted' }, ' (cold)') : undefined,
              ),
            ]
          : []),
        h('td', { class: 'num' }, formatMeanSd(s.cold)),
        h('td', { class: 'num' }, formatRate(s.itPerSec?.mean)),
        ...(decoding ? [h('td', { class: 'num' }, formatMeanSd(s.decodeMs))] : []),
        ...VRAM_FIGURES.map((f) => h('td', { class: 'num' }, formatVram(s[f.key]))),
        // The flex row inside the cell: a td that is itself a flex box is no table cell (its border shifts).
        h('td', { class: 'num' }, h('span', { class: 'cost' }, formatCost(s.relativeCost), costBar(s.relativeCost, stats))),
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
