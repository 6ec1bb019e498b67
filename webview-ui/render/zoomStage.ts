// One image under the wheel and the pointer, as in Compare: the wheel zooms about the cursor, a drag
// pans (never off into empty space), a double click or 0 fits it again, + and − zoom about the centre.
import { cssTransform, IDENTITY, panBy, zoomAt, type ViewTransform } from '../view/compare';
import { h } from './dom';

export class ZoomStage {
  readonly el: HTMLElement;
  readonly #box: HTMLElement;
  readonly #img: HTMLElement;
  #t: ViewTransform;
  #drag: { x: number; y: number } | undefined;
  readonly #changed: (t: ViewTransform) => void;

  /** `t`: the zoom to start at (kept while the same image is redrawn); `changed` hears every new one. */
  constructor(img: HTMLElement, t: ViewTransform, changed: (t: ViewTransform) => void) {
    this.#img = img;
    this.#t = t;
    this.#changed = changed;
    img.classList.add('zoom-layer');
    this.#box = h('div', { class: 'zoom-box' }, img);
    this.el = h(
      'div',
      {
        class: 'stage zoom-stage',
        tabindex: 0,
        'data-testid': 'lightbox-stage',
        title: 'Wheel to zoom · drag to pan · double-click or 0 to fit',
      },
      this.#box,
    );
    this.el.addEventListener(
      'wheel',
      (e) => {
        e.preventDefault();
        const r = this.#box.getBoundingClientRect();
        this.#apply(zoomAt(this.#t, e.deltaY < 0 ? 1.25 : 0.8, e.clientX - r.left, e.clientY - r.top));
      },
      { passive: false },
    );
    this.el.addEventListener('pointerdown', (e) => {
      this.#drag = { x: e.clientX, y: e.clientY };
      this.el.setPointerCapture(e.pointerId);
    });
    this.el.addEventListener('pointermove', (e) => {
      if (!this.#drag) return;
      const r = this.#box.getBoundingClientRect();
      const t = panBy(this.#t, e.clientX - this.#drag.x, e.clientY - this.#drag.y, r.width, r.height);
      this.#drag = { x: e.clientX, y: e.clientY };
      this.#apply(t);
    });
    const end = () => (this.#drag = undefined);
    this.el.addEventListener('pointerup', end);
    this.el.addEventListener('pointercancel', end);
    this.el.addEventListener('dblclick', () => this.#apply(IDENTITY));
    this.el.addEventListener('keydown', (e) => {
      if (e.key === '0') this.#apply(IDENTITY);
      else if (e.key === '+' || e.key === '=') this.zoomCentre(1.25);
      else if (e.key === '-') this.zoomCentre(0.8);
      else return;
      e.preventDefault();
    });
    this.#apply(t);
  }

  zoomCentre(f: number): void {
    const r = this.#box.getBoundingClientRect();
    this.#apply(zoomAt(this.#t, f, r.width / 2, r.height / 2));
  }

  #apply(t: ViewTransform): void {
    this.#t = t;
    this.#img.style.transform = cssTransform(t);
    this.el.classList.toggle('zoomed', t.scale > 1);
    this.#changed(t);
  }
}
