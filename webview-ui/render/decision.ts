// The decision table: for each scenario (explore, everyday, final, or the settings' and the spec's
// own) the cheapest setting that meets what it needs, its time, and what it gives up against the best.
// It stands where a one-line recommendation used to, at the head of the convergence section.
import { h } from './dom';
import { formatMs } from '../../src/shared/format';
import { hasDecision, runDecisions } from '../../src/shared/decisionText';
import type { RunRecord } from '../../src/shared/runRecord';
import type { ScenarioLayer } from '../../src/shared/scenarios';

/** The table alone; undefined until some setting has an SSIM score or a structure rating. */
export function renderDecisionTable(record: RunRecord | undefined, setting?: ScenarioLayer): HTMLElement | undefined {
  if (!record || record.status === 'running' || !hasDecision(record)) return undefined;
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
  for (const d of runDecisions(record, setting)) {
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
  return h('div', { class: 'table-wrap decision-wrap' }, table);
}

/** A section of its own, for a run rated but not scored (no convergence section to head). */
export function renderDecision(record: RunRecord | undefined, setting?: ScenarioLayer): HTMLElement | undefined {
  const table = renderDecisionTable(record, setting);
  if (!table) return undefined;
  return h('section', { class: 'decision-section', 'aria-label': 'Decision' }, h('h2', {}, 'Decision'), table);
}
