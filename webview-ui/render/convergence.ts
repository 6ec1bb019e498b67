// The convergence section: the decision table (the cheapest setting per scenario), the SSIM figures
// behind it, SSIM and time against steps on one chart, and the blind ratings beside them.
import { convergenceChart, convergenceOf, ratingsVerdict, ssimDetail, type ConvergenceChart } from '../view/convergence';
import { renderDecisionTable } from './decision';
import { drawStepsAxes } from './chart';
import { h, svg } from './dom';
import { fitChart } from './fitChart';
import { renderReference } from './reference';
import type { RunRecord } from '../../src/shared/runRecord';
import type { ScenarioLayer } from '../../src/shared/scenarios';

/** Undefined when the run has no convergence scores (one step count, or not finished yet). */
export function renderConvergence(record: RunRecord | undefined, setting?: ScenarioLayer): HTMLElement | undefined {
  const c = convergenceOf(record);
  if (!c || !record) return undefined;
  // Scored against one reference (variants): every setting on one scale instead of per group.
  if (c.reference) return renderReference(record, setting);
  const section = h(
    'section',
    { class: 'convergence-section', 'aria-label': 'Convergence', 'data-testid': 'convergence' },
    h('h2', {}, 'Convergence'),
  );
  const details = c.groups.flatMap((g) => {
    const detail = ssimDetail(g);
    if (!detail) return [];
    const verdict = ratingsVerdict(record, g);
    return [
      h('p', { class: 'muted detail' }, detail),
      verdict
        ? h('p', { class: `ratings ${verdict.agrees ? 'agree' : 'disagree'}`, 'data-testid': 'ratings-verdict' }, verdict.text)
        : undefined,
    ];
  });
  if (!details.length) return undefined;
  const table = renderDecisionTable(record, setting);
  if (table) section.append(table);
  section.append(h('div', { class: 'convergence-details', 'data-testid': 'ssim-detail' }, ...details));
  const chart = renderConvergenceChart(record);
  if (chart) section.append(chart);
  return section;
}

function renderConvergenceChart(record: RunRecord): HTMLElement | undefined {
  const c = convergenceOf(record)!;
  const m = convergenceChart(c, record);
  if (!m) return undefined;
  const fig = h('figure', { class: 'chart convergence-chart', 'data-testid': 'convergence-chart' });
  fig.append(fitChart(fig, 'convergence', m.width, (width) => drawConvergence(convergenceChart(c, record, width)!, c.threshold)));
  const legend = h('ul', { class: 'legend' });
  const named = m.series.filter((s) => s.kind !== 'seed');
  named.forEach((s) => legend.append(h('li', { class: `s${s.slot % 6} ${s.kind}` }, h('span', { class: 'swatch' }), s.name)));
  if (m.series.some((s) => s.kind === 'seed')) legend.append(h('li', { class: 'seed' }, h('span', { class: 'swatch' }), 'each seed'));
  legend.append(h('li', { class: 'pick' }, h('span', { class: 'swatch' }), 'recommended'));
  fig.append(
    legend,
    h(
      'figcaption',
      { class: 'muted' },
      'SSIM of each image to the same seed at the top step count (left, 1 = same structure) and mean execution time (right, dashed) against steps.',
    ),
  );
  return fig;
}

function drawConvergence(m: ConvergenceChart, threshold: number): SVGSVGElement {
  const { plot } = m;
  const root = svg('svg', {
    viewBox: `0 0 ${m.width} ${m.height}`,
    role: 'img',
    'aria-label': 'Mean SSIM to the top step count and execution time against sampling steps',
  });
  drawStepsAxes(root, m);
  for (const t of m.tTicks) {
    root.append(svg('text', { class: 'tick time-tick', x: plot.right + 6, y: t.at, 'dominant-baseline': 'middle' }, t.label));
  }
  root.append(
    svg('line', { class: 'threshold', x1: plot.left, x2: plot.right, y1: m.thresholdY, y2: m.thresholdY }),
    svg('text', { class: 'threshold-label', x: plot.left + 4, y: m.thresholdY - 4 }, `threshold ${threshold}`),
    svg(
      'text',
      {
        class: 'axis-title',
        x: 12,
        y: plot.top + (plot.bottom - plot.top) / 2,
        'text-anchor': 'middle',
        transform: `rotate(-90 12 ${plot.top + (plot.bottom - plot.top) / 2})`,
      },
      'SSIM',
    ),
    svg(
      'text',
      {
        class: 'axis-title',
        x: m.width - 6,
        y: plot.top + (plot.bottom - plot.top) / 2,
        'text-anchor': 'middle',
        transform: `rotate(90 ${m.width - 6} ${plot.top + (plot.bottom - plot.top) / 2})`,
      },
      'time',
    ),
  );
  for (const s of m.series) {
    const g = svg('g', { class: `series s${s.slot % 6} ${s.kind}` });
    g.append(svg('path', { class: 'line', d: s.path }));
    if (s.kind !== 'seed')
      for (const p of s.points)
        g.append(svg('circle', { class: 'dot', cx: p.x, cy: p.y, r: s.kind === 'mean' ? 4 : 3 }, svg('title', {}, p.label)));
    root.append(g);
  }
  for (const p of m.picks) {
    root.append(svg('circle', { class: 'pick', cx: p.x, cy: p.y, r: 8 }, svg('title', {}, `Recommended: ${p.label} steps`)));
  }
  return root;
}
