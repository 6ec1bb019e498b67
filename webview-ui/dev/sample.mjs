// A sample run for the preview harness: the motivating 20/40/60-steps study, caught mid-run, with
// every cell state represented. Images are drawn with pngjs so the harness needs no fixtures.
import { PNG } from 'pngjs';

const PROMPT =
  'A photorealistic portrait of a young East Asian woman wearing a light blue linen shirt, standing in front of a sunlit bamboo forest, soft focus background, Fujifilm XT4, 85mm f/1.2';

/** A soft landscape-ish gradient; `k` varies the palette, `detail` the amount of texture. */
export function samplePng(size, k, detail) {
  const png = new PNG({ width: size, height: size });
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const u = x / size;
      const v = y / size;
      const i = (y * size + x) * 4;
      const wave = Math.sin(u * 40 * detail + Math.sin(v * 9) * 3) * 18 * detail;
      const sky = v < 0.45;
      png.data[i] = sky ? 150 + 80 * u + k * 10 : 60 + 50 * v + wave;
      png.data[i + 1] = sky ? 190 + 40 * v : 120 + 70 * (1 - v) + wave + k * 6;
      png.data[i + 2] = sky ? 235 - k * 12 : 70 + 30 * u;
      png.data[i + 3] = 255;
    }
  }
  // A figure in the middle, so the images look like portraits rather than wallpaper.
  for (let y = Math.floor(size * 0.3); y < size; y++) {
    for (let x = 0; x < size; x++) {
      const dx = (x - size / 2) / size;
      const head = dx ** 2 + ((y - size * 0.36) / size) ** 2 < 0.006;
      const body = y > size * 0.47 && Math.abs(dx) < 0.08 + (y / size - 0.47) * 0.5;
      if (!head && !body) continue;
      const i = (y * size + x) * 4;
      png.data[i] = head ? 226 : 150 + k * 8;
      png.data[i + 1] = head ? 190 : 190;
      png.data[i + 2] = head ? 160 : 230;
    }
  }
  return PNG.sync.write(png);
}

const timing = (executionMs, extra = {}) => ({
  executionMs,
  queueWaitMs: 12,
  samplingMs: executionMs - 6200,
  itPerSec: undefined,
  nodes: [
    { node: '1', classType: 'UNETLoader', ms: extra.cold ? 9100 : 0 },
    { node: '6', classType: 'CLIPTextEncode', ms: 420 },
    { node: '3', classType: 'KSampler', ms: executionMs - 6200 },
    { node: '8', classType: 'VAEDecode', ms: 3900 },
    { node: '9', classType: 'SaveImage', ms: 180 },
  ].filter((n) => n.ms > 0),
  cachedNodes: [],
  cold: false,
  cached: false,
  peakVramBytes: 18.4 * 1024 ** 3 + executionMs * 1000,
  peakTorchVramBytes: 17.1 * 1024 ** 3,
  clientWallMs: executionMs + 240,
  ...extra,
});

/** Returns the record and the images to write into the run folder. */
export function sampleRun() {
  const seed = 123456789;
  const plan = [
    // [steps, repeat, status, executionMs, extra]
    [20, 0, 'success', 67400, { cold: true }],
    [20, 1, 'success', 58100],
    [20, 2, 'success', 58600],
    [40, 0, 'success', 143900],
    [40, 1, 'success', 142700],
    [40, 2, 'cached', 1],
    [60, 0, 'success', 258300],
    [60, 1, 'running'],
    [60, 2, 'queued'],
  ];
  const images = {};
  const cells = plan.map(([steps, repeat, status, ms, extra], idx) => {
    const key = `steps=${steps}#r${repeat}`;
    const cell = { key, axes: { steps }, column: `${steps} steps`, repeat, seed: seed + repeat, status, images: [] };
    if (status === 'success' || status === 'cached') {
      const file = `steps-${steps}_r${repeat}.png`;
      images[file] = samplePng(384, repeat, steps / 60);
      cell.images.push({ file, sha256: 'f'.repeat(64), bytes: images[file].length, width: 1024, height: 1024 });
      cell.timings =
        status === 'cached'
          ? { ...timing(1), cached: true, nodes: [], samplingMs: undefined, peakVramBytes: undefined }
          : timing(ms, { ...extra, itPerSec: (steps - 1) / ((ms - 6200) / 1000) });
      cell.promptId = `00000000-0000-4000-8000-00000000000${idx}`;
    }
    return cell;
  });
  const record = {
    format: 'qwenprompt-run',
    version: 1,
    id: '2025-11-26T10-41-07_bamboo-portrait',
    createdAt: '2025-11-26T10:41:07.000Z',
    status: 'running',
    spec: {
      file: 'examples/bamboo.qwenprompt',
      name: 'bamboo portrait',
      id: 'bamboo-portrait',
      resolved: {
        name: 'bamboo portrait',
        model: 'qwen-image-2512',
        prompt: PROMPT,
        negative: 'deformed, blurry, low quality, text, watermark, extra limbs, disfigured',
        seed,
        width: 1024,
        height: 1024,
        sampler: 'dpmpp_2m',
        scheduler: 'karras',
        cfg: 7,
        denoise: 1,
        steps: [20, 40, 60],
        repeats: 3,
        models: { unet: 'qwen_image_2512_fp8_e4m3fn.safetensors' },
      },
    },
    server: { url: 'http://127.0.0.1:8188', comfyuiVersion: '0.3.75', gpu: 'NVIDIA GeForce RTX 4090', vramTotalBytes: 24 * 1024 ** 3 },
    cells,
    stats: [],
    ratings: [],
  };
  return { record, images };
}

/** The same study with every cell finished, one failed, one cancelled and one lost. */
export function finishedRun() {
  const { record, images } = sampleRun();
  const cells = record.cells.map((c) => {
    if (c.key === 'steps=60#r1') {
      const file = 'steps-60_r1.png';
      images[file] = samplePng(384, 1, 1);
      return {
        ...c,
        status: 'success',
        images: [{ file, sha256: 'e'.repeat(64), bytes: 1, width: 1024, height: 1024 }],
        timings: timing(257100, { itPerSec: 59 / 250.9 }),
      };
    }
    if (c.key === 'steps=60#r2') return { ...c, status: 'error', error: 'KSampler: CUDA out of memory. Tried to allocate 2.00 GiB.' };
    return c;
  });
  return { record: { ...record, status: 'partial', finishedAt: '2025-11-26T10:58:40.000Z', cells }, images };
}

/** A finished sweep: steps × cfg, one repeat, for the chart's legend and a wider grid. */
export function sweepRun() {
  const { record, images } = sampleRun();
  const cells = [];
  for (const cfg of [6.5, 7]) {
    for (const steps of [20, 40, 60]) {
      const file = `steps-${steps}_cfg-${cfg}.png`;
      images[file] = samplePng(256, cfg === 7 ? 2 : 0, steps / 60);
      const ms = steps * steps * 40 + steps * 2200 + (cfg === 7 ? 3000 : 0);
      cells.push({
        key: `steps=${steps},cfg=${cfg}#r0`,
        axes: { steps, cfg },
        column: `${steps} steps · cfg ${cfg}`,
        repeat: 0,
        seed: 123456789,
        status: 'success',
        images: [{ file, sha256: 'a'.repeat(64), bytes: 1, width: 1024, height: 1024 }],
        timings: timing(ms, { itPerSec: (steps - 1) / ((ms - 6200) / 1000) }),
      });
    }
  }
  return { record: { ...record, status: 'complete', cells, stats: [] }, images };
}

/** A 3×3×2 sweep (steps × cfg × sampler, two seeds) for the grid layout screenshots. */
export function cubeRun() {
  const { record } = sampleRun();
  const images = {};
  const cells = [];
  const samplers = ['dpmpp_2m', 'euler', 'euler_ancestral'];
  for (let r = 0; r < 2; r++)
    for (const steps of [20, 40])
      for (const cfg of [6, 6.5, 7])
        for (const [si, sampler] of samplers.entries()) {
          const file = `s${steps}-c${cfg}-${sampler}-r${r}.png`;
          images[file] = samplePng(128, si + r * 3, steps / 40);
          cells.push({
            key: `steps=${steps},cfg=${cfg},sampler=${sampler}#r${r}`,
            axes: { steps, cfg, sampler },
            column: `${steps} steps · cfg ${cfg} · ${sampler}`,
            repeat: r,
            seed: 123456789 + r,
            status: 'success',
            images: [{ file, sha256: 'a'.repeat(64), bytes: 1, width: 1024, height: 1024 }],
            timings: timing(steps * 2900 + cfg * 300 + si * 800),
          });
        }
  return { record: { ...record, status: 'complete', cells, stats: [] }, images };
}
