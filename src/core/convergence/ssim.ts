/**
 * SSIM (Wang, Bovik, Sheikh, Simoncelli 2004, "Image quality assessment: from error visibility to
 * structural similarity") with the paper's parameters: an 11×11 circular-symmetric Gaussian window
 * (σ = 1.5, normalised to sum 1), K1 = 0.01, K2 = 0.03, dynamic range L = 255, statistics over
 * window positions fully inside the image ("valid", as the authors' MATLAB ssim_index), and the mean
 * over those positions (MSSIM). The Gaussian window is the paper's choice over an 8×8 block because
 * it has no blocking artefacts; being separable it costs 2 × 11 taps per pixel and statistic.
 */

const RADIUS = 5;
const SIGMA = 1.5;
const L = 255;
const C1 = (0.01 * L) ** 2;
const C2 = (0.03 * L) ** 2;

/** The 1-D Gaussian whose outer product is the 11×11 window (the 2-D window sums to 1). */
export const GAUSSIAN_11: Float32Array = (() => {
  const k = new Float32Array(2 * RADIUS + 1);
  let sum = 0;
  for (let i = -RADIUS; i <= RADIUS; i++) sum += k[i + RADIUS] = Math.exp(-(i * i) / (2 * SIGMA * SIGMA));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
})();

/** Mean SSIM of two single-channel images of the same size (values 0–255). 1 means identical. */
export function ssim(a: Float32Array, b: Float32Array, width: number, height: number): number {
  if (a.length !== width * height || b.length !== a.length) throw new Error('ssim: images differ in size.');
  const k = GAUSSIAN_11;
  const n = k.length;
  const vw = width - n + 1;
  const vh = height - n + 1;
  // Smaller than the window: fall back to one window over the whole image (uniform weights).
  if (vw < 1 || vh < 1) return globalSsim(a, b);
  // Horizontal pass of the five statistics (x, y, x², y², xy) over every row, valid columns only.
  const size = height * vw;
  const hx = new Float32Array(size);
  const hy = new Float32Array(size);
  const hxx = new Float32Array(size);
  const hyy = new Float32Array(size);
  const hxy = new Float32Array(size);
  for (let y = 0; y < height; y++) {
    const row = y * width;
    const o = y * vw;
    for (let x = 0; x < vw; x++) {
      let sx = 0;
      let sy = 0;
      let sxx = 0;
      let syy = 0;
      let sxy = 0;
      for (let t = 0, p = row + x; t < n; t++, p++) {
        const w = k[t];
        const u = a[p];
        const v = b[p];
        sx += w * u;
        sy += w * v;
        sxx += w * u * u;
        syy += w * v * v;
        sxy += w * u * v;
      }
      hx[o + x] = sx;
      hy[o + x] = sy;
      hxx[o + x] = sxx;
      hyy[o + x] = syy;
      hxy[o + x] = sxy;
    }
  }
  // Vertical pass row by row (contiguous reads), then the SSIM map, summed in float64.
  const mx = new Float64Array(vw);
  const my = new Float64Array(vw);
  const exx = new Float64Array(vw);
  const eyy = new Float64Array(vw);
  const exy = new Float64Array(vw);
  let total = 0;
  for (let y = 0; y < vh; y++) {
    mx.fill(0);
    my.fill(0);
    exx.fill(0);
    eyy.fill(0);
    exy.fill(0);
    for (let t = 0; t < n; t++) {
      const w = k[t];
      const o = (y + t) * vw;
      for (let x = 0; x < vw; x++) {
        mx[x] += w * hx[o + x];
        my[x] += w * hy[o + x];
        exx[x] += w * hxx[o + x];
        eyy[x] += w * hyy[o + x];
        exy[x] += w * hxy[o + x];
      }
    }
    for (let x = 0; x < vw; x++) {
      const ux = mx[x];
      const uy = my[x];
      total += ssimTerm(ux, uy, exx[x] - ux * ux, eyy[x] - uy * uy, exy[x] - ux * uy);
    }
  }
  return total / (vw * vh);
}

function ssimTerm(mx: number, my: number, vx: number, vy: number, cov: number): number {
  return ((2 * mx * my + C1) * (2 * cov + C2)) / ((mx * mx + my * my + C1) * (vx + vy + C2));
}

function globalSsim(a: Float32Array, b: Float32Array): number {
  const n = a.length;
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += a[i];
    my += b[i];
  }
  mx /= n;
  my /= n;
  let vx = 0;
  let vy = 0;
  let cov = 0;
  for (let i = 0; i < n; i++) {
    vx += (a[i] - mx) ** 2;
    vy += (b[i] - my) ** 2;
    cov += (a[i] - mx) * (b[i] - my);
  }
  return ssimTerm(mx, my, vx / n, vy / n, cov / n);
}
