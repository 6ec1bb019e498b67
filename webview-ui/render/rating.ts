// Blind rating: one image at a time, no label, shuffled; 1–5 on four criteria from the keyboard.
// The settings are revealed only once the round is saved.
import type { VoteMessage } from '../../src/protocol/messages';
import { cellLabel, tooLargeToShow } from '../view/cells';
import { RatingRound, ratingOrder, rateable, type ShuffleMode } from '../view/rating';
import { h } from './dom';
import { tooLargeNote } from './tooLarge';
import { renderQuality } from './ratingResults';
import { attachRegions } from './regions';
import { CRITERIA, CRITERION_TEXT } from '../../src/shared/criteria';
import type { QualitySummary } from '../../src/shared/quality';
import type { CellRecord, ColumnStats } from '../../src/shared/runRecord';

export interface RatingHost {
  cells(): CellRecord[];
  stats(): ColumnStats[];
  /** The URL an image file of the run is shown from. */
  imageSrc(file: string): string;
  /** Saves the votes; resolves with the new summary (none where nothing computes one: the rate pack) and where they went. */
  save(votes: VoteMessage[]): Promise<{ summary?: QualitySummary; saved: string }>;
}

export class RatingDialog {
  readonly el: HTMLDialogElement;
  #host: RatingHost;
  #round: RatingRound | undefined;
  #mode: ShuffleMode = 'row';
  #saving = false;
  #leaving = false;

  constructor(host: RatingHost) {
    this.#host = host;
    this.el = h('dialog', { class: 'rating', 'aria-label': 'Blind rating', 'data-testid': 'rating' });
    this.el.addEventListener('keydown', (e) => this.#key(e));
    // A closed round leaves nothing behind (no stale images or tables in the page).
    this.el.addEventListener('close', () => {
      this.#round = undefined;
      this.el.replaceChildren();
    });
    this.el.addEventListener('cancel', (e) => {
      // Esc with votes cast needs a second Esc: a round half done is easy to lose by reflex (and
      // a webview may not show confirm()).
      if (this.#round && this.#round.toMessages().length && !this.#saving && !this.#leaving) {
        e.preventDefault();
        this.#leaving = true;
        const p = this.el.querySelector('.keys');
        if (p) p.textContent = 'Press Esc again to leave without saving this round.';
      }
    });
  }

  open(): void {
    this.#round = undefined;
    this.#renderStart();
    if (!this.el.open) this.el.showModal();
    this.el.querySelector<HTMLElement>('button.primary')?.focus();
  }

  #renderStart(): void {
    const n = rateable(this.#host.cells()).length;
    const choice = (mode: ShuffleMode, text: string, hint: string) => {
      const input = h('input', { type: 'radio', name: 'order', value: mode, checked: mode === this.#mode });
      input.addEventListener('change', () => (this.#mode = mode));
      return h('label', { class: 'choice' }, input, h('span', {}, h('strong', {}, text), h('span', { class: 'muted' }, ` — ${hint}`)));
    };
    const start = h(
      'button',
      { type: 'button', class: 'primary', 'data-testid': 'rating-start', disabled: n === 0 },
      `Start rating ${n} image${n === 1 ? '' : 's'}`,
    );
    start.addEventListener('click', () => this.#start());
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    cancel.addEventListener('click', () => this.el.close());
    this.el.replaceChildren(
      h(
        'div',
        { class: 'rating-start' },
        h('h2', {}, 'Blind rating'),
        h(
          'p',
          {},
          'Every label is hidden and the images are shuffled. Score each on the study’s four criteria, 1 (poor) to 5 (excellent); the settings are revealed when you finish.',
        ),
        h(
          'fieldset',
          {},
          h('legend', {}, 'Order'),
          choice('row', 'Shuffle within each seed row', 'settings compared on the same seed'),
          choice('all', 'Shuffle everything', 'seeds mixed too'),
        ),
        h('p', { class: 'muted keys' }, 'Keys: 1–5 score · ↑ ↓ criterion · ← → image · N note · Enter next / finish · Esc leave'),
        h('div', { class: 'actions' }, start, cancel),
      ),
    );
  }

  #start(): void {
    const seed = (crypto.getRandomValues(new Uint32Array(1))[0] ?? Date.now()) >>> 0;
    this.#round = new RatingRound(ratingOrder(this.#host.cells(), this.#mode, seed));
    this.#render();
  }

  #render(): void {
    const round = this.#round!;
    this.#leaving = false;
    const cell = this.#host.cells().find((c) => c.key === round.key);
    const image = cell?.images[0];
    const stage = h('div', { class: 'rating-stage' });
    let regionWord: HTMLElement | undefined;
    if (image) {
      const img = h('img', {
        src: this.#host.imageSrc(image.file),
        alt: `Image ${round.index + 1} of ${round.order.length}`,
        'data-testid': 'rating-image',
        draggable: false,
      });
      stage.append(img);
      regionWord = attachRegions(stage, img, {
        regions: round.vote.regions,
        criterion: () => CRITERIA[round.criterion],
        changed: () => undefined,
      });
    }
    const criteria = h('div', { class: 'criteria', role: 'group', 'aria-label': 'Scores' });
    CRITERIA.forEach((k, i) => {
      const row = h('div', { class: `criterion${i === round.criterion ? ' current' : ''}`, 'data-criterion': k });
      row.addEventListener('click', () => {
        round.criterion = i;
        this.#render();
      });
      const buttons = h('div', { class: 'scores', role: 'radiogroup', 'aria-label': CRITERION_TEXT[k].label });
      for (let v = 1; v <= 5; v++) {
        const on = round.vote.scores[k] === v;
        const b = h(
          'button',
          { type: 'button', role: 'radio', 'aria-checked': String(on), class: on ? 'on' : 'secondary', 'data-score': v, tabindex: -1 },
          String(v),
        );
        b.addEventListener('click', (e) => {
          e.stopPropagation();
          round.score(v, k);
          this.#render();
        });
        buttons.append(b);
      }
      row.append(
        h('div', { class: 'name' }, h('strong', {}, CRITERION_TEXT[k].label), h('span', { class: 'muted' }, CRITERION_TEXT[k].hint)),
        buttons,
      );
      criteria.append(row);
    });
    const note = h('input', {
      type: 'text',
      class: 'note',
      placeholder: 'Note (optional): what you saw',
      'aria-label': 'Note',
      value: round.vote.note,
      maxlength: 2000,
    });
    note.addEventListener('input', () => (round.vote.note = note.value));
    // Adherence as the study counted it: what the image adds that nobody asked for, and what it lacks.
    const tags = (field: 'unrequested' | 'missing', placeholder: string) => {
      const input = h('input', {
        type: 'text',
        class: 'note tags',
        placeholder,
        'aria-label': placeholder,
        'data-testid': `rating-${field}`,
        value: round.vote[field],
        maxlength: 1000,
      });
      input.addEventListener('input', () => (round.vote[field] = input.value));
      return input;
    };
    const unrequested = tags('unrequested', 'Unrequested elements: pendant, extra flower');
    const missing = tags('missing', 'Missing elements: bamboo');
    const prev = h('button', { type: 'button', class: 'secondary', disabled: round.index === 0 }, '‹ Previous');
    prev.addEventListener('click', () => this.#go(-1));
    const next = h(
      'button',
      { type: 'button', class: round.isLast ? 'primary' : 'secondary', 'data-testid': round.isLast ? 'rating-finish' : 'rating-next' },
      round.isLast ? 'Finish and reveal' : 'Next ›',
    );
    next.addEventListener('click', () => (round.isLast ? void this.#finish() : this.#go(1)));
    const side = h(
      'aside',
      { class: 'rating-side', tabindex: -1 },
      h(
        'p',
        { class: 'progress-text', 'data-testid': 'rating-progress' },
        `Image ${round.index + 1} of ${round.order.length}`,
        h('span', { class: 'muted' }, ` · ${round.complete} fully scored`),
      ),
      criteria,
      note,
      unrequested,
      missing,
      regionWord,
      h('div', { class: 'actions' }, prev, next),
      h('p', { class: 'muted keys' }, '1–5 score · ↑ ↓ criterion · ← → image · N note · Enter next'),
    );
    const active = this.el.contains(document.activeElement) ? document.activeElement : null;
    const refocus = active?.classList.contains('tags')
      ? active.getAttribute('data-testid') === 'rating-missing'
        ? missing
        : unrequested
      : active?.classList.contains('note')
        ? note
        : side;
    this.el.replaceChildren(h('div', { class: 'rating-body' }, stage, side));
    refocus.focus();
  }

  #go(delta: number): void {
    if (this.#round?.go(delta)) this.#render();
  }

  async #finish(): Promise<void> {
    const round = this.#round;
    if (!round || this.#saving) return;
    const votes = round.toMessages();
    if (!votes.length) {
      this.el.querySelector('.keys')!.textContent = 'Score at least one image before finishing.';
      return;
    }
    this.#saving = true;
    try {
      const { summary, saved } = await this.#host.save(votes);
      this.#reveal(round, summary, saved);
    } catch (e) {
      const p = this.el.querySelector('.keys');
      if (p) {
        p.textContent = `Not saved: ${(e as Error).message}`;
        p.classList.add('error');
      }
    } finally {
      this.#saving = false;
    }
  }

  /** The round's images with their settings now shown, your scores beside them, then the means. */
  #reveal(round: RatingRound, summary: QualitySummary | undefined, saved: string): void {
    const cells = new Map(this.#host.cells().map((c) => [c.key, c]));
    const list = h('ol', { class: 'revealed', 'data-testid': 'rating-revealed' });
    for (const key of round.order) {
      const c = cells.get(key);
      const v = round.votes.get(key);
      if (!c) continue;
      const scores = CRITERIA.map((k) => `${CRITERION_TEXT[k].label[0]} ${v?.scores[k] ?? '–'}`).join(' · ');
      list.append(
        h(
          'li',
          {},
          c.images[0] && !tooLargeToShow(c.images[0])
            ? h('img', { src: this.#host.imageSrc(c.images[0].file), alt: cellLabel(c) })
            : undefined,
          h('span', { class: 'label' }, `${cellLabel(c)} · seed ${c.seed}`),
          h('span', { class: 'muted' }, scores),
          v?.note ? h('span', { class: 'muted note-text' }, `“${v.note}”`) : undefined,
          v?.unrequested.trim() ? h('span', { class: 'muted' }, `unrequested: ${v.unrequested.trim()}`) : undefined,
          v?.missing.trim() ? h('span', { class: 'muted' }, `missing: ${v.missing.trim()}`) : undefined,
          v?.regions.length
            ? h('span', { class: 'muted' }, `regions: ${v.regions.map((g) => `${g.criterion} ${g.word}`).join(', ')}`)
            : undefined,
        ),
      );
    }
    const done = h('button', { type: 'button', class: 'primary' }, 'Done');
    done.addEventListener('click', () => this.el.close());
    this.el.replaceChildren(
      h(
        'div',
        { class: 'rating-reveal' },
        h(
          'header',
          {},
          h('h2', {}, 'Revealed'),
          h('p', { class: 'muted', 'data-testid': 'rating-saved' }, `${round.toMessages().length} votes ${saved}.`),
          done,
        ),
        summary ? renderQuality(summary, this.#host.stats()) : undefined,
        h('h3', {}, 'Your round'),
        list,
      ),
    );
    done.focus();
    this.#round = undefined;
  }

  #key(e: KeyboardEvent): void {
    const round = this.#round;
    if (!round) return;
    const inNote = (e.target as HTMLElement).classList?.contains('note');
    if (inNote) {
      if (e.key === 'Enter') {
        e.preventDefault();
        (e.target as HTMLElement).blur();
        this.el.querySelector<HTMLElement>('.rating-side')?.focus();
        round.isLast ? void this.#finish() : this.#go(1);
      }
      return;
    }
    if (/^[1-5]$/.test(e.key)) {
      round.score(Number(e.key));
      this.#render();
    } else if (e.key === 'ArrowDown') {
      round.moveCriterion(1);
      this.#render();
    } else if (e.key === 'ArrowUp') {
      round.moveCriterion(-1);
      this.#render();
    } else if (e.key === 'ArrowRight') this.#go(1);
    else if (e.key === 'ArrowLeft') this.#go(-1);
    else if (e.key === 'Enter') round.isLast ? void this.#finish() : this.#go(1);
    else if (e.key === 'n' || e.key === 'N') this.el.querySelector<HTMLInputElement>('input.note')?.focus();
    else return;
    e.preventDefault();
  }
}
