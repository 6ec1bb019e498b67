/**
 * Convergence scoring cost per 1024×1024 pair (target ≤ 50 ms for the scoring itself): the test
 * server's pictures at 20 and 60 steps, encoded as ComfyUI-like PNGs, then decoded and scored as the
 * runner does. Prints a table; never asserts (timings on a shared machine are noisy).
 *
 *   npx tsc -p tsconfig.test.json && node out/bench/convergence.js [iterations]
 */
import { meanDeltaE76, toLab } from '../src/core/convergence/colour';
import { luminance, resizeArea, workingSize } from '../src/core/convergence/pixels';
import { decodePng, prepare, scorePrepared } from '../src/core/convergence/score';
import { ssim } from '../src/core/convergence/ssim';
import { encodePng, renderPicture } from '../test/fakes/imageGen';
import { textTable } from '../src/shared/format';

const SIZE = 1024;
const TARGET_MS = 50;
const iterations = Number(process.argv[2] ?? 15);

function picture(steps: number): Uint8Array {
  const rgba = renderPicture({ width: SIZE, height: SIZE, seed: 123456789, steps, text: 'bench' });
  return encodePng(rgba, SIZE, SIZE, [], 6);
}

/** CPU time of this thread's process, ms: on a shared machine wall time mostly measures the neighbours. */
function time(fn: () => void): number {
  const t = process.cpuUsage();
  fn();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

const pngA = picture(20);
const pngB = picture(60);
const imgA = decodePng(pngA);
const imgB = decodePng(pngB);
const ws = workingSize(SIZE, SIZE);
const rows: Record<string, number[]> = { decode: [], resize: [], lab: [], ssim: [], deltaE: [], score: [], total: [] };
let last = { ssim: 0, deltaE: 0 };
for (let i = 0; i < iterations + 2; i++) {
  const keep = i >= 2; // two warm-up rounds for the JIT
  const d = time(() => void decodePng(pngA)) + time(() => void decodePng(pngB));
  const pa = resizeArea(imgA, ws.width, ws.height);
  const pb = resizeArea(imgB, ws.width, ws.height);
  const r = time(() => void resizeArea(imgA, ws.width, ws.height)) * 2;
  const la = luminance(pa);
  const lb = luminance(pb);
  const s = time(() => void ssim(la, lb, ws.width, ws.height));
  const a = prepare(imgA);
  const b = prepare(imgB);
  const lab = time(() => void toLab(pa)) * 2;
  const e = time(() => void meanDeltaE76(a.lab, b.lab));
  const sc = time(() => void (last = scorePrepared(prepare(imgA), prepare(imgB))));
  if (keep) {
    rows.decode.push(d);
    rows.resize.push(r);
    rows.ssim.push(s);
    rows.lab.push(lab);
    rows.deltaE.push(e);
    rows.score.push(sc);
    rows.total.push(d + sc);
  }
}

const what: Record<string, string> = {
  decode: 'PNG decode of both (pngjs)',
  resize: `area resize of both to ${ws.width}×${ws.height}`,
  lab: 'sRGB → CIELAB of both',
  ssim: 'SSIM (Gaussian 11×11, separable)',
  deltaE: 'mean ΔE76 (Lab already made)',
  score: 'scoring a decoded pair (resize, Lab, SSIM, ΔE)',
  total: 'decode + scoring',
};
console.log(
  `Convergence scoring, ${SIZE}×${SIZE} pair (20 vs 60 steps: SSIM ${last.ssim.toFixed(4)}, ΔE ${last.deltaE.toFixed(2)}), ${iterations} rounds\n`,
);
console.log(
  textTable(
    [{ header: 'stage' }, { header: 'median ms', align: 'right' }, { header: 'max ms', align: 'right' }, { header: 'target' }],
    Object.entries(rows).map(([k, xs]) => [
      what[k],
      median(xs).toFixed(1),
      Math.max(...xs).toFixed(1),
      k === 'score' ? `≤ ${TARGET_MS} ms: ${median(xs) <= TARGET_MS ? 'ok' : 'MISSED'}` : '',
    ]),
  ),
);
