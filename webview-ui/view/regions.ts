// Geometry of defect regions: boxes kept as fractions of the image, drawn over an image shown with
// object-fit: contain (letterboxed inside its element). Pure.
import type { DefectRegion } from '../../src/shared/runRecord';

export interface Rect {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Where an image of `natural` size is drawn inside `box` by object-fit: contain. */
export function containedRect(box: Rect, natural: { width: number; height: number }): Rect {
  if (!natural.width || !natural.height) return box;
  const scale = Math.min(box.width / natural.width, box.height / natural.height);
  const width = natural.width * scale;
  const height = natural.height * scale;
  return { left: box.left + (box.width - width) / 2, top: box.top + (box.height - height) / 2, width, height };
}

const clamp01 = (v: number) => Math.min(1, Math.max(0, v));

/** A dragged box (two points in page pixels) as fractions of the drawn image, clamped inside it. */
export function boxFraction(
  a: { x: number; y: number },
  b: { x: number; y: number },
  image: Rect,
): Pick<DefectRegion, 'x' | 'y' | 'w' | 'h'> {
  const fx = (px: number) => clamp01((px - image.left) / image.width);
  const fy = (py: number) => clamp01((py - image.top) / image.height);
  const [x0, x1] = [fx(a.x), fx(b.x)].sort((p, q) => p - q);
  const [y0, y1] = [fy(a.y), fy(b.y)].sort((p, q) => p - q);
  return { x: x0, y: y0, w: x1 - x0, h: y1 - y0 };
}

/** Too small to mean anything (a click, not a drag): under 1 % of the image either way. */
export function isTooSmall(r: Pick<DefectRegion, 'w' | 'h'>): boolean {
  return r.w < 0.01 || r.h < 0.01;
}
