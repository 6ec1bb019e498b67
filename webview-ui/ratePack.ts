// The rate pack: a run's images in one HTML page that someone without VS Code rates blind, with the
// panel's own rating dialog and keys. Finishing downloads a ratings file; `qwenprompt import-ratings`
// or the panel's Import Ratings adds it to the run. Nothing is sent anywhere.
import { h } from './render/dom';
import { RatingDialog } from './render/rating';
import { newRoundId, raterSlug, ROUND_FORMAT, type RoundFile } from '../src/shared/ratingRound';
import type { CellRecord } from '../src/shared/runRecord';
import type { VoteMessage } from '../src/protocol/messages';
import { isPackData, type PackData } from './view/pack';

const meta = document.getElementById('pack');
const parsed: unknown = JSON.parse(meta?.getAttribute('data-json') ?? 'null');
const app = document.getElementById('app')!;

if (!isPackData(parsed)) {
  app.append(h('p', { class: 'notice error' }, 'This rate pack is damaged: it holds no run to rate.'));
} else {
  start(parsed);
}

function start(pack: PackData): void {
  const cells = pack.cells as CellRecord[];
  let rater = remembered();
  const dialog = new RatingDialog({
    cells: () => cells,
    stats: () => [],
    imageSrc: (file) => pack.images[file] ?? '',
    save: async (votes) => ({ saved: `downloaded as ${download(pack, rater, votes)}` }),
  });
  const name = h('input', {
    type: 'text',
    id: 'rater',
    'data-testid': 'pack-rater',
    value: rater,
    maxlength: 80,
    required: true,
    autocomplete: 'name',
  });
  const go = h('button', { type: 'button', class: 'primary', 'data-testid': 'pack-start' }, 'Rate the images');
  const problem = h('p', { class: 'muted', 'aria-live': 'polite' });
  const begin = () => {
    rater = name.value.trim();
    if (!rater) {
      problem.textContent = 'Type your name first: it goes with your scores.';
      name.focus();
      return;
    }
    remember(rater);
    dialog.open();
  };
  go.addEventListener('click', begin);
  name.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') begin();
  });
  app.append(
    h(
      'header',
      { class: 'pack-header' },
      h('h1', {}, `Rate: ${pack.spec}`),
      h('p', { class: 'muted' }, `Run ${pack.run} · ${cells.length} images`),
    ),
    h(
      'section',
      { class: 'pack-start' },
      h(
        'p',
        {},
        'You will see every image without its settings, in a shuffled order, and score it 1–5 on four criteria. When you finish, your scores download as one file: send it back to whoever sent you this page.',
      ),
      h('label', { for: 'rater' }, 'Your name '),
      name,
      ' ',
      go,
      problem,
    ),
    dialog.el,
  );
  name.focus();
}

/** The round as a file the browser downloads; returns its name. */
function download(pack: PackData, rater: string, votes: VoteMessage[]): string {
  const at = new Date().toISOString();
  const hex = [...crypto.getRandomValues(new Uint8Array(3))].map((b) => b.toString(16).padStart(2, '0')).join('');
  const files = new Map(pack.cells.map((c) => [c.key, c.images[0]?.file ?? '']));
  const round: RoundFile = {
    format: ROUND_FORMAT,
    version: 1,
    run: pack.run,
    rater,
    round: newRoundId(at, hex),
    at,
    blind: true,
    votes: votes.map((v) => ({ ...v, image: files.get(v.cell) ?? '' })),
  };
  const name = `ratings-${raterSlug(rater)}-${round.round}.json`;
  const url = URL.createObjectURL(new Blob([JSON.stringify(round, null, 2) + '\n'], { type: 'application/json' }));
  const a = h('a', { href: url, download: name, hidden: true });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  return name;
}

// A page opened from disk may have no storage (a browser setting): the name is then asked each time.
function remembered(): string {
  try {
    return localStorage.getItem('qwenprompt.rater') ?? '';
  } catch {
    return '';
  }
}

function remember(rater: string): void {
  try {
    localStorage.setItem('qwenprompt.rater', rater);
  } catch {
    // Nothing to keep it in.
  }
}
