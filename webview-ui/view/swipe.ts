// Geometry of the swipe compare: where the images are on screen under the shared zoom and pan, where the
// divider goes, and how B is clipped so that its edge is exactly under the divider. Pure.
import type { ViewTransform } from './compare';

export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** A horizontal stretch of the viewport, left to right. */
export interface Span {
  left: number;
  right: number;
}

/** Pointer distance (px) from the divider within which a drag moves the divider rather than panning. */
export const DIVIDER_GRAB_PX = 8;

/** Where `object-fit: contain` draws an image of natural size nw×nh in a box of vw×vh (before any zoom). */
export function containRect(nw: number, nh: number, vw: number, vh: number): Rect {
  if (!(nw > 0 && nh > 0 && vw > 0 && vh > 0)) return { x: 0, y: 0, w: Math.max(0, vw), h: Math.max(0, vh) };
  const s = Math.min(vw / nw, vh / nh);
  const w = nw * s;
  const h = nh * s;
  return { x: (vw - w) / 2, y: (vh - h) / 2, w, h };
}

/** A rect of a layer's own box as it shows on screen: the layers are scaled about their top-left, then moved. */
export function onScreen(r: Rect, t: ViewTransform): Rect {
  return { x: t.x + r.x * t.scale, y: t.y + r.y * t.scale, w: r.w * t.scale, h: r.h * t.scale };
}

/** The part of the viewport's width the images cover (either of them): where a divider splits A from B. */
export function swipeSpan(rects: Rect[], viewportWidth: number): Span {
  const shown = rects.filter((r) => r.w > 0);
  if (!shown.length) return { left: 0, right: viewportWidth };
  const left = Math.max(0, Math.min(...shown.map((r) => r.x)));
  const right = Math.min(viewportWidth, Math.max(...shown.map((r) => r.x + r.w)));
  return right > left ? { left, right } : { left: 0, right: viewportWidth };
}

/** The divider's x in the viewport for a slider position 0–1 across the span (0: all B, 1: all A). */
export function dividerX(fraction: number, span: Span): number {
  return span.left + clamp01(fraction) * (span.right - span.left);
}

/** The slider position 0–1 of a divider at viewport x (dragging it there). */
export function dividerFraction(x: number, span: Span): number {
  const w = span.right - span.left;
  return w > 0 ? clamp01((x - span.left) / w) : 0.5;
}

/**
 * B's clip, in B's own untransformed box (CSS `clip-path` is applied before `transform`): hides B left
 * of the layer x that the transform puts at viewport x, so B begins exactly under the divider at any zoom.
 */
export function clipLeftPx(x: number, t: ViewTransform): number {
  return (x - t.x) / t.scale;
}

/** Whether a pointer at viewport x grabs the divider at `divider`. */
export function grabsDivider(px: number, divider: number, tolerance = DIVIDER_GRAB_PX): boolean {
  return Math.abs(px - divider) <= tolerance;
}

function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0.5;
}
