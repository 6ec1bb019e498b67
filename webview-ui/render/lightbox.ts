// Click-to-zoom: one image large, with its label and every setting and measurement beside it. The
// label lives outside the image, so it stays readable at any zoom.
import { cellLabel, cellViewState, imageUrl, tooLargeToShow } from '../view/cells';
import { cellMeasurements, cellSettings, type SettingRow } from '../view/settings';
import { h } from './dom';
import { tooLargeNote } from './tooLarge';
import { ZoomStage } from './zoomStage';
import { IDENTITY, type ViewTransform } from '../view/compare';
import type { Ask } from '../../src/protocol/messenger';
import type { Requests } from '../../src/protocol/messages';
import type { CopyWhat } from '../../src/protocol/panelRequests';
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
  /** Asks the host (copy to the clipboard, run again): it reads what it copies from the record. */
  request: Ask<Requests>;
}

const COPIES: { what: CopyWhat; text: string; title: string }[] = [
  { what: 'seed', text: 'Copy seed', title: 'Copy this image’s seed' },
  { what: 'prompt', text: 'Copy prompt', title: 'Copy the prompt this image was made from' },
  { what: 'settings', text: 'Copy settings', title: 'Copy this image’s settings as a spec (YAML): paste it into a .qwenprompt file' },
];

export class Lightbox {
  readonly el: HTMLDialogElement;
  #key: string | undefined;
  /** The shown image's zoom and pan, kept while it is redrawn (its run goes on), reset for another image. */
  #t: ViewTransform = IDENTITY;
  #host: LightboxHost;
  #status = h('span', { class: 'muted', role: 'status', 'data-testid': 'lightbox-status' });

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
    if (key !== this.#key) {
      this.#t = IDENTITY;
      this.#status.textContent = '';
    }
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
      stage = new ZoomStage(img, this.#t, (t) => (this.#t = t)).el;
    } else {
      stage = h('div', { class: 'stage empty' }, h('p', { class: 'muted' }, `No image: ${state}.`));
    }
    const details = h(
      'aside',
      { class: 'details' },
      this.#cellActions(cell, image?.file),
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

  /** Copy seed, prompt or settings (as a spec), run this image again, open it in VS Code's image preview. */
  #cellActions(cell: CellRecord, file: string | undefined): HTMLElement {
    const bar = h('div', { class: 'cell-actions', 'data-testid': 'cell-actions' });
    const ask = (button: HTMLButtonElement, done: (reply: unknown) => string, run: () => Promise<unknown>) =>
      button.addEventListener('click', () => {
        button.disabled = true;
        run()
          .then((reply) => (this.#status.textContent = done(reply)))
          .catch((e: Error) => (this.#status.textContent = e.message))
          .finally(() => (button.disabled = false));
      });
    for (const c of COPIES) {
      const b = h('button', { type: 'button', class: 'secondary', 'data-copy': c.what, title: c.title }, c.text);
      ask(
        b,
        () => `Copied the ${c.what === 'settings' ? 'settings as a spec' : c.what}`,
        () => this.#host.request('copyCell', { cell: cell.key, what: c.what }),
      );
      bar.append(b);
    }
    const rerun = h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        'data-testid': 'rerun-cell',
        title: 'Make this image again with its settings and seed, as a run of its own',
      },
      'Re-run',
    );
    ask(
      rerun,
      () => 'Re-run started: it opens in its own panel',
      () => this.#host.request('rerunCell', { cell: cell.key }),
    );
    bar.append(rerun);
    if (file) {
      const open = h(
        'button',
        { type: 'button', class: 'secondary', 'data-testid': 'open-image', title: `Open ${file} in VS Code's image preview` },
        'Open in VS Code',
      );
      open.addEventListener('click', () => this.#host.open(file));
      bar.append(open);
    }
    return h('div', { class: 'cell-actions-wrap' }, bar, this.#status);
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
