// Click-to-zoom: one image large, with its label and every setting and measurement beside it. The
// label lives outside the image, so it stays readable at any zoom.
import { cellLabel, cellViewState, imageUrl, tooLargeToShow } from '../view/cells';
import { cellMeasurements, cellSettings, type SettingRow } from '../view/settings';
import { h } from './dom';
import { tooLargeNote } from './tooLarge';
import type { CellRecord } from '../../src/shared/runRecord';

export interface LightboxHost {
  cells(): CellRecord[];
  resolved(): unknown;
  imageBase(): string;
  open(file: string): void;
  /** The shown cell changed (undefined: closed), for setState. */
  changed(key: string | undefined): void;
  /** "Redo region…": the cell's image can be inpainted now (the run has finished). */
  canRedo(cell: CellRecord): boolean;
  redo(cell: CellRecord): void;
}

export class Lightbox {
  readonly el: HTMLDialogElement;
  #key: string | undefined;
  #actual = false;
  #host: LightboxHost;

  constructor(host: LightboxHost) {
    this.#host = host;
    this.el = h('dialog', { class: 'lightbox', 'aria-label': 'Image details' });
    this.el.addEventListener('close', () => {
      this.#key = undefined;
      this.#host.changed(undefined);
    });
    this.el.addEventListener('keydown', (e) => {
      if (e.key === 'ArrowRight') this.#step(1);
      else if (e.key === 'ArrowLeft') this.#step(-1);
      else return;
      e.preventDefault();
    });
    // A click on the backdrop (the dialog itself, outside its content) closes it.
    this.el.addEventListener('click', (e) => {
      if (e.target === this.el) this.el.close();
    });
  }

  get key(): string | undefined {
    return this.#key;
  }

  show(key: string): void {
    if (!this.#host.cells().some((c) => c.key === key)) return;
    if (key !== this.#key) this.#actual = false;
    this.#key = key;
    this.refresh();
    if (!this.el.open) {
      this.el.showModal();
      this.el.querySelector<HTMLElement>('.stage, .icon-button')?.focus();
    }
    this.#host.changed(key);
  }

  /** Redraws for new data (the shown cell may just have finished). */
  refresh(): void {
    const cell = this.#host.cells().find((c) => c.key === this.#key);
    if (!cell) {
      if (this.el.open) this.el.close();
      return;
    }
    const image = cell.images[0];
    const state = cellViewState(cell);
    const closeBtn = h('button', { class: 'icon-button', type: 'button', 'aria-label': 'Close', title: 'Close (Esc)' }, '✕');
    closeBtn.addEventListener('click', () => this.el.close());
    const prev = h('button', { class: 'secondary', type: 'button', title: 'Previous image (←)' }, '‹ Previous');
    prev.addEventListener('click', () => this.#step(-1));
    const next = h('button', { class: 'secondary', type: 'button', title: 'Next image (→)' }, 'Next ›');
    next.addEventListener('click', () => this.#step(1));
    const actions = h('div', { class: 'actions' }, prev, next);
    if (image) {
      const open = h('button', { type: 'button', title: `Open ${image.file} in VS Code's image preview` }, 'Open image');
      open.addEventListener('click', () => this.#host.open(image.file));
      actions.append(open);
    }
    if (image && this.#host.canRedo(cell)) {
      const redo = h(
        'button',
        { type: 'button', class: 'secondary', 'data-testid': 'redo-open', title: 'Draw a region and inpaint only there, at a few steps' },
        'Redo region…',
      );
      redo.addEventListener('click', () => {
        this.el.close();
        this.#host.redo(cell);
      });
      actions.append(redo);
    }
    const header = h(
      'header',
      {},
      h('h2', { class: 'label', 'data-state': state }, `${cellLabel(cell)} · seed ${cell.seed}`),
      actions,
      closeBtn,
    );
    let stage: HTMLElement;
    const tooLarge = tooLargeToShow(image);
    if (image && tooLarge) {
      stage = h(
        'div',
        { class: 'stage empty' },
        tooLargeNote(tooLarge, () => this.#host.open(image.file)),
      );
    } else if (image) {
      const img = h('img', {
        src: imageUrl(this.#host.imageBase(), image.file),
        alt: `${cell.column}, seed ${cell.seed}`,
        decoding: 'async',
        width: image.width,
        height: image.height,
      });
      stage = h(
        'button',
        {
          class: `stage${this.#actual ? ' actual' : ''}`,
          type: 'button',
          title: this.#actual ? 'Fit to window' : 'Actual size',
          'aria-label': this.#actual ? 'Fit image to window' : 'Show image at actual size',
        },
        img,
      );
      stage.addEventListener('click', () => {
        this.#actual = !this.#actual;
        this.refresh();
      });
    } else {
      stage = h('div', { class: 'stage empty' }, h('p', { class: 'muted' }, `No image: ${state}.`));
    }
    const details = h(
      'aside',
      { class: 'details' },
      h('h3', {}, 'Settings'),
      table(cellSettings(cell, this.#host.resolved())),
      h('h3', {}, 'Measured'),
      table(cellMeasurements(cell)),
    );
    if (image) details.append(h('p', { class: 'muted file' }, `${image.file}${image.width ? ` · ${image.width}×${image.height}` : ''}`));
    const hadFocus = this.el.contains(document.activeElement);
    this.el.replaceChildren(header, h('div', { class: 'body' }, stage, details));
    if (hadFocus) (image && !tooLarge ? stage : closeBtn).focus();
  }

  #step(delta: number): void {
    const cells = this.#host.cells();
    const i = cells.findIndex((c) => c.key === this.#key);
    if (i < 0 || cells.length === 0) return;
    this.show(cells[(i + delta + cells.length) % cells.length].key);
  }
}

function table(rows: SettingRow[]): HTMLElement {
  if (!rows.length) return h('p', { class: 'muted' }, 'Nothing yet.');
  return h('dl', {}, ...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
}
