// The quality-against-one-reference section: the decision table (the cheapest setting per scenario),
// a sentence per setting ("lightning-8 reaches 0.93 of base-50 at 9 % of the time"), and quality
// against cost for every variant.
import { costQualityChart, referenceOf, type CostQualityChart } from '../view/reference';
import { drawStepsAxes } from './chart';
import { h, svg } from './dom';
import { fitChart } from './fitChart';
import { renderDecisionTable } from './decision';
import { referenceSentence } from '../../src/shared/referenceText';
import type { RunRecord } from '../../src/shared/runRecord';
import type { ScenarioLayer } from '../../src/shared/scenarios';

/** Undefined unless the run was scored against one reference (variants, or `reference:`). */
export function renderReference(record: RunRecord | undefined, setting?: ScenarioLayer): HTMLElement | undefined {
  const r = referenceOf(record);
  const threshold = record?.convergence?.threshold;
  if (!r || typeof threshold !== 'number') return undefined;
  const section = h(
    'section',
    { class: 'convergence-section', 'aria-label': `Quality against ${r.label}`, 'data-testid': 'convergence' },
    h('h2', {}, `Quality against ${r.label}`),
  );
  const list = h('ul', { class: 'reference-sentences', 'data-testid': 'reference-sentences' });
  for (const p of r.points) if (p.column !== r.column) list.append(h('li', {}, referenceSentence(p, r.label)));
  const table = renderDecisionTable(record, setting);
  if (table) section.append(table);
  section.append(h('p', { class: 'muted detail' }, `Mean SSIM of each image to ${r.label} of the same seed.`), list);
  const chart = renderCostQuality(r, threshold);
  if (chart) section.append(chart);
  return section;
}

function renderCostQuality(r: NonNullable<ReturnType<typeof referenceOf>>, threshold: number): HTMLElement | undefined {
  const m = costQualityChart(r, threshold);
  if (!m) return undefined;
  const legend = h('ul', { class: 'legend' });
  for (const s of m.series) legend.append(h('li', { class: `s${s.slot % 6} mean` }, h('span', { class: 'swatch' }), s.name));
  legend.append(h('li', { class: 'pick' }, h('span', { class: 'swatch' }), 'recommended'));
  const fig = h('figure', { class: 'chart convergence-chart', 'data-testid': 'cost-quality-chart' });
  fig.append(
    fitChart(fig, 'cost-quality', m.width, (width) => drawCostQuality(costQualityChart(r, threshold, width)!, r, threshold)),
    legend,
    h(
      'figcaption',
      { class: 'muted' },
      `Each setting's mean SSIM to ${r.label} (1 = same structure) against its ${m.xKind === 'time' ? 'mean execution time' : 'step count (not every setting was timed)'}.`,
    ),
  );
  return fig;
}

function drawCostQuality(m: CostQualityChart, r: NonNullable<ReturnType<typeof referenceOf>>, threshold: number): SVGSVGElement {
  const { plot } = m;
  const root = svg('svg', {
    viewBox: `0 0 ${m.width} ${m.height}`,
    role: 'img',
    'aria-label': `Mean SSIM to ${r.label} against ${m.xKind === 'time' ? 'execution time' : 'steps'}, every setting`,
  });
  drawStepsAxes(root, m, m.xKind === 'time' ? 'time' : 'steps');
  root.append(
    svg('line', { class: 'threshold', x1: plot.left, x2: plot.right, y1: m.thresholdY, y2: m.thresholdY }),
    svg('text', { class: 'threshold-label', x: plot.left + 4, y: m.thresholdY - 4 }, `threshold ${threshold}`),
  );
  for (const s of m.series) {
    const g = svg('g', { class: `series s${s.slot % 6} mean` });
    g.append(svg('path', { class: 'line', d: s.path }));
    for (const p of s.points) {
      g.append(
        svg('circle', { class: `dot${p.reference ? ' reference' : ''}`, cx: p.x, cy: p.y, r: 4 }, svg('title', {}, p.title)),
        // A label near the right edge goes to the left of its point, inside the chart.
        p.x > plot.right - 80
          ? svg('text', { class: 'point-label', x: p.x - 6, y: p.y - 6, 'text-anchor': 'end' }, p.label)
          : svg('text', { class: 'point-label', x: p.x + 6, y: p.y - 6 }, p.label),
      );
      if (p.recommended) root.append(svg('circle', { class: 'pick', cx: p.x, cy: p.y, r: 8 }, svg('title', {}, `Recommended: ${p.label}`)));
    }
    root.append(g);
  }
  return root;
}
