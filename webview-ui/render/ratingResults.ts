// What a rating round found: per-setting mean scores beside the timings, and the cost–quality view.
import { qualityChart, type QualityChart } from '../view/quality';
import { renderAdherence } from './adherence';
import { renderAgreement } from './agreement';
import { h, svg } from './dom';
import { fitChart } from './fitChart';
import { CRITERIA, CRITERION_TEXT, type Criterion } from '../../src/shared/criteria';
import { formatMeanSd, formatMs } from '../../src/shared/format';
import type { QualitySummary } from '../../src/shared/quality';
import type { ColumnStats } from '../../src/shared/runRecord';

const score = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(2));

/** One row per setting: time, then each criterion's mean, then the overall score; best choices marked. */
export function renderQualityTable(q: QualitySummary, stats: readonly ColumnStats[]): HTMLElement {
  const table = h('table', { class: 'summary quality', 'data-testid': 'quality-table' });
  table.append(
    h(
      'caption',
      {},
      `Mean of ${q.votes} vote${q.votes === 1 ? '' : 's'} in ${q.rounds} round${q.rounds === 1 ? '' : 's'}${q.raters.length > 1 ? ` by ${q.raters.length} raters` : ''}, 1–5, ± the 95 % interval. ★ no faster setting scored as well.`,
    ),
  );
  const head = h('tr', {}, h('th', { scope: 'col' }, 'Setting'), h('th', { scope: 'col', class: 'num' }, 'Time'));
  for (const k of CRITERIA) head.append(h('th', { scope: 'col', class: 'num', title: CRITERION_TEXT[k].hint }, CRITERION_TEXT[k].label));
  head.append(h('th', { scope: 'col', class: 'num' }, 'Overall'), h('th', { scope: 'col', class: 'num' }, 'Votes'));
  table.append(h('thead', {}, head));
  const body = h('tbody');
  const best = Math.max(...q.settings.map((s) => s.overall ?? -1));
  for (const s of q.settings) {
    const st = stats.find((x) => x.column === s.column);
    const row = h(
      'tr',
      { 'data-front': String(s.onFront) },
      h('th', { scope: 'row' }, s.column, s.onFront ? h('span', { class: 'star', title: 'On the cost–quality front' }, ' ★') : undefined),
    );
    row.append(h('td', { class: 'num' }, formatMeanSd(st?.warm ?? st?.all)));
    for (const k of CRITERIA) row.append(scoreCell(s.means[k as Criterion], s.intervals?.[k as Criterion]));
    row.append(
      h('td', { class: `num overall${s.overall === best ? ' best' : ''}` }, score(s.overall)),
      h('td', { class: 'num' }, String(s.votes)),
    );
    body.append(row);
  }
  table.append(body);
  return table;
}

/** A score with a small bar, so the table reads like the study's chart. */
function scoreCell(v: number | undefined, half: number | undefined): HTMLElement {
  const td = h(
    'td',
    { class: 'num score', ...(half !== undefined ? { title: `95 % interval ${(v! - half).toFixed(2)}–${(v! + half).toFixed(2)}` } : {}) },
    score(v),
    half !== undefined ? h('span', { class: 'muted ci' }, ` ±${half.toFixed(2)}`) : undefined,
  );
  if (v !== undefined) {
    const bar = h('span', { class: 'score-bar', 'aria-hidden': 'true' }, h('span', { class: 'score-fill' }));
    (bar.firstElementChild as HTMLElement).style.width = `${((v - 1) / 4) * 100}%`;
    td.prepend(bar);
  }
  return td;
}

/** Time against overall score; the front (the settings worth choosing) joined and marked. */
export function renderQualityChart(q: QualitySummary): HTMLElement | undefined {
  const m = qualityChart(q.settings);
  if (!m) return undefined;
  const fig = h('figure', { class: 'chart quality-chart', 'data-testid': 'quality-chart' });
  fig.append(
    fitChart(fig, 'quality', m.width, (width) => drawQuality(qualityChart(q.settings, width)!)),
    h(
      'figcaption',
      { class: 'muted' },
      'Cost against quality. ★ joined: no faster setting scored as well; anything below the line costs more for less.',
    ),
  );
  return fig;
}

function drawQuality(m: QualityChart): SVGSVGElement {
  const root = svg('svg', { viewBox: `0 0 ${m.width} ${m.height}`, role: 'img', 'aria-label': 'Mean score against mean time per setting' });
  for (const t of m.yTicks) {
    root.append(
      svg('line', { class: 'grid-line', x1: m.plot.left, x2: m.plot.right, y1: t.at, y2: t.at }),
      svg('text', { class: 'tick', x: m.plot.left - 8, y: t.at + 4, 'text-anchor': 'end' }, t.label),
    );
  }
  for (const t of m.xTicks) root.append(svg('text', { class: 'tick', x: t.at, y: m.plot.bottom + 16, 'text-anchor': 'middle' }, t.label));
  root.append(
    svg('line', { class: 'axis', x1: m.plot.left, x2: m.plot.right, y1: m.plot.bottom, y2: m.plot.bottom }),
    svg(
      'text',
      { class: 'axis-title', x: (m.plot.left + m.plot.right) / 2, y: m.height - 4, 'text-anchor': 'middle' },
      'mean time per image',
    ),
    svg(
      'text',
      { class: 'axis-title', x: 12, y: m.plot.top + 4, transform: `rotate(-90 12 ${m.plot.top + 4})`, 'text-anchor': 'end' },
      'score',
    ),
  );
  if (m.frontPath) root.append(svg('path', { class: 'front', d: m.frontPath }));
  for (const p of m.points) {
    const g = svg('g', { class: p.onFront ? 'pt front-pt' : 'pt' });
    g.append(
      svg('title', {}, `${p.column}: ${formatMs(p.timeMs)}, score ${p.score.toFixed(2)}${p.onFront ? ' (best choice for its time)' : ''}`),
      svg('circle', { cx: p.x, cy: p.y, r: p.onFront ? 6 : 4.5 }),
      svg('text', { class: 'value', x: p.labelX, y: p.labelY, 'text-anchor': p.anchor }, `${p.column}${p.onFront ? ' ★' : ''}`),
    );
    root.append(g);
  }
  return root;
}

/** Table and chart side by side, as the summary above them. */
export function renderQuality(q: QualitySummary, stats: readonly ColumnStats[]): HTMLElement {
  return h(
    'div',
    { class: 'quality-body' },
    h('div', { class: 'summary-body' }, h('div', { class: 'table-wrap' }, renderQualityTable(q, stats)), renderQualityChart(q)),
    renderAgreement(q),
    renderAdherence(q),
  );
}
