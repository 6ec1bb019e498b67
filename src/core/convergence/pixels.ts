/**
 * Pixels at the working size. Both images of a pair are box-filtered (exact area average) down to
 * the same working size before scoring: it makes the score independent of the output resolution,
 * follows Wang et al.'s advice to downsample before SSIM so that the 11×11 window sees structure at a
 * viewing distance rather than pixel noise, and makes scoring a 1024² pair cheap.
 */

/** Long side of the working size, px. 256 is the scale at which Wang et al. (2004) validated SSIM. */
export const WORKING_SIZE = 256;

/** An RGBA image, 8 bits per channel, rows top to bottom. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

/** An RGB image as three float planes (0–255, gamma-encoded sRGB as stored). */
export interface RgbPlanes {
  width: number;
  height: number;
  r: Float32Array;
  g: Float32Array;
  b: Float32Array;
}

/** Working size for an image of w × h: the long side at most `max`, the aspect kept. */
export function workingSize(w: number, h: number, max = WORKING_SIZE): { width: number; height: number } {
  const s = Math.min(1, max / Math.max(w, h));
  return { width: Math.max(1, Math.round(w * s)), height: Math.max(1, Math.round(h * s)) };
}

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Source spans of an exact area-average resampling from n to m samples (m ≤ n). */
interface Spans {
  start: Int32Array;
  /** Offsets into `weight`, one more than m. */
  offset: Int32Array;
  weight: Float32Array;
}

function spans(n: number, m: number): Spans {
  const scale = n / m;
  const start = new Int32Array(m);
  const offset = new Int32Array(m + 1);
  const weights: number[] = [];
  for (let i = 0; i < m; i++) {
    const lo = i * scale;
    const hi = (i + 1) * scale;
    const first = Math.floor(lo);
    const last = Math.min(n - 1, Math.ceil(hi) - 1);
    start[i] = first;
    offset[i] = weights.length;
    for (let k = first; k <= last; k++) weights.push((Math.min(hi, k + 1) - Math.max(lo, k)) / scale);
  }
  offset[m] = weights.length;
  return { start, offset, weight: Float32Array.from(weights) };
}

/**
 * Downscales to `width × height` by exact area averaging (each output pixel is the mean of the source
 * area it covers, fractional pixels weighted), separably: rows first, then columns. Upscaling is not
 * needed (both images of a pair share their size), so a larger target is clamped to the source.
 */
export function resizeArea(img: RgbaImage, width: number, height: number): RgbPlanes {
  const W = img.width;
  const H = img.height;
  const w = Math.min(width, W);
  const hh = Math.min(height, H);
  const sx = spans(W, w);
  const sy = spans(H, hh);
  const src = img.data;
  const r = new Float32Array(w * hh);
  const g = new Float32Array(w * hh);
  const b = new Float32Array(w * hh);
  // Vertical first: the source rows of one output row are summed, weighted, into one full-width RGB
  // row (a tight loop over contiguous memory, where most of the work is), then that row is
  // averaged horizontally into the output.
  const acc = new Float32Array(W * 3);
  const words = src.byteOffset % 4 === 0 && LITTLE_ENDIAN ? new Uint32Array(src.buffer, src.byteOffset, W * H) : undefined;
  const { start: xs, offset: xo, weight: xw } = sx;
  for (let oy = 0; oy < hh; oy++) {
    acc.fill(0);
    for (let k = sy.offset[oy], y = sy.start[oy], end = sy.offset[oy + 1]; k < end; k++, y++) {
      const wy = sy.weight[k];
      if (words) {
        // One 32-bit load per pixel instead of three byte loads (little-endian: R is the low byte).
        for (let q = y * W, j = 0, jEnd = W * 3; j < jEnd; q++, j += 3) {
          const px = words[q];
          acc[j] += (px & 255) * wy;
          acc[j + 1] += ((px >>> 8) & 255) * wy;
          acc[j + 2] += ((px >>> 16) & 255) * wy;
        }
        continue;
      }
      for (let p = y * W * 4, j = 0, jEnd = W * 3; j < jEnd; p += 4, j += 3) {
        acc[j] += src[p] * wy;
        acc[j + 1] += src[p + 1] * wy;
        acc[j + 2] += src[p + 2] * wy;
      }
    }
    const o = oy * w;
    for (let x = 0; x < w; x++) {
      let sr = 0;
      let sg = 0;
      let sb = 0;
      for (let t = xo[x], j = xs[x] * 3, tEnd = xo[x + 1]; t < tEnd; t++, j += 3) {
        const wt = xw[t];
        sr += acc[j] * wt;
        sg += acc[j + 1] * wt;
        sb += acc[j + 2] * wt;
      }
      r[o + x] = sr;
      g[o + x] = sg;
      b[o + x] = sb;
    }
  }
  return { width: w, height: hh, r, g, b };
}

/** Luma Y' = 0.299 R' + 0.587 G' + 0.114 B' (ITU-R BT.601), as MATLAB's rgb2gray in Wang's reference code. */
export function luminance(p: RgbPlanes): Float32Array {
  const y = new Float32Array(p.r.length);
  for (let i = 0; i < y.length; i++) y[i] = 0.299 * p.r[i] + 0.587 * p.g[i] + 0.114 * p.b[i];
  return y;
}
