// The order the grid's images load in: the ones in view first.

/** Longest wait for the images in view before the rest are asked for anyway (a stalled request). */
const FIRST_BATCH_WAIT_MS = 4000;

/**
 * Holds the grid's image URLs while the grid is built, then gives the images in view their `src` and
 * the others theirs once those have loaded, row by row as rows come within a window's height of the
 * view. In code-server every image crosses the workbench's remote resource channel, which serves the
 * requests side by side: with native lazy loading alone Chromium asks at once for every image within
 * a few thousand px of the viewport (50 of a 60-image run), and the ones in view arrive together with
 * all the others.
 *
 * Intersection observers decide, not a measurement here: rows out of view are not rendered
 * (content-visibility), so their images have no box until the browser has placed the rows, and an
 * image the grid has scrolled sideways out of a narrow panel is clipped, which the observer sees.
 * Their callbacks run when something crosses the view's edge, never on every scrolled frame.
 */
export class ImageQueue {
  #held: { img: HTMLImageElement; src: string }[] | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #observers: IntersectionObserver[] = [];

  /** Images assigned from now on wait for release() (the grid is about to be rebuilt). */
  hold(): void {
    this.#held ??= [];
    clearTimeout(this.#timer);
    for (const o of this.#observers) o.disconnect();
    this.#observers = [];
  }

  /** Sets the image's source now, or when the grid is released. */
  assign(img: HTMLImageElement, src: string): void {
    if (this.#held) this.#held.push({ img, src });
    else img.src = src;
  }

  /** The grid is in the document: the images in view load now, the others after them. */
  release(): void {
    const held = this.#held ?? [];
    this.#held = undefined;
    if (!held.length) return;
    const sources = new Map(held.map((e) => [e.img, e.src]));
    const rows = new Map<Element, HTMLImageElement[]>();
    for (const { img } of held) {
      const row = img.closest('.grid-row') ?? img;
      rows.set(row, [...(rows.get(row) ?? []), img]);
    }
    /** Starts the image's fetch (once); resolves when it has loaded or failed. */
    const load = (img: HTMLImageElement): Promise<void> => {
      const src = sources.get(img);
      if (src === undefined) return Promise.resolve();
      sources.delete(img);
      if (!img.isConnected) return Promise.resolve(); // its cell was drawn again meanwhile
      img.loading = 'eager';
      img.src = src;
      return new Promise<void>((done) => {
        img.addEventListener('load', () => done(), { once: true });
        img.addEventListener('error', () => done(), { once: true });
      });
    };
    let ahead = false;
    const loadAhead = () => {
      if (ahead) return;
      ahead = true;
      clearTimeout(this.#timer);
      const near = new IntersectionObserver(
        (entries) => {
          for (const e of entries) {
            if (!e.isIntersecting) continue;
            near.unobserve(e.target);
            for (const img of rows.get(e.target) ?? []) void load(img);
          }
        },
        { rootMargin: '100% 0px' },
      );
      for (const row of rows.keys()) near.observe(row);
      this.#observers.push(near);
    };
    let first = true;
    const inView = new IntersectionObserver((entries) => {
      const loading = entries
        .filter((e) => e.isIntersecting)
        .map((e) => {
          inView.unobserve(e.target);
          return load(e.target as HTMLImageElement);
        });
      // The first images in view to load hold the rest back; later ones (a row placed after its
      // neighbours were rendered) just load.
      if (first && loading.length) {
        first = false;
        void Promise.all(loading).then(loadAhead);
      }
    });
    for (const { img } of held) inView.observe(img);
    this.#observers.push(inView);
    // Nothing in view (the grid scrolled away) or a request that never ends: the rest load anyway.
    this.#timer = setTimeout(loadAhead, FIRST_BATCH_WAIT_MS);
  }
}
