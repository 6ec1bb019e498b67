// Run history (every run of the spec, newest first) and a second run shown beside this one:
// mean times per setting side by side and the same cells paired.
import type { LoadedRun } from '../../src/protocol/messages';
import { cellLabel, imageUrl, tooLargeToShow } from '../view/cells';
import { formatTime, historyLine, historyServer, pairCells, timingRows } from '../view/history';
import { noImageReason, runTitle, specChanges, type SpecChange } from '../view/runDiff';
import { h } from './dom';
import type { CompareImage } from './compare';
import type { RunHistoryEntry } from '../../src/shared/history';
import type { RunRecord } from '../../src/shared/runRecord';

export interface HistoryHost {
  currentRunDir(): string;
  open(runDir: string): void;
  compare(runDir: string): void;
}

/** The history list; each earlier run can be opened or compared with this one. */
export function renderHistory(entries: readonly RunHistoryEntry[], host: HistoryHost): HTMLElement {
  if (!entries.length) return h('p', { class: 'muted' }, 'No runs found.');
  const list = h('ol', { class: 'history', 'data-testid': 'history' });
  for (const e of entries) {
    const current = e.runDir === host.currentRunDir();
    const actions = h('div', { class: 'actions' });
    if (current) actions.append(h('span', { class: 'status-badge' }, 'This run'));
    else {
      const open = h('button', { type: 'button', class: 'secondary', title: e.runDir }, 'Open');
      open.addEventListener('click', () => host.open(e.runDir));
      const cmp = h('button', { type: 'button', class: 'secondary', 'data-testid': 'history-compare' }, 'Compare with this run');
      cmp.addEventListener('click', () => host.compare(e.runDir));
      actions.append(open, cmp);
    }
    const thumb =
      e.thumb && e.imageBase
        ? h('img', {
            class: 'history-thumb',
            src: imageUrl(e.imageBase, e.thumb),
            alt: `First image of the run of ${historyLine(e)}`,
            loading: 'lazy',
          })
        : h('div', { class: 'history-thumb placeholder', title: 'This run made no image' }, 'no image');
    list.append(
      h(
        'li',
        { class: current ? 'current' : undefined, 'data-run': e.runDir },
        thumb,
        h(
          'div',
          { class: 'what' },
          h('strong', {}, historyLine(e)),
          h('span', { class: 'muted' }, historyServer(e)),
          h('span', {}, e.settings),
          h('span', { class: 'figures' }, e.headline.join(' · ') || 'nothing measured'),
        ),
        actions,
      ),
    );
  }
  return list;
}

const when = (r: RunRecord) => new Date(r.createdAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** What differs between the two runs' specs, a row per field; or that nothing does. */
function specDiff(changes: readonly SpecChange[]): HTMLElement {
  if (!changes.length)
    return h('p', { class: 'muted', 'data-testid': 'run-diff' }, 'Both runs ran the same spec: only the server, the GPU or chance differ.');
  const rows = changes.map((c) =>
    h('tr', {}, h('th', { scope: 'row' }, c.key), h('td', { class: 'now' }, c.a), h('td', { class: 'was' }, c.b)),
  );
  const title = `What differs in the spec (${changes.length} field${changes.length === 1 ? '' : 's'})`;
  return h(
    'div',
    { class: 'spec-diff-wrap' },
    h('h3', { class: 'spec-diff-title' }, title),
    h(
      'div',
      { class: 'table-wrap' },
      h(
        'table',
        { class: 'summary spec-diff', 'data-testid': 'run-diff' },
        h('thead', {}, h('tr', {}, h('th', {}, 'Field'), h('th', {}, 'A (this run)'), h('th', {}, 'B'))),
        h('tbody', {}, ...rows),
      ),
    ),
  );
}

/** This run (A) against another (B): timings per setting, then each cell's two images. */
export function renderRunComparison(
  a: { record: RunRecord; imageBase: string },
  b: LoadedRun,
  compare: (x: CompareImage, y: CompareImage) => void,
  close: () => void,
): HTMLElement {
  const changes = specChanges(a.record, b.record);
  const titleA = runTitle('A', a.record, changes);
  const titleB = runTitle('B', b.record, changes);
  const table = h('table', { class: 'summary', 'data-testid': 'run-compare-table' });
  table.append(
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        h('th', {}, 'Setting'),
        h('th', { class: 'num', 'data-testid': 'run-title-a' }, titleA),
        h('th', { class: 'num', 'data-testid': 'run-title-b' }, titleB),
        h('th', { class: 'num' }, 'B vs A'),
      ),
    ),
  );
  const body = h('tbody');
  for (const r of timingRows(a.record.stats, b.record.stats)) {
    body.append(
      h(
        'tr',
        {},
        h('th', { scope: 'row' }, r.column),
        h('td', { class: 'num' }, formatTime(r.a)),
        h('td', { class: 'num' }, formatTime(r.b)),
        h('td', { class: 'num' }, r.change ?? '–'),
      ),
    );
  }
  table.append(body);
  const pairs = h('div', { class: 'pairs' });
  for (const p of pairCells(a.record.cells, b.record.cells)) {
    const side = (c: typeof p.a, base: string, tag: 'A' | 'B') => {
      const file = c?.images[0]?.file;
      const tooLarge = tooLargeToShow(c?.images[0]);
      return h(
        'figure',
        {},
        file && !tooLarge
          ? h('img', { src: imageUrl(base, file), alt: `${tag}: ${c ? cellLabel(c) : ''}`, loading: 'lazy' })
          : h('div', { class: 'placeholder', 'data-testid': 'no-image' }, tooLarge ?? noImageReason(tag, c)),
        h('figcaption', {}, `${tag} · ${c ? cellLabel(c) : '–'}`),
      );
    };
    const fa = p.a?.images[0]?.file;
    const fb = p.b?.images[0]?.file;
    const btn = h('button', { type: 'button', class: 'secondary', disabled: !(fa && fb), 'data-testid': 'pair-compare' }, 'Compare');
    btn.addEventListener('click', () =>
      compare(
        { url: imageUrl(a.imageBase, fa!), label: `A · ${cellLabel(p.a!)} · ${when(a.record)}`, tooLarge: tooLargeToShow(p.a!.images[0]) },
        { url: imageUrl(b.imageBase, fb!), label: `B · ${cellLabel(p.b!)} · ${when(b.record)}`, tooLarge: tooLargeToShow(p.b!.images[0]) },
      ),
    );
    pairs.append(
      h(
        'div',
        { class: 'pair' },
        h('div', { class: 'pair-head' }, h('span', {}, `${p.column} · repeat ${p.repeat + 1}`), btn),
        h('div', { class: 'pair-images' }, side(p.a, a.imageBase, 'A'), side(p.b, b.imageBase, 'B')),
      ),
    );
  }
  const closeBtn = h('button', { type: 'button', class: 'secondary' }, 'Close comparison');
  closeBtn.addEventListener('click', close);
  return h(
    'section',
    { class: 'run-compare', 'data-testid': 'run-compare', 'aria-label': 'Comparison with another run' },
    h('div', { class: 'section-head' }, h('h2', {}, `Compared with the run of ${when(b.record)}`), closeBtn),
    specDiff(changes),
    h('div', { class: 'table-wrap' }, table),
    pairs,
  );
}
