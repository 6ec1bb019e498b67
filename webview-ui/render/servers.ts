// A pool run's servers under the summary: each one's share, GPU and mean time, and the tables per GPU kind.
import { h } from './dom';
import { renderSummary } from './summary';
import { formatMs } from '../../src/shared/format';
import type { RunRecord } from '../../src/shared/runRecord';
import { serverRows } from '../view/servers';

/** Nothing for a one-server run. */
export function renderServers(record: RunRecord | undefined): HTMLElement | undefined {
  if (!record?.servers?.length) return undefined;
  const table = h(
    'table',
    { class: 'summary', 'data-testid': 'servers' },
    h('caption', {}, 'Which server made the images. Statistics never mix GPU kinds.'),
    h(
      'thead',
      {},
      h('tr', {}, ...['Server', 'GPU', 'ComfyUI', 'Images', 'Time mean', 'Moved off'].map((t) => h('th', { scope: 'col' }, t))),
    ),
  );
  const body = h('tbody');
  for (const r of serverRows(record)) {
    body.append(
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, r.name),
        h('td', {}, r.gpu),
        h('td', {}, r.comfyui),
        h('td', { class: 'num' }, r.excluded ? h('span', { class: 'muted', title: r.excluded }, `none: ${r.excluded}`) : String(r.images)),
        h('td', { class: 'num' }, formatMs(r.meanMs)),
        h('td', { class: 'num' }, String(r.movedOff)),
      ),
    );
  }
  table.append(body);
  const section = h('div', { class: 'servers' }, h('h3', {}, 'Servers'), h('div', { class: 'table-wrap' }, table));
  for (const g of record.statsByGpu ?? []) {
    section.append(
      h('h3', {}, `${g.gpu} (${g.servers.join(', ')})`),
      h('div', { class: 'table-wrap' }, renderSummary(g.stats, record.cells)),
    );
  }
  return section;
}
