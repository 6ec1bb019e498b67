// Prompt adherence per setting as the study reported it: the asked-for elements shown, out of those
// plus the unrequested ones raters listed (shared/adherence.ts), and the elements most often added.
import { h } from './dom';
import type { QualitySummary } from '../../src/shared/quality';
import { adherenceShown, tagList } from '../view/agreement';

/** Nothing until some rater listed an element: without tags every image would count as clean. */
export function renderAdherence(q: QualitySummary): HTMLElement | undefined {
  if (!adherenceShown(q)) return undefined;
  const table = h('table', { class: 'summary adherence', 'data-testid': 'adherence-table' });
  table.append(
    h(
      'caption',
      {},
      `Prompt adherence: the asked-for elements shown, out of those asked for (${q.settings.find((s) => s.adherence)?.adherence?.elements ?? '?'} in the prompt) plus the unrequested ones the raters listed.`,
    ),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Setting'),
        h('th', { scope: 'col', class: 'num' }, 'Adherence'),
        h('th', { scope: 'col', class: 'num' }, 'Added per image'),
        h('th', { scope: 'col' }, 'Most often added'),
        h('th', { scope: 'col' }, 'Missing'),
      ),
    ),
  );
  const body = h('tbody');
  for (const s of q.settings) {
    const a = s.adherence;
    body.append(
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, s.column),
        h('td', { class: 'num' }, a ? `${Math.round(a.percent)} % (${a.shown}/${a.counted})` : '–'),
        h('td', { class: 'num' }, a ? a.addedPerImage.toFixed(2) : '–'),
        h('td', {}, a ? tagList(a.added) : '–'),
        h('td', {}, a ? tagList(a.missing) : '–'),
      ),
    );
  }
  table.append(body);
  return h('div', { class: 'table-wrap' }, table);
}
