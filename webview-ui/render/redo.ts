// "Redo this region": draw a rectangle or brush strokes on an image, pick the steps, and the host
// inpaints only there on the server that made the run. The result is shown beside the original with
// its time and the full run's. The mask is drawn on a canvas at the image's own resolution and sent as
// a PNG whose alpha is 0 where the image is to be redrawn (what ComfyUI's mask editor uploads).
import { cellLabel, imageUrl } from '../view/cells';
import { redoTimeText } from '../view/redo';
import { h } from './dom';
import { regionLabel, regionPixels, type RatedRegion } from '../../src/shared/regions';
import type { CellRecord, RegionRedo } from '../../src/shared/runRecord';

export interface RedoHost {
  imageBase(): string;
  /** The run's redos so far (the latest of a cell is shown when its dialog opens). */
  redos(): RegionRedo[];
  run(cell: string, mask: Uint8Array, steps: number): Promise<RegionRedo>;
  /** The defect regions raters drew on a cell: the mask the dialog proposes. */
  regions(cell: string): readonly RatedRegion[];
}

type Tool = 'rect' | 'brush';

/** Painted opaque, so the mask is all or nothing; the layer is shown translucent by CSS. */
const MASK_COLOUR = 'rgb(255, 64, 64)';

/** Brush radii as a fraction of the image's width, so a size means the same on every image. */
const BRUSH_SIZES: [string, string, number][] = [
  ['s', 'S', 1 / 80],
  ['m', 'M', 1 / 40],
  ['l', 'L', 1 / 20],
];

export class RedoDialog {
  readonly el = h('dialog', { class: 'redo-dialog', 'aria-label': 'Redo a region', 'data-testid': 'redo' });
  #host: RedoHost;
  #cell: CellRecord | undefined;
  #tool: Tool = 'rect';
  #brush = 1 / 40;
  /** The last brush dab of the stroke being drawn, so a fast stroke has no gaps. */
  #last: [number, number] | undefined;
  #canvas = h('canvas', { class: 'mask-layer', 'data-testid': 'redo-canvas' });
  #status = h('p', { class: 'redo-status', role: 'status', 'data-testid': 'redo-status' });
  #result = h('div', { class: 'redo-result' });
  #painted = false;

  constructor(host: RedoHost) {
    this.#host = host;
    this.el.addEventListener('click', (e) => {
      if (e.target === this.el) this.el.close();
    });
    this.#bindDrawing();
  }

  open(cell: CellRecord): void {
    const image = cell.images[0];
    if (!image) return;
    this.#cell = cell;
    this.#painted = false;
    const w = image.width ?? 1024;
    const hgt = image.height ?? 1024;
    this.#canvas.width = w;
    this.#canvas.height = hgt;
    this.#canvas.style.aspectRatio = `${w} / ${hgt}`;
    const close = h('button', { class: 'icon-button', type: 'button', 'aria-label': 'Close', title: 'Close (Esc)' }, '✕');
    close.addEventListener('click', () => this.el.close());
    const tools = h('div', { class: 'segmented', role: 'tablist', 'aria-label': 'Drawing tool' });
    for (const [tool, text] of [
      ['rect', 'Rectangle'],
      ['brush', 'Brush'],
    ] as [Tool, string][]) {
      const b = h(
        'button',
        { type: 'button', role: 'tab', 'aria-selected': String(this.#tool === tool), 'data-testid': `redo-tool-${tool}` },
        text,
      );
      b.addEventListener('click', () => {
        this.#tool = tool;
        for (const x of tools.children) x.setAttribute('aria-selected', String(x === b));
      });
      tools.append(b);
    }
    const sizes = h('div', { class: 'segmented', role: 'tablist', 'aria-label': 'Brush size' });
    for (const [id, text, radius] of BRUSH_SIZES) {
      const b = h(
        'button',
        {
          type: 'button',
          role: 'tab',
          'aria-selected': String(this.#brush === radius),
          title: `Brush size ${text}`,
          'data-testid': `redo-brush-${id}`,
        },
        text,
      );
      b.addEventListener('click', () => {
        this.#brush = radius;
        for (const x of sizes.children) x.setAttribute('aria-selected', String(x === b));
      });
      sizes.append(b);
    }
    const clear = h('button', { type: 'button', class: 'secondary' }, 'Clear');
    clear.addEventListener('click', () => this.#clear());
    const cellSteps = Number(cell.axes.steps);
    const steps = h('input', {
      type: 'number',
      min: 1,
      max: 10000,
      value: String(Math.max(1, Math.min(20, Number.isFinite(cellSteps) ? cellSteps : 20))),
      'data-testid': 'redo-steps',
      'aria-label': 'Steps of the redo',
    });
    const go = h('button', { type: 'button', 'data-testid': 'redo-run' }, 'Redo this region');
    go.addEventListener('click', () => void this.#run(Number(steps.value), go));
    const img = h('img', {
      src: imageUrl(this.#host.imageBase(), image.file),
      alt: `${cell.column}, seed ${cell.seed}`,
      draggable: 'false',
    });
    this.el.replaceChildren(
      h('header', {}, h('h2', {}, `Redo a region · ${cellLabel(cell)} · seed ${cell.seed}`), close),
      h('div', { class: 'redo-tools' }, tools, sizes, clear, h('label', {}, 'Steps ', steps), go, this.#status),
      h('div', { class: 'redo-body' }, h('div', { class: 'redo-draw' }, img, this.#canvas), this.#result),
    );
    this.#clear();
    this.#status.textContent = 'Draw the region to redo on the image.';
    this.#propose(this.#host.regions(cell.key));
    const last = this.#host
      .redos()
      .filter((r) => r.cell === cell.key)
      .at(-1);
    this.#showResult(last);
    if (!this.el.open) this.el.showModal();
  }

  /** A cell a rater marked: its regions are the mask to start from (Clear, or draw more, to change it). */
  #propose(regions: readonly RatedRegion[]): void {
    if (!regions.length) return;
    const ctx = this.#canvas.getContext('2d');
    if (!ctx) return;
    ctx.fillStyle = MASK_COLOUR;
    for (const b of regionPixels(regions, this.#canvas.width, this.#canvas.height)) ctx.fillRect(b.x, b.y, b.w, b.h);
    this.#painted = true;
    this.#status.textContent = `Proposed from the marked ${regions.length === 1 ? 'defect' : 'defects'}: ${regions.map(regionLabel).join('; ')}. Clear or draw to change it.`;
  }

  #clear(): void {
    this.#canvas.getContext('2d')?.clearRect(0, 0, this.#canvas.width, this.#canvas.height);
    this.#painted = false;
  }

  /** Pointer position in image pixels. */
  #at(e: PointerEvent): [number, number] {
    const r = this.#canvas.getBoundingClientRect();
    return [((e.clientX - r.left) / r.width) * this.#canvas.width, ((e.clientY - r.top) / r.height) * this.#canvas.height];
  }

  #bindDrawing(): void {
    let start: [number, number] | undefined;
    let snapshot: ImageData | undefined;
    const c = this.#canvas;
    const paint = () => {
      const ctx = c.getContext('2d')!;
      ctx.fillStyle = MASK_COLOUR;
      return ctx;
    };
    c.addEventListener('pointerdown', (e) => {
      c.setPointerCapture(e.pointerId);
      start = this.#at(e);
      snapshot = paint().getImageData(0, 0, c.width, c.height);
      this.#last = undefined;
      if (this.#tool === 'brush') this.#dab(start);
    });
    c.addEventListener('pointermove', (e) => {
      if (!start) return;
      const p = this.#at(e);
      if (this.#tool === 'brush') return this.#dab(p);
      const ctx = paint();
      ctx.putImageData(snapshot!, 0, 0);
      ctx.fillRect(Math.min(start[0], p[0]), Math.min(start[1], p[1]), Math.abs(p[0] - start[0]), Math.abs(p[1] - start[1]));
      this.#painted = true;
    });
    const end = () => (start = undefined);
    c.addEventListener('pointerup', end);
    c.addEventListener('pointercancel', end);
  }

  #dab([x, y]: [number, number]): void {
    const ctx = this.#canvas.getContext('2d')!;
    const r = Math.max(2, this.#canvas.width * this.#brush);
    ctx.fillStyle = MASK_COLOUR;
    ctx.beginPath();
    ctx.arc(x, y, r, 0, Math.PI * 2);
    ctx.fill();
    if (this.#last) {
      ctx.strokeStyle = MASK_COLOUR;
      ctx.lineWidth = 2 * r;
      ctx.lineCap = 'round';
      ctx.beginPath();
      ctx.moveTo(...this.#last);
      ctx.lineTo(x, y);
      ctx.stroke();
    }
    this.#last = [x, y];
    this.#painted = true;
  }

  /** The mask as ComfyUI takes it: the image's size, opaque, alpha 0 where painted. */
  async #maskPng(): Promise<Uint8Array> {
    const m = document.createElement('canvas');
    m.width = this.#canvas.width;
    m.height = this.#canvas.height;
    const ctx = m.getContext('2d')!;
    ctx.fillStyle = '#000';
    ctx.fillRect(0, 0, m.width, m.height);
    ctx.globalCompositeOperation = 'destination-out';
    ctx.drawImage(this.#canvas, 0, 0);
    const blob = await new Promise<Blob | null>((ok) => m.toBlob(ok, 'image/png'));
    if (!blob) throw new Error('The mask could not be encoded as PNG.');
    return new Uint8Array(await blob.arrayBuffer());
  }

  async #run(steps: number, button: HTMLButtonElement): Promise<void> {
    const cell = this.#cell;
    if (!cell) return;
    if (!this.#painted) {
      this.#status.textContent = 'Draw the region to redo first.';
      return;
    }
    button.disabled = true;
    this.#status.textContent = `Redoing the region at ${steps} steps…`;
    try {
      const redo = await this.#host.run(cell.key, await this.#maskPng(), steps);
      this.#status.textContent = 'Done.';
      this.#showResult(redo);
    } catch (e) {
      this.#status.textContent = (e as Error).message;
      this.#status.dataset.kind = 'error';
    } finally {
      button.disabled = false;
    }
  }

  #showResult(redo: RegionRedo | undefined): void {
    const cell = this.#cell;
    if (!redo || !cell) {
      this.#result.replaceChildren();
      return;
    }
    const base = this.#host.imageBase();
    const figure = (src: string, caption: string, testid: string) =>
      h(
        'figure',
        {},
        h('img', { src, alt: caption, 'data-testid': testid }),
        h('figcaption', { 'data-testid': `${testid}-caption` }, caption),
      );
    this.#result.replaceChildren(
      h('h3', {}, 'Result'),
      h(
        'div',
        { class: 'redo-pair' },
        figure(imageUrl(base, cell.images[0]!.file), `Original · ${cellLabel(cell)}`, 'redo-original'),
        figure(imageUrl(base, redo.image.file), redoTimeText(redo), 'redo-result'),
      ),
    );
  }
}
