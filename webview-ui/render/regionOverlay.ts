// Defect regions drawn over an image wherever the panel shows one (grid, compare): an SVG in the
// image's own pixel coordinates, scaled by preserveAspectRatio exactly as the image is by object-fit,
// so the boxes stay on their spot at any size and zoom. It lets clicks through to the image.
import { h, svg } from './dom';
import { regionLabel, regionPixels, type RatedRegion } from '../../src/shared/regions';

export function regionOverlay(
  regions: readonly RatedRegion[],
  size: { width?: number; height?: number },
  fit: 'cover' | 'contain',
  extraClass = '',
): SVGSVGElement {
  const width = size.width ?? 1024;
  const height = size.height ?? 1024;
  const root = svg('svg', {
    class: `region-overlay ${extraClass}`.trim(),
    'data-testid': 'region-overlay',
    viewBox: `0 0 ${width} ${height}`,
    preserveAspectRatio: fit === 'cover' ? 'xMidYMid slice' : 'xMidYMid meet',
    'aria-hidden': 'true',
  });
  const stroke = Math.max(2, Math.round(Math.max(width, height) / 256));
  const font = Math.max(12, Math.round(Math.max(width, height) / 40));
  regionPixels(regions, width, height).forEach((b, i) => {
    const g = regions[i];
    root.append(
      svg(
        'g',
        { class: 'region-box', 'data-criterion': g.criterion },
        svg('title', {}, regionLabel(g)),
        svg('rect', { x: b.x, y: b.y, width: b.w, height: b.h, 'stroke-width': stroke }),
        svg('text', { x: b.x + stroke * 2, y: b.y + font + stroke, 'font-size': font }, g.word),
      ),
    );
  });
  return root;
}

/**
 * The row above the grid: its layout control and, when a rater marked any image, "Defect regions (n)",
 * which shows or hides every region by the grid's `hide-regions` class (kept across redraws, as the
 * grid element is).
 */
export function gridTools(grid: HTMLElement, control: HTMLElement, regions: ReadonlyMap<string, readonly unknown[]>): HTMLElement {
  const marked = [...regions.values()].reduce((n, r) => n + r.length, 0);
  if (!marked) return control;
  const b = h('button', {
    type: 'button',
    class: 'secondary region-toggle',
    'data-testid': 'region-toggle',
    title: 'Show or hide the defect regions raters marked on the images',
  });
  const paint = () => {
    const shown = !grid.classList.contains('hide-regions');
    b.setAttribute('aria-pressed', String(shown));
    b.textContent = `${shown ? '☑' : '☐'} Defect regions (${marked})`;
  };
  b.addEventListener('click', () => {
    grid.classList.toggle('hide-regions');
    paint();
  });
  paint();
  return h('div', { class: 'grid-tools' }, control, b);
}
