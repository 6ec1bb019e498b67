// Two images compared: side by side (one zoom and pan for both), swipe, blink and difference.
import { cssTransform, differencePixels, IDENTITY, panBy, zoomAt, type ViewTransform } from '../view/compare';
import { clipLeftPx, containRect, dividerFraction, dividerX, grabsDivider, onScreen, swipeSpan, type Span } from '../view/swipe';
import { regionOverlay } from './regionOverlay';
import type { RatedRegion } from '../../src/shared/regions';
import { h } from './dom';
import { tooLargeNote } from './tooLarge';

export interface CompareImage {
  url: string;
  /** Setting, time and (for another run) which run. */
  label: string;
  /** Set when the image is too large to load whole: shown instead of it (see tooLargeToShow). */
  tooLarge?: string;
  /** Opens the file in an editor tab (images of the panel's own run). */
  open?: () => void;
  /** The image's pixel size and the defect regions raters drew on it (side by side shows them). */
  size?: { width?: number; height?: number };
  regions?: readonly RatedRegion[];
}

export type CompareMode = 'side' | 'swipe' | 'blink' | 'diff';

const MODES: { mode: CompareMode; text: string; key: string }[] = [
  { mode: 'side', text: 'Side by side', key: '1' },
  { mode: 'swipe', text: 'Swipe', key: '2' },
  { mode: 'blink', text: 'Blink', key: '3' },
  { mode: 'diff', text: 'Difference', key: '4' },
];

/** Loads an image the canvas may read back (the webview's resource origin answers with CORS). */
function loadForCanvas(url: string): Promise<HTMLImageElement> {
  return new Promise((ok, fail) => {
    const img = new Image();
    img.crossOrigin = 'anonymous';
    img.onload = () => ok(img);
    img.onerror = () => fail(new Error(`Cannot load ${url}`));
    img.src = url;
  });
}

export class CompareDialog {
  readonly el: HTMLDialogElement;
  #a: CompareImage | undefined;
  #b: CompareImage | undefined;
  #mode: CompareMode = 'side';
  #t: ViewTransform = IDENTITY;
  /** The swipe divider, as a share (0–1) of the width the images cover on screen. */
  #swipe = 0.5;
  /** That width, from the last placing of the divider. */
  #span: Span = { left: 0, right: 0 };
  #showB = false;
  #blinkTimer: number | undefined;
  #blinking = true;
  #stage = h('div', { class: 'compare-stage' });
  #status = h('span', { class: 'muted', 'data-testid': 'compare-status', role: 'status' });
  #modeBar = h('div', { class: 'segmented', role: 'tablist', 'aria-label': 'Compare mode' });
  /** A pointer drag: panning the images, or moving the swipe divider. */
  #drag: { x: number; y: number; divider: boolean } | undefined;

  constructor() {
    this.el = h('dialog', { class: 'compare', 'aria-label': 'Compare two images', 'data-testid': 'compare' });
    this.el.addEventListener('close', () => this.#stopBlink());
    this.el.addEventListener('keydown', (e) => this.#key(e));
    this.el.addEventListener('click', (e) => {
      if (e.target === this.el) this.el.close();
    });
    window.addEventListener('resize', () => this.#placeSwipe());
  }

  get isOpen(): boolean {
    return this.el.open;
  }

  show(a: CompareImage, b: CompareImage, mode: CompareMode = this.#mode): void {
    this.#a = a;
    this.#b = b;
    this.#t = IDENTITY;
    this.#mode = mode;
    this.#build();
    if (!this.el.open) this.el.showModal();
    this.#modeBar.querySelector<HTMLElement>('[aria-selected="true"]')?.focus();
  }

  #build(): void {
    const close = h('button', { class: 'icon-button', type: 'button', 'aria-label': 'Close', title: 'Close (Esc)' }, '✕');
    close.addEventListener('click', () => this.el.close());
    this.#modeBar.replaceChildren(
      ...MODES.map(({ mode, text, key }) => {
        const b = h(
          'button',
          {
            type: 'button',
            role: 'tab',
            class: 'secondary',
            'aria-selected': String(mode === this.#mode),
            'data-mode': mode,
            title: `${text} (${key})`,
          },
          text,
        );
        b.addEventListener('click', () => this.#setMode(mode));
        return b;
      }),
    );
    const reset = h('button', { type: 'button', class: 'secondary', title: 'Fit both images (0)' }, 'Fit');
    reset.addEventListener('click', () => this.#apply(IDENTITY));
    const header = h('header', {}, h('h2', {}, 'Compare'), this.#modeBar, reset, this.#status, close);
    const legend = h(
      'div',
      { class: 'compare-legend' },
      h(
        'span',
        { class: 'who' },
        h('span', { class: 'tag a' }, 'A'),
        h('span', { 'data-testid': 'compare-label-a' }, this.#a?.label ?? ''),
      ),
      h(
        'span',
        { class: 'who' },
        h('span', { class: 'tag b' }, 'B'),
        h('span', { 'data-testid': 'compare-label-b' }, this.#b?.label ?? ''),
      ),
      h('span', { class: 'muted hint' }, 'Wheel to zoom · drag to pan · drag the divider to swipe · 1–4 modes · Space flips in blink'),
    );
    this.el.replaceChildren(header, this.#stage, legend);
    this.#renderStage();
  }

  #setMode(mode: CompareMode): void {
    this.#mode = mode;
    for (const b of this.#modeBar.querySelectorAll<HTMLElement>('button')) b.setAttribute('aria-selected', String(b.dataset.mode === mode));
    this.#renderStage();
  }

  #viewport(...children: HTMLElement[]): HTMLElement {
    const vp = h('div', { class: 'viewport' }, ...children);
    vp.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const r = vp.getBoundingClientRect();
        this.#apply(zoomAt(this.#t, e.deltaY < 0 ? 1.25 : 0.8, e.clientX - r.left, e.clientY - r.top));
      },
      { passive: false },
    );
    // In swipe mode a drag that starts on the divider (within a few px) moves it; any other drag pans.
    const onDivider = (e: PointerEvent) =>
      this.#mode === 'swipe' && grabsDivider(e.clientX - vp.getBoundingClientRect().left, dividerX(this.#swipe, this.#span));
    vp.addEventListener('pointerdown', (e) => {
      if ((e.target as HTMLElement).closest('input')) return;
      this.#drag = { x: e.clientX, y: e.clientY, divider: onDivider(e) };
      vp.setPointerCapture(e.pointerId);
    });
    vp.addEventListener('pointermove', (e) => {
      const r = vp.getBoundingClientRect();
      if (!this.#drag) {
        vp.classList.toggle('on-divider', onDivider(e));
        return;
      }
      if (this.#drag.divider) {
        this.#swipe = dividerFraction(e.clientX - r.left, this.#span);
        this.#placeSwipe();
        return;
      }
      const t = panBy(this.#t, e.clientX - this.#drag.x, e.clientY - this.#drag.y, r.width, r.height);
      this.#drag = { x: e.clientX, y: e.clientY, divider: false };
      this.#apply(t);
    });
    const end = () => (this.#drag = undefined);
    vp.addEventListener('pointerup', end);
    vp.addEventListener('pointercancel', end);
    return vp;
  }

  /** The image and, over it, its defect regions (a layer too, so zoom and pan move them alike). */
  #layers(which: 'a' | 'b'): HTMLElement[] {
    const src = which === 'a' ? this.#a : this.#b;
    const img = this.#img(which);
    if (!src?.regions?.length) return [img];
    return [img, regionOverlay(src.regions, src.size ?? {}, 'contain', 'layer') as unknown as HTMLElement];
  }

  #img(which: 'a' | 'b'): HTMLImageElement {
    const src = which === 'a' ? this.#a : this.#b;
    return h('img', {
      class: `layer ${which}`,
      src: src?.url ?? '',
      alt: `${which.toUpperCase()}: ${src?.label ?? ''}`,
      draggable: 'false',
    });
  }

  #renderStage(): void {
    this.#stopBlink();
    this.#status.textContent = '';
    this.#stage.dataset.mode = this.#mode;
    const tooLarge = [this.#a, this.#b].filter((x): x is CompareImage => !!x?.tooLarge);
    if (tooLarge.length) {
      // Every mode loads both images whole (the difference decodes them into a canvas): none is drawn.
      this.#status.textContent = 'Nothing to compare: an image is too large to show';
      const side = (x: CompareImage | undefined, tag: string) =>
        x?.tooLarge ? tooLargeNote(`${tag}: ${x.tooLarge}`, x.open) : this.#viewport(this.#img(tag === 'A' ? 'a' : 'b'));
      this.#stage.replaceChildren(side(this.#a, 'A'), side(this.#b, 'B'));
      return;
    }
    switch (this.#mode) {
      case 'side':
        this.#stage.replaceChildren(this.#viewport(...this.#layers('a')), this.#viewport(...this.#layers('b')));
        break;
      case 'swipe': {
        const a = this.#img('a');
        const b = this.#img('b');
        const line = h('div', { class: 'swipe-line', 'data-testid': 'swipe-line' }, h('span', { class: 'grip' }));
        const range = h('input', { type: 'range', min: 0, max: 1000, 'aria-label': 'Swipe position: A left, B right' });
        range.addEventListener('input', () => {
          this.#swipe = Number(range.value) / 1000;
          this.#placeSwipe();
        });
        // Where the images sit depends on their natural size: place the divider again once each is known.
        for (const img of [a, b]) img.addEventListener('load', () => this.#placeSwipe());
        this.#stage.replaceChildren(h('div', { class: 'single' }, this.#viewport(a, b, line), range));
        break;
      }
      case 'blink': {
        const b = this.#img('b');
        const vp = this.#viewport(this.#img('a'), b);
        const pause = h('button', { type: 'button', class: 'secondary' }, this.#blinking ? 'Pause' : 'Play');
        pause.addEventListener('click', () => {
          this.#blinking = !this.#blinking;
          this.#renderStage();
        });
        this.#stage.replaceChildren(h('div', { class: 'single' }, vp, pause));
        this.#paintBlink(b);
        if (this.#blinking) {
          this.#blinkTimer = window.setInterval(() => {
            this.#showB = !this.#showB;
            this.#paintBlink(b);
          }, 700);
        }
        break;
      }
      case 'diff':
        void this.#renderDiff();
        break;
    }
    this.#apply(this.#t);
  }

  /** Puts the divider at its share of the width the images cover now, and clips B so that it starts there. */
  #placeSwipe(): void {
    if (this.#mode !== 'swipe' || !this.el.open) return;
    const vp = this.#stage.querySelector<HTMLElement>('.viewport');
    const [a, b] = [...this.#stage.querySelectorAll<HTMLImageElement>('img.layer')];
    const line = this.#stage.querySelector<HTMLElement>('.swipe-line');
    const range = this.#stage.querySelector<HTMLInputElement>('input[type="range"]');
    if (!vp || !a || !b || !line || !range) return;
    const r = vp.getBoundingClientRect();
    const rects = [a, b].map((img) => onScreen(containRect(img.naturalWidth, img.naturalHeight, r.width, r.height), this.#t));
    this.#span = swipeSpan(rects, r.width);
    const x = dividerX(this.#swipe, this.#span);
    b.style.clipPath = `inset(0 0 0 ${clipLeftPx(x, this.#t)}px)`;
    line.style.left = `${x}px`;
    range.value = String(Math.round(this.#swipe * 1000));
  }

  #paintBlink(b: HTMLElement): void {
    b.style.visibility = this.#showB ? 'visible' : 'hidden';
    this.#status.textContent = this.#showB ? 'Showing B' : 'Showing A';
  }

  async #renderDiff(): Promise<void> {
    const canvas = h('canvas', { class: 'layer', 'aria-label': 'Difference |A − B|, brightened four times' });
    this.#stage.replaceChildren(this.#viewport(canvas));
    this.#apply(this.#t);
    this.#status.textContent = 'Computing…';
    try {
      const [a, b] = await Promise.all([loadForCanvas(this.#a!.url), loadForCanvas(this.#b!.url)]);
      const w = Math.min(a.naturalWidth, b.naturalWidth);
      const hgt = Math.min(a.naturalHeight, b.naturalHeight);
      const read = (img: HTMLImageElement) => {
        const c = h('canvas', { width: w, height: hgt });
        const ctx = c.getContext('2d')!;
        ctx.drawImage(img, 0, 0, w, hgt);
        return ctx.getImageData(0, 0, w, hgt).data;
      };
      canvas.width = w;
      canvas.height = hgt;
      const ctx = canvas.getContext('2d')!;
      const out = ctx.createImageData(w, hgt);
      const share = differencePixels(read(a), read(b), out.data);
      ctx.putImageData(out, 0, 0);
      const sizes =
        a.naturalWidth !== b.naturalWidth || a.naturalHeight !== b.naturalHeight ? ' (sizes differ: top-left part compared)' : '';
      this.#status.textContent = `${(share * 100).toFixed(1)} % of pixels differ${sizes}`;
    } catch (e) {
      this.#status.textContent = `No difference view: ${(e as Error).message}`;
    }
  }

  #apply(t: ViewTransform): void {
    this.#t = t;
    const css = cssTransform(t);
    for (const layer of this.#stage.querySelectorAll<HTMLElement>('.layer, .swipe-line')) {
      if (!layer.classList.contains('swipe-line')) layer.style.transform = css;
    }
    this.#stage.classList.toggle('zoomed', t.scale > 1);
    this.#placeSwipe();
  }

  #stopBlink(): void {
    if (this.#blinkTimer !== undefined) window.clearInterval(this.#blinkTimer);
    this.#blinkTimer = undefined;
  }

  #key(e: KeyboardEvent): void {
    if ((e.target as HTMLElement).tagName === 'INPUT' && e.key.startsWith('Arrow')) return;
    const mode = MODES.find((m) => m.key === e.key);
    if (mode) this.#setMode(mode.mode);
    else if (e.key === ' ' && this.#mode === 'blink') {
      this.#blinking = false;
      this.#showB = !this.#showB;
      this.#renderStage();
    } else if (e.key === '0') this.#apply(IDENTITY);
    else if (e.key === '+' || e.key === '=') this.#zoomCentre(1.25);
    else if (e.key === '-') this.#zoomCentre(0.8);
    else return;
    e.preventDefault();
  }

  #zoomCentre(f: number): void {
    const vp = this.#stage.querySelector('.viewport');
    const r = vp?.getBoundingClientRect();
    if (r) this.#apply(zoomAt(this.#t, f, r.width / 2, r.height / 2));
  }
}
