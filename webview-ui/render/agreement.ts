// Who rated and how far they agree: Krippendorff's alpha per criterion, each rater's overall score
// per setting, and the rater the others agree far better without.
import { h } from './dom';
import { CRITERION_TEXT } from '../../src/shared/criteria';
import { alphaVerdict, type QualitySummary } from '../../src/shared/quality';
import { raterOverall } from '../view/agreement';

/** The agreement table and the per-rater table; nothing when a single rater voted. */
export function renderAgreement(q: QualitySummary): HTMLElement | undefined {
  if (q.raters.length < 2) return undefined;
  const alpha = h('table', { class: 'summary agreement', 'data-testid': 'agreement-table' });
  alpha.append(
    h('caption', {}, `Agreement between ${q.raters.length} raters (Krippendorff’s α, ordinal; each rater’s latest score per image).`),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Criterion'),
        h('th', { scope: 'col', class: 'num' }, 'α'),
        h('th', { scope: 'col', class: 'num' }, 'n'),
        h('th', { scope: 'col', class: 'num' }, 'Images'),
        h('th', { scope: 'col' }, ''),
      ),
    ),
  );
  const body = h('tbody');
  for (const a of q.agreement) {
    body.append(
      h(
        'tr',
        { 'data-criterion': a.criterion },
        h('th', { scope: 'row' }, CRITERION_TEXT[a.criterion].label),
        h('td', { class: 'num' }, a.alpha === undefined ? '–' : a.alpha.toFixed(2)),
        h('td', { class: 'num' }, String(a.n)),
        h('td', { class: 'num' }, String(a.units)),
        h('td', { class: 'muted' }, alphaVerdict(a.alpha)),
      ),
    );
  }
  alpha.append(body);
  const per = h('table', { class: 'summary per-rater', 'data-testid': 'rater-table' });
  per.append(
    h('caption', {}, 'Overall score per rater (mean of the criteria), votes in brackets.'),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', { scope: 'col' }, 'Setting'),
        ...q.raters.map((r) => h('th', { scope: 'col', class: 'num', 'data-rater': r }, r)),
      ),
    ),
  );
  const rows = h('tbody');
  for (const s of q.settings) {
    const row = h('tr', {}, h('th', { scope: 'row' }, s.column));
    for (const r of q.raters) {
      const m = s.byRater.find((x) => x.rater === r);
      const overall = m && raterOverall(m);
      row.append(h('td', { class: 'num' }, overall === undefined ? '–' : `${overall.toFixed(2)} (${m!.votes})`));
    }
    rows.append(row);
  }
  per.append(rows);
  const flags = q.flags.map((f) =>
    h(
      'p',
      { class: 'rater-flag', 'data-testid': 'rater-flag' },
      `⚑ ${f.rater} disagrees with the rest on ${CRITERION_TEXT[f.criterion].label.toLowerCase()}: α ${f.alpha.toFixed(2)}, ${f.alphaWithout.toFixed(2)} without them.`,
    ),
  );
  return h('div', { class: 'agreement-body' }, h('div', { class: 'table-wrap' }, alpha), h('div', { class: 'table-wrap' }, per), ...flags);
}
