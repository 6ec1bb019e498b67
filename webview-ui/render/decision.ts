// The decision table: for each scenario (explore, everyday, final) the cheapest setting that meets
// what it needs, its time, and what it gives up against the best setting.
import { h } from './dom';
import { formatMs } from '../../src/shared/format';
import type { RunRecord } from '../../src/shared/runRecord';
import { decisionTable, settingFacts } from '../../src/shared/scenarios';

/** Undefined until the run is scored or rated (without SSIM or scores no scenario can be answered). */
export function renderDecision(record: RunRecord | undefined): HTMLElement | undefined {
  if (!record || record.status === 'running') return undefined;
  const facts = settingFacts(record);
  if (!facts.some((f) => f.ssim !== undefined || f.minStructure !== undefined)) return undefined;
  const table = h('table', { class: 'summary decision', 'data-testid': 'decision-table' });
  table.append(
    h('caption', {}, 'The cheapest setting that meets each scenario’s needs, from this run’s SSIM scores and ratings.'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        ...['Scenario', 'Needs', 'Setting', 'Time', 'What it gives up'].map((t, i) =>
          h('th', { scope: 'col', class: i === 3 ? 'num' : '' }, t),
        ),
      ),
    ),
  );
  const body = h('tbody');
  for (const d of decisionTable(facts)) {
    body.append(
      h(
        'tr',
        { 'data-scenario': d.scenario.name },
        h('th', { scope: 'row' }, d.scenario.name),
        h('td', { class: 'muted' }, d.needs),
        h('td', {}, d.pick ? h('strong', {}, d.pick.column) : '–'),
        h('td', { class: 'num' }, d.pick ? formatMs(d.pick.timeMs) : '–'),
        h('td', { class: d.pick ? '' : 'muted' }, d.note),
      ),
    );
  }
  table.append(body);
  return h(
    'section',
    { class: 'decision-section', 'aria-label': 'Decision' },
    h('h2', {}, 'Decision'),
    h('div', { class: 'table-wrap' }, table),
  );
}
