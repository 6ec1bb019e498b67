/**
 * Pictures the test server "samples": a smooth picture chosen by seed and prompt text, plus noise whose
 * amplitude falls with the step count, so longer runs converge (40 vs 60 steps differ far less than 20 vs 60).
 * Encoded as real PNGs with ComfyUI's tEXt chunks.
 */
import * as zlib from 'node:zlib';

export interface PictureParams {
  width: number;
  height: number;
  seed: number;
  steps: number;
  text: string;
  /** Every other input the picture came from (sampler, cfg, scheduler, LoRA, decoder, split…): a tint and a grain of its own, so settings differ but the seed keeps the composition. */
  look?: string;
}

/** 32-bit FNV-1a: turns seeds (up to 2^64) and texts into PRNG seeds. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function mulberry32(a: number): () => number {
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Per-pixel noise in [-1, 1) from integer coordinates and a key. */
function pixelNoise(x: number, y: number, key: number): number {
  let h = Math.imul(x, 0x27d4eb2d) ^ Math.imul(y, 0x165667b1) ^ key;
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return ((h ^ (h >>> 16)) >>> 0) / 2147483648 - 1;
}

/** RGBA pixels of the picture after `steps` steps (steps ≥ 1). */
export function renderPicture(p: PictureParams): Buffer {
  const rnd = mulberry32(hash32(`${p.seed}|${p.text}`));
  const colour = () => [40 + rnd() * 200, 40 + rnd() * 200, 40 + rnd() * 200];
  const top = colour();
  const bottom = colour();
  const blobs = Array.from({ length: 3 }, () => ({ cx: rnd(), cy: rnd(), r: 0.1 + rnd() * 0.25, c: colour() }));
  const seedKey = hash32(String(p.seed));
  const stepKey = hash32(`${p.seed}:${p.steps}:${p.look ?? ''}`);
  const lookKey = hash32(p.look ?? '');
  const tint = p.look ? [0, 8, 16].map((shift) => (((lookKey >>> shift) & 0xff) / 255 - 0.5) * 24) : [0, 0, 0];
  const steps = Math.max(1, p.steps);
  // Seed noise fades like 1/steps (convergence), step-dependent jitter like 1/steps² (sampler differences).
  const a1 = 600 / steps;
  const a2 = 6000 / (steps * steps);
  const w = p.width;
  const h = p.height;
  // Smooth picture first (gradient, then blobs inside their bounding boxes), noise last: fast at 1024².
  const base = new Float32Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const v = y / h;
    const r = top[0] + (bottom[0] - top[0]) * v;
    const g = top[1] + (bottom[1] - top[1]) * v;
    const b = top[2] + (bottom[2] - top[2]) * v;
    for (let i = y * w * 3, end = i + w * 3; i < end; i += 3) {
      base[i] = r;
      base[i + 1] = g;
      base[i + 2] = b;
    }
  }
  for (const blob of blobs) {
    const x0 = Math.max(0, Math.floor((blob.cx - blob.r) * w));
    const x1 = Math.min(w, Math.ceil((blob.cx + blob.r) * w));
    const y0 = Math.max(0, Math.floor((blob.cy - blob.r) * h));
    const y1 = Math.min(h, Math.ceil((blob.cy + blob.r) * h));
    for (let y = y0; y < y1; y++) {
      const dy = (y / h - blob.cy) / blob.r;
      for (let x = x0; x < x1; x++) {
        const dx = (x / w - blob.cx) / blob.r;
        const d = Math.sqrt(dx * dx + dy * dy);
        if (d >= 1) {
          continue;
        }
        const k = 1 - d * d * (3 - 2 * d);
        const i = (y * w + x) * 3;
        base[i] += (blob.c[0] - base[i]) * k;
        base[i + 1] += (blob.c[1] - base[i + 1]) * k;
        base[i + 2] += (blob.c[2] - base[i + 2]) * k;
      }
    }
  }
  const out = Buffer.alloc(w * h * 4);
  const px = new Uint8ClampedArray(out.buffer, out.byteOffset, out.length);
  for (let y = 0, j = 0, i = 0; y < h; y++) {
    for (let x = 0; x < w; x++, j += 3, i += 4) {
      const n = pixelNoise(x, y, seedKey) * a1 + pixelNoise(x, y, stepKey) * a2;
      px[i] = base[j] + n + tint[0];
      px[i + 1] = base[j + 1] + n * 0.9 + tint[1];
      px[i + 2] = base[j + 2] + n * 1.1 + tint[2];
      px[i + 3] = 255;
    }
  }
  return out;
}

/** Python json.dumps(): ", " / ": " separators and non-ASCII escaped, as ComfyUI writes PNG text chunks. */
export function pyJsonDumps(v: unknown): string {
  const ascii = (s: string) => s.replace(/[\u007f-\uffff]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
  const enc = (x: unknown): string => {
    if (x === null || x === undefined) {
      return 'null';
    }
    if (Array.isArray(x)) {
      return '[' + x.map(enc).join(', ') + ']';
    }
    if (typeof x === 'object') {
      return (
        '{' +
        Object.entries(x as Record<string, unknown>)
          .map(([k, y]) => `${ascii(JSON.stringify(k))}: ${enc(y)}`)
          .join(', ') +
        '}'
      );
    }
    return typeof x === 'string' ? ascii(JSON.stringify(x)) : JSON.stringify(x);
  };
  return enc(v);
}

export const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** One PNG chunk: length, type, data, CRC. */
export function pngChunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'latin1');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(Buffer.concat([head.subarray(4), data])) >>> 0, 0);
  return Buffer.concat([head, data, crc]);
}

/** RGB PNG (like ComfyUI's) with one tEXt chunk per entry, right after IHDR. Written directly (filter 0 rows, one
 * zlib stream) because a pure-JS encoder takes too long for 1024² pictures on a busy machine. */
export function encodePng(rgba: Buffer, width: number, height: number, text: [string, string][] = [], deflateLevel = 1): Buffer {
  const rows = Buffer.alloc((width * 3 + 1) * height);
  for (let y = 0, o = 0, i = 0; y < height; y++) {
    rows[o++] = 0;
    for (let x = 0; x < width; x++, i += 4) {
      rows[o++] = rgba[i];
      rows[o++] = rgba[i + 1];
      rows[o++] = rgba[i + 2];
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr),
    ...text.map(([k, v]) => pngChunk('tEXt', Buffer.from(`${k}\0${v}`, 'latin1'))),
    pngChunk('IDAT', zlib.deflateSync(rows, { level: deflateLevel })),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Scales (w, h) down so that the longer side is at most `max`. */
export function fitSize(w: number, h: number, max: number): [number, number] {
  const s = Math.min(1, max / Math.max(w, h));
  return [Math.max(1, Math.round(w * s)), Math.max(1, Math.round(h * s))];
}
