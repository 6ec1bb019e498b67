// The time-vs-steps chart as inline SVG (no chart library: the CSP allows no remote code anyway).
import { chartModel } from '../view/chart';
import { h, svg } from './dom';
import { fitChart } from './fitChart';
import { formatMs } from '../../src/shared/format';
import type { ColumnStats } from '../../src/shared/runRecord';

const WIDTH = 560;
const HEIGHT = 260;

interface Ticks {
  label: string;
  at: number;
}

/** The frame both step charts share: value grid lines and labels on the left, steps along the bottom. */
export function drawStepsAxes(
  root: SVGElement,
  m: { height: number; plot: { left: number; right: number; bottom: number }; xTicks: Ticks[]; yTicks: Ticks[] },
  xTitle = 'steps',
): void {
  const { plot } = m;
  for (const t of m.yTicks) {
    root.append(
      svg('line', { class: 'grid-line', x1: plot.left, x2: plot.right, y1: t.at, y2: t.at }),
      svg('text', { class: 'tick', x: plot.left - 6, y: t.at, 'text-anchor': 'end', 'dominant-baseline': 'middle' }, t.label),
    );
  }
  for (const t of m.xTicks) {
    root.append(
      svg('line', { class: 'axis', x1: t.at, x2: t.at, y1: plot.bottom, y2: plot.bottom + 4 }),
      svg('text', { class: 'tick', x: t.at, y: plot.bottom + 16, 'text-anchor': 'middle' }, t.label),
    );
  }
  root.append(
    svg('line', { class: 'axis', x1: plot.left, x2: plot.right, y1: plot.bottom, y2: plot.bottom }),
    svg('text', { class: 'axis-title', x: (plot.left + plot.right) / 2, y: m.height - 4, 'text-anchor': 'middle' }, xTitle),
  );
}

export function renderChart(stats: ColumnStats[]): HTMLElement {
  const fig = h('figure', { class: 'chart', 'data-testid': 'chart' });
  const m = chartModel(stats, { width: WIDTH, height: HEIGHT });
  if (!m) {
    fig.append(h('p', { class: 'muted' }, 'The chart appears once an image has been timed.'));
    return fig;
  }
  fig.append(fitChart(fig, 'time', WIDTH, (width) => drawTimeChart(stats, width)));
  if (m.series.length > 1) {
    const legend = h('ul', { class: 'legend' });
    m.series.forEach((s, i) => legend.append(h('li', { class: `s${i % 6}` }, h('span', { class: 'swatch' }), s.name || 'steps')));
    fig.append(legend);
  }
  fig.append(h('figcaption', { class: 'muted' }, 'Mean execution time (warm runs) ± σ against sampling steps.'));
  return fig;
}

function drawTimeChart(stats: ColumnStats[], width: number): SVGSVGElement {
  const m = chartModel(stats, { width, height: HEIGHT })!;
  const root = svg('svg', {
    viewBox: `0 0 ${m.width} ${m.height}`,
    role: 'img',
    'aria-label': 'Execution time against sampling steps',
  });
  drawStepsAxes(root, m);
  m.series.forEach((s, i) => {
    const g = svg('g', { class: `series s${i % 6}` });
    g.append(svg('path', { class: 'line', d: s.path }));
    for (const p of s.points) {
      const tip = `${p.column}: ${formatMs(p.mean)}` + (p.n > 1 ? ` ± ${formatMs(p.sd)} (n = ${p.n})` : ' (n = 1)');
      if (p.sd > 0) {
        g.append(
          svg('line', { class: 'err', x1: p.x, x2: p.x, y1: p.yLow, y2: p.yHigh }),
          svg('line', { class: 'err', x1: p.x - 4, x2: p.x + 4, y1: p.yLow, y2: p.yLow }),
          svg('line', { class: 'err', x1: p.x - 4, x2: p.x + 4, y1: p.yHigh, y2: p.yHigh }),
        );
      }
      g.append(svg('circle', { class: 'dot', cx: p.x, cy: p.y, r: 4 }, svg('title', {}, tip)));
      if (m.series.length === 1) {
        g.append(svg('text', { class: 'value', x: p.x - 8, y: p.y - 8, 'text-anchor': 'end' }, formatMs(p.mean)));
      }
    }
    root.append(g);
  });
  return root;
}
