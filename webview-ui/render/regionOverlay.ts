// Defect regions drawn over an image wherever the panel shows one (grid, compare): an SVG in the
// image's own pixel coordinates, scaled by preserveAspectRatio exactly as the image is by object-fit,
// so the boxes stay on their spot at any size and zoom. It lets clicks through to the image.
import { svg } from './dom';
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

/** "Defects (n)": shows or hides every region over the grid (the grid's `hide-regions` class). */
export function regionToggle(count: number, shown: boolean, change: (shown: boolean) => void): HTMLElement {
  const b = document.createElement('button');
  b.type = 'button';
  b.className = 'secondary region-toggle';
  b.dataset.testid = 'region-toggle';
  b.setAttribute('aria-pressed', String(shown));
  b.title = 'Show or hide the defect regions raters marked on the images';
  b.textContent = `${shown ? '☑' : '☐'} Defect regions (${count})`;
  b.addEventListener('click', () => change(!shown));
  return b;
}
