// Geometry and pixels of the compare view: one zoom and pan shared by both images, and the
// per-pixel difference image.

export interface ViewTransform {
  scale: number;
  x: number;
  y: number;
}

export const IDENTITY: ViewTransform = { scale: 1, x: 0, y: 0 };
export const MIN_SCALE = 1;
export const MAX_SCALE = 32;

/** Zooms by `factor` keeping the point (px, py) of the viewport under the cursor. */
export function zoomAt(t: ViewTransform, factor: number, px: number, py: number): ViewTransform {
  const scale = Math.max(MIN_SCALE, Math.min(MAX_SCALE, t.scale * factor));
  if (scale === MIN_SCALE) return IDENTITY;
  const f = scale / t.scale;
  return { scale, x: px - (px - t.x) * f, y: py - (py - t.y) * f };
}

/** Pans, keeping the zoomed image over the viewport (never dragged off into empty space). */
export function panBy(t: ViewTransform, dx: number, dy: number, width: number, height: number): ViewTransform {
  const clamp = (v: number, size: number) => Math.min(0, Math.max(size - size * t.scale, v));
  return { scale: t.scale, x: clamp(t.x + dx, width), y: clamp(t.y + dy, height) };
}

export function cssTransform(t: ViewTransform): string {
  return `translate(${t.x}px, ${t.y}px) scale(${t.scale})`;
}

/**
 * |a − b| per channel, amplified so that small differences show, with full alpha. Returns the
 * share of pixels that differ by more than `threshold` in any channel (0–1).
 */
export function differencePixels(a: Uint8ClampedArray, b: Uint8ClampedArray, out: Uint8ClampedArray, gain = 4, threshold = 8): number {
  let changed = 0;
  const n = Math.min(a.length, b.length, out.length);
  for (let i = 0; i < n; i += 4) {
    const dr = Math.abs(a[i] - b[i]);
    const dg = Math.abs(a[i + 1] - b[i + 1]);
    const db = Math.abs(a[i + 2] - b[i + 2]);
    out[i] = Math.min(255, dr * gain);
    out[i + 1] = Math.min(255, dg * gain);
    out[i + 2] = Math.min(255, db * gain);
    out[i + 3] = 255;
    if (dr > threshold || dg > threshold || db > threshold) changed++;
  }
  return n ? changed / (n / 4) : 0;
}
