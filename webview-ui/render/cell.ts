// One image of the grid, updated in place as its job moves from queued to done.
import { cellTime, cellViewState, imageUrl } from '../view/cells';
import { cellScoreText } from '../view/convergence';
import { fateTooltip } from '../view/cellFate';
import { stepText } from '../view/progress';
import { h } from './dom';
import { regionOverlay } from './regionOverlay';
import type { RatedRegion } from '../../src/shared/regions';
import type { CellRecord } from '../../src/shared/runRecord';

const STATE_ICONS: Record<string, string> = {
  queued: '⋯',
  running: '',
  cached: '↺',
  failed: '✕',
  cancelled: '■',
  lost: '?',
};

export interface CellHandlers {
  zoom(key: string): void;
  open(file: string): void;
  /** Gives a grid image its source, now or in the order the grid loads them (ImageQueue). */
  loadImage(img: HTMLImageElement, src: string): void;
}

export class CellView {
  readonly el: HTMLElement;
  #cell: CellRecord;
  #imageBase: string;
  #handlers: CellHandlers;
  #previewUrl: string | undefined;
  #progress: { value: number; max: number; itPerSec?: number } | undefined;
  /** Defect regions raters drew on this image (shown over it unless the grid hides them). */
  #regions: readonly RatedRegion[] = [];

  /** A picture the cell that this one replaced was showing, held under this one's image until that loads. */
  #held: HTMLImageElement | undefined;

  /** `previous`: the view of the same cell in the grid being replaced; this one takes over its preview and picture. */
  constructor(cell: CellRecord, imageBase: string, handlers: CellHandlers, previous?: CellView) {
    this.#cell = cell;
    this.#imageBase = imageBase;
    this.#handlers = handlers;
    this.el = h('div', { class: 'cell', 'data-testid': 'cell', role: 'gridcell', 'data-key': cell.key });
    if (previous) {
      this.#held = [...previous.el.querySelectorAll<HTMLImageElement>('.thumb img')].find((i) => i.complete && i.naturalWidth > 0);
      this.#previewUrl = previous.#previewUrl;
      previous.#previewUrl = undefined;
      previous.dispose();
    }
    // Kept until this view's own image has loaded: a redraw before then (regions, a thumbnail) holds it again.
    this.#render();
  }

  get cell(): CellRecord {
    return this.#cell;
  }

  update(cell: CellRecord): void {
    const wasRunning = this.#cell.status === 'running';
    this.#cell = cell;
    // A finished image keeps its last preview on screen until the image itself has loaded (#render).
    const handOver = cell.images[0] && (cellViewState(cell) === 'done' || cellViewState(cell) === 'cached');
    if (wasRunning && cell.status !== 'running' && !handOver) this.#dropPreview();
    this.#progress = cell.status === 'running' ? this.#progress : undefined;
    this.#render();
  }

  setRegions(regions: readonly RatedRegion[]): void {
    this.#regions = regions;
    this.#render();
  }

  /** The sampler's step, and its measured rate once known: shown as numbers on the image, not only in a tooltip. */
  setProgress(value: number, max: number, itPerSec?: number): void {
    this.#progress = { value, max, ...(itPerSec !== undefined ? { itPerSec } : {}) };
    const bar = this.el.querySelector<HTMLElement>('[data-testid="progress"]');
    if (bar) this.#paintProgress(bar);
  }

  /** Shows the latest preview frame; the previous blob: URL is revoked so frames don't pile up. */
  setPreview(mime: string, data: Uint8Array): void {
    if (this.#cell.status !== 'running') return;
    const url = URL.createObjectURL(new Blob([data as Uint8Array<ArrayBuffer>], { type: mime }));
    const old = this.#previewUrl;
    this.#previewUrl = url;
    const img = this.el.querySelector<HTMLImageElement>('img.preview');
    if (img) img.src = url;
    else this.#render();
    if (old) URL.revokeObjectURL(old);
  }

  dispose(): void {
    this.#dropPreview();
  }

  #dropPreview(): void {
    if (this.#previewUrl) URL.revokeObjectURL(this.#previewUrl);
    this.#previewUrl = undefined;
    this.#progress = undefined;
  }

  #render(): void {
    const c = this.#cell;
    const state = cellViewState(c);
    const focused = this.el.contains(document.activeElement);
    this.el.dataset.state = state;
    const image = c.images[0];
    const time = cellTime(c);
    let visual: HTMLElement;
    let under: HTMLElement | undefined;
    if (image?.note && !image.thumb && (state === 'done' || state === 'cached')) {
      // Too large for the client to decode (run.json's note says why): the webview would try the full image.
      visual = h(
        'div',
        { class: 'placeholder', title: image.note, 'data-testid': 'cell-not-shown' },
        h('span', { class: 'icon' }, '⚠'),
        ` ${image.width}×${image.height}: not shown`,
      );
    } else if (image && (state === 'done' || state === 'cached')) {
      // The grid shows the downscaled copy when the run made one; zoom, compare and rating use the image.
      const full = imageUrl(this.#imageBase, image.file);
      const held = this.#held?.dataset.file === image.file ? this.#held : null;
      const shown = this.el.querySelector<HTMLImageElement>('img[data-testid="cell-image"]') ?? held;
      // A live run names the thumbnail just after the image: keep the image already on screen rather
      // than blank the cell while the thumbnail loads.
      if (shown && shown.dataset.file === image.file && shown.complete && shown.naturalWidth > 0) {
        visual = shown;
      } else {
        // The grid's queue decides when each image loads (those in view first); `lazy` covers one
        // drawn outside a grid build. Decoding off the main thread keeps scrolling smooth while
        // images arrive, and the box is sized by CSS (aspect-ratio), so an arriving image moves
        // nothing. `elementtiming` lets the panel benchmark see when it was painted.
        visual = h('img', {
          'data-file': image.file,
          'data-testid': 'cell-image',
          loading: 'lazy',
          decoding: 'async',
          elementtiming: 'cell-image',
          width: image.width,
          height: image.height,
          alt: `${c.column}, seed ${c.seed}`,
        });
        this.#handlers.loadImage(visual as HTMLImageElement, image.thumb ? imageUrl(this.#imageBase, image.thumb) : full);
        under = this.#underPreview(visual as HTMLImageElement, full);
        if (image.thumb) {
          const img = visual as HTMLImageElement;
          // A thumbnail deleted or not yet readable: the full image instead.
          img.addEventListener('error', () => img.src !== full && (img.src = full), { once: true });
        }
      }
    } else if (state === 'running' && this.#previewUrl) {
      visual = h('img', { class: 'preview', src: this.#previewUrl, alt: 'Live preview' });
    } else {
      visual = h('div', { class: 'placeholder', 'aria-hidden': 'true' }, h('span', { class: 'icon' }, STATE_ICONS[state] ?? ''));
    }
    const thumb = h(
      'button',
      // The headers say the setting; the tooltip holds all of it (the caption has room for the time only).
      {
        class: 'thumb',
        type: 'button',
        title: `${c.column} · seed ${c.seed}`,
        'aria-label': `${c.column}, seed ${c.seed}: ${time}. Show details`,
      },
      visual,
    );
    thumb.addEventListener('click', () => this.#handlers.zoom(c.key));
    // The grid crops each image to its square (object-fit: cover): the boxes are cropped alike.
    if (image && this.#regions.length && (state === 'done' || state === 'cached'))
      thumb.append(regionOverlay(this.#regions, image, 'cover'));
    if (under) thumb.prepend(under);
    else if (state !== 'running' && this.#previewUrl) this.#dropPreview();
    if (state === 'running') {
      const bar = h('div', {
        class: 'progress',
        'data-testid': 'progress',
        role: 'progressbar',
        'aria-label': `Sampling ${c.column}`,
        'aria-valuemin': 0,
      });
      bar.append(h('div', { class: 'fill' }));
      thumb.append(h('div', { class: 'progress-text', 'data-testid': 'progress-text', 'aria-hidden': 'true' }), bar);
      this.#paintProgress(bar);
    }
    const caption = h(
      'div',
      { class: 'caption' },
      h(
        'span',
        {
          class: `time ${state}`,
          'data-testid': 'cell-time',
          title: state === 'cached' ? 'Served from ComfyUI’s cache: nothing was measured, left out of statistics' : fateTooltip(c),
        },
        time,
      ),
    );
    const score = cellScoreText(c);
    if (score)
      caption.append(
        h(
          'span',
          {
            class: 'score',
            'data-testid': 'cell-score',
            title: 'Against the same seed at the top step count: SSIM of the luminance (1 = same structure) and mean CIE76 ΔE',
          },
          score,
        ),
      );
    if (c.error) caption.append(h('span', { class: 'error', title: c.error }, c.error));
    const frame = h('div', { class: 'frame' }, thumb);
    if (image && (state === 'done' || state === 'cached')) {
      const open = h(
        'button',
        {
          class: 'open-overlay',
          type: 'button',
          title: `Open ${image.file} in an editor tab`,
          'aria-label': `Open ${image.file} in an editor tab`,
        },
        'Open ↗',
      );
      open.addEventListener('click', () => this.#handlers.open(image.file));
      frame.append(open);
    }
    this.el.replaceChildren(frame, caption);
    if (focused) thumb.focus();
  }

  /** The last preview (or the picture of the view this one replaced), to stay under the arriving image until it
   * has loaded: the cell never goes blank between the two. */
  #underPreview(img: HTMLImageElement, full: string): HTMLElement | undefined {
    if (!this.#previewUrl && !this.#held) return undefined;
    const under = this.#held ?? h('img', { class: 'preview', src: this.#previewUrl!, alt: '', 'aria-hidden': 'true' });
    under.classList.add('under');
    const url = this.#previewUrl;
    const done = () => {
      // A grid redraw may have handed this picture to the view that replaced this one: it is that one's now.
      if (this.el.contains(under)) under.remove();
      // A redraw meanwhile may have put the same preview under a newer image: that one still needs it.
      if (this.#previewUrl === url && !this.el.querySelector('img.under')) this.#dropPreview();
      if (!this.el.querySelector('img.under')) this.#held = undefined;
    };
    img.addEventListener('load', done, { once: true });
    // A missing thumbnail falls back to the full image (above): the preview waits for that one.
    img.addEventListener('error', () => img.src === full && done());
    return under;
  }

  #paintProgress(bar: HTMLElement): void {
    const p = this.#progress;
    const fill = bar.firstElementChild as HTMLElement;
    if (!p || !(p.max > 0)) {
      bar.classList.add('indeterminate');
      bar.removeAttribute('aria-valuenow');
      bar.setAttribute('aria-valuetext', 'waiting for the sampler');
      fill.style.width = '';
      return;
    }
    bar.classList.remove('indeterminate');
    bar.setAttribute('aria-valuemax', String(p.max));
    bar.setAttribute('aria-valuenow', String(p.value));
    const text = stepText(p.value, p.max, p.itPerSec);
    bar.setAttribute('aria-valuetext', text);
    bar.title = text;
    const label = bar.parentElement?.querySelector<HTMLElement>('.progress-text');
    if (label) label.textContent = text;
    fill.style.width = `${Math.min(100, (p.value / p.max) * 100)}%`;
  }
}
