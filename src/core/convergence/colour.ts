/**
 * Colour difference: the mean CIE76 ΔE*ab (Euclidean distance in CIELAB, D65 white) over the pixels
 * at the working size. CIE76 over CIEDE2000 because the figure is a mean over many small differences
 * (sampler noise, slightly moved edges), where the two rank pairs alike, and CIE76 is the one any
 * tool reproduces; a mean ΔE below ~2.3 (one "just noticeable difference") reads as "same colours".
 */
import type { RgbPlanes } from './pixels';

/** sRGB component 0–255 → linear 0–1 (IEC 61966-2-1), tabulated per 1/16 level with interpolation. */
function linear(v: number): number {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
}

const LUT_STEPS = 16;
const LINEAR_LUT: Float32Array = (() => {
  const t = new Float32Array(255 * LUT_STEPS + 2);
  for (let i = 0; i < t.length; i++) t[i] = linear(Math.min(255, i / LUT_STEPS));
  return t;
})();

function linearFast(v: number): number {
  const x = (v < 0 ? 0 : v > 255 ? 255 : v) * LUT_STEPS;
  const i = x | 0;
  const f = x - i;
  return LINEAR_LUT[i] + (LINEAR_LUT[i + 1] - LINEAR_LUT[i]) * f;
}

// D65 reference white, as CIE XYZ with Y = 1.
const XN = 0.95047;
const YN = 1.0;
const ZN = 1.08883;
const EPS = 216 / 24389;
const KAPPA = 24389 / 27;

function f(t: number): number {
  return t > EPS ? Math.cbrt(t) : (KAPPA * t + 16) / 116;
}

// f tabulated over [0, F_MAX] (X/Xn, Y/Yn, Z/Zn of sRGB colours stay below 1.0001), interpolated:
// cube roots dominate the cost, and the table's error is below 0.001 in L*, a*, b*.
const F_MAX = 1.001;
const F_STEPS = 8192;
const F_LUT: Float32Array = (() => {
  const t = new Float32Array(F_STEPS + 2);
  for (let i = 0; i < t.length; i++) t[i] = f((i / F_STEPS) * F_MAX);
  return t;
})();

function fFast(t: number): number {
  const x = (t < 0 ? 0 : t) * (F_STEPS / F_MAX);
  if (x >= F_STEPS) return f(t);
  const i = x | 0;
  return F_LUT[i] + (F_LUT[i + 1] - F_LUT[i]) * (x - i);
}

/** CIELAB planes (L*, a*, b*) of sRGB planes. */
export function toLab(p: RgbPlanes): { l: Float32Array; a: Float32Array; b: Float32Array } {
  const n = p.r.length;
  const l = new Float32Array(n);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const r = linearFast(p.r[i]);
    const g = linearFast(p.g[i]);
    const bl = linearFast(p.b[i]);
    const fx = fFast((0.4124564 * r + 0.3575761 * g + 0.1804375 * bl) / XN);
    const fy = fFast((0.2126729 * r + 0.7151522 * g + 0.072175 * bl) / YN);
    const fz = fFast((0.0193339 * r + 0.119192 * g + 0.9503041 * bl) / ZN);
    l[i] = 116 * fy - 16;
    a[i] = 500 * (fx - fy);
    b[i] = 200 * (fy - fz);
  }
  return { l, a, b };
}

/** Mean CIE76 ΔE*ab between two Lab images of the same size. */
export function meanDeltaE76(x: ReturnType<typeof toLab>, y: ReturnType<typeof toLab>): number {
  const n = x.l.length;
  if (y.l.length !== n) throw new Error('deltaE: images differ in size.');
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const dl = x.l[i] - y.l[i];
    const da = x.a[i] - y.a[i];
    const db = x.b[i] - y.b[i];
    sum += Math.sqrt(dl * dl + da * da + db * db);
  }
  return sum / n;
}
