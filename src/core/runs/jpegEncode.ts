// A baseline JPEG encoder for grid thumbnails (4:4:4, the standard Huffman tables of ITU T.81 Annex K, AAN
// float DCT). Its tables are built once per quality, not on every image as jpeg-js's encoder does (≈27 ms of
// a 384² thumbnail's ≈47 ms), and it reads the float planes the resize makes, so no RGBA copy is built.
import type { RgbPlanes } from '../convergence/pixels';

const ZIGZAG = [
  0, 1, 5, 6, 14, 15, 27, 28, 2, 4, 7, 13, 16, 26, 29, 42, 3, 8, 12, 17, 25, 30, 41, 43, 9, 11, 18, 24, 31, 40, 44, 53, 10, 19, 23, 32, 39,
  45, 52, 54, 20, 22, 33, 38, 46, 51, 55, 60, 21, 34, 37, 47, 50, 56, 59, 61, 35, 36, 48, 49, 57, 58, 62, 63,
];
/** Annex K quantization tables, natural order. */
const LUM_Q = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51, 87, 80, 62, 18, 22,
  37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101, 72, 92, 95, 98, 112, 100, 103, 99,
];
const CHR_Q = [
  17,
  18,
  24,
  47,
  99,
  99,
  99,
  99,
  18,
  21,
  26,
  66,
  99,
  99,
  99,
  99,
  24,
  26,
  56,
  99,
  99,
  99,
  99,
  99,
  47,
  66,
  99,
  99,
  99,
  99,
  99,
  99,
  ...Array<number>(32).fill(99),
];
const AASF = [1.0, 1.387039845, 1.306562965, 1.175875602, 1.0, 0.785694958, 0.5411961, 0.275899379];

/** Annex K Huffman tables: code counts per length 1–16, then the symbols. */
const DC_LUM = { bits: [0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], vals: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] };
const DC_CHR = { bits: [0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], vals: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11] };
const AC_LUM = {
  bits: [0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d],
  vals: hex(
    '01020300041105122131410613516107227114328191a1082342b1c11552d1f02433627282090a161718191a25262728292a3435363738393a434445464748494a535455565758595a636465666768696a737475767778797a838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae1e2e3e4e5e6e7e8e9eaf1f2f3f4f5f6f7f8f9fa',
  ),
};
const AC_CHR = {
  bits: [0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77],
  vals: hex(
    '000102031104052131061241510761711322328108144291a1b1c109233352f0156272d10a162434e125f11718191a262728292a35363738393a434445464748494a535455565758595a636465666768696a737475767778797a82838485868788898a92939495969798999aa2a3a4a5a6a7a8a9aab2b3b4b5b6b7b8b9bac2c3c4c5c6c7c8c9cad2d3d4d5d6d7d8d9dae2e3e4e5e6e7e8e9eaf2f3f4f5f6f7f8f9fa',
  ),
};

function hex(s: string): number[] {
  return Array.from({ length: s.length / 2 }, (_, i) => parseInt(s.slice(2 * i, 2 * i + 2), 16));
}

interface Huffman {
  code: Uint16Array;
  len: Uint8Array;
}

function huffman(t: { bits: number[]; vals: number[] }): Huffman {
  const code = new Uint16Array(256);
  const len = new Uint8Array(256);
  let c = 0;
  let k = 0;
  for (let l = 1; l <= 16; l++) {
    for (let j = 0; j < t.bits[l - 1]; j++, k++, c++) {
      code[t.vals[k]] = c;
      len[t.vals[k]] = l;
    }
    c <<= 1;
  }
  return { code, len };
}

const HUFF = { dcLum: huffman(DC_LUM), acLum: huffman(AC_LUM), dcChr: huffman(DC_CHR), acChr: huffman(AC_CHR) };

interface Tables {
  /** Quantizers in zigzag order, as DQT writes them. */
  lumZ: number[];
  chrZ: number[];
  /** 1 / (quantizer × AAN scale × 8), natural order: the DCT's output times this is the quantized value. */
  lumF: Float64Array;
  chrF: Float64Array;
}

const tablesByQuality = new Map<number, Tables>();

function tables(quality: number): Tables {
  let t = tablesByQuality.get(quality);
  if (t) return t;
  const q = Math.min(100, Math.max(1, Math.round(quality)));
  const sf = q < 50 ? Math.floor(5000 / q) : Math.floor(200 - q * 2);
  const scale = (std: number[]) => std.map((v) => Math.min(255, Math.max(1, Math.floor((v * sf + 50) / 100))));
  const lum = scale(LUM_Q);
  const chr = scale(CHR_Q);
  const zig = (nat: number[]) => {
    const z = new Array<number>(64);
    nat.forEach((v, i) => (z[ZIGZAG[i]] = v));
    return z;
  };
  const fdiv = (nat: number[]) => Float64Array.from(nat, (v, i) => 1 / (v * AASF[i >> 3] * AASF[i & 7] * 8));
  t = { lumZ: zig(lum), chrZ: zig(chr), lumF: fdiv(lum), chrF: fdiv(chr) };
  tablesByQuality.set(quality, t);
  return t;
}

class BitWriter {
  buf = new Uint8Array(1 << 16);
  n = 0;
  #acc = 0;
  #bits = 0;

  byte(b: number): void {
    if (this.n === this.buf.length) {
      const bigger = new Uint8Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = b;
  }

  bytes(bs: number[]): void {
    for (const b of bs) this.byte(b);
  }

  write(value: number, length: number): void {
    this.#acc = (this.#acc << length) | (value & ((1 << length) - 1));
    this.#bits += length;
    while (this.#bits >= 8) {
      const b = (this.#acc >> (this.#bits - 8)) & 255;
      this.byte(b);
      if (b === 0xff) this.byte(0); // byte stuffing
      this.#bits -= 8;
    }
    this.#acc &= (1 << this.#bits) - 1;
  }

  /** Pads the last byte with 1 bits. */
  flush(): void {
    if (this.#bits > 0) this.write((1 << (8 - this.#bits)) - 1, 8 - this.#bits);
  }
}

/** The forward DCT of an 8×8 block (AAN, in place, rows then columns), quantized into `out` in zigzag order. */
function fdctQuant(d: Float64Array, fdiv: Float64Array, out: Int32Array): void {
  for (let pass = 0; pass < 2; pass++) {
    const step = pass === 0 ? 1 : 8;
    const next = pass === 0 ? 8 : 1;
    for (let k = 0; k < 8; k++) {
      const o = k * next;
      const i0 = o, i1 = o + step, i2 = o + 2 * step, i3 = o + 3 * step, i4 = o + 4 * step, i5 = o + 5 * step, i6 = o + 6 * step, i7 = o + 7 * step; // prettier-ignore
      const t0 = d[i0] + d[i7], t7 = d[i0] - d[i7], t1 = d[i1] + d[i6], t6 = d[i1] - d[i6]; // prettier-ignore
      const t2 = d[i2] + d[i5], t5 = d[i2] - d[i5], t3 = d[i3] + d[i4], t4 = d[i3] - d[i4]; // prettier-ignore
      const t10 = t0 + t3, t13 = t0 - t3, t11 = t1 + t2, t12 = t1 - t2; // prettier-ignore
      d[i0] = t10 + t11;
      d[i4] = t10 - t11;
      const z1 = (t12 + t13) * 0.707106781;
      d[i2] = t13 + z1;
      d[i6] = t13 - z1;
      const o10 = t4 + t5, o11 = t5 + t6, o12 = t6 + t7; // prettier-ignore
      const z5 = (o10 - o12) * 0.382683433;
      const z2 = 0.5411961 * o10 + z5;
      const z4 = 1.306562965 * o12 + z5;
      const z3 = o11 * 0.707106781;
      const z11 = t7 + z3, z13 = t7 - z3; // prettier-ignore
      d[i5] = z13 + z2;
      d[i3] = z13 - z2;
      d[i1] = z11 + z4;
      d[i7] = z11 - z4;
    }
  }
  for (let i = 0; i < 64; i++) out[ZIGZAG[i]] = Math.round(d[i] * fdiv[i]);
}

function category(v: number): number {
  let a = v < 0 ? -v : v;
  let n = 0;
  while (a) {
    n++;
    a >>= 1;
  }
  return n;
}

function encodeBlock(w: BitWriter, zz: Int32Array, prevDc: number, dc: Huffman, ac: Huffman): number {
  const diff = zz[0] - prevDc;
  const cat = category(diff);
  w.write(dc.code[cat], dc.len[cat]);
  if (cat) w.write(diff < 0 ? diff - 1 : diff, cat);
  let last = 63;
  while (last > 0 && zz[last] === 0) last--;
  let run = 0;
  for (let i = 1; i <= last; i++) {
    const v = zz[i];
    if (v === 0) {
      run++;
      continue;
    }
    for (; run >= 16; run -= 16) w.write(ac.code[0xf0], ac.len[0xf0]);
    const c = category(v);
    const sym = (run << 4) | c;
    w.write(ac.code[sym], ac.len[sym]);
    w.write(v < 0 ? v - 1 : v, c);
    run = 0;
  }
  if (last < 63) w.write(ac.code[0], ac.len[0]);
  return zz[0];
}

/** A baseline JFIF of the planes (values 0–255). */
export function encodeJpegPlanes(img: RgbPlanes, quality: number): Buffer {
  const { width, height, r, g, b } = img;
  const t = tables(quality);
  const w = new BitWriter();
  const seg = (marker: number, body: number[]) => w.bytes([0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body]);
  w.bytes([0xff, 0xd8]);
  seg(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0]);
  seg(0xdb, [0, ...t.lumZ, 1, ...t.chrZ]);
  seg(0xc0, [8, height >> 8, height & 255, width >> 8, width & 255, 3, 1, 0x11, 0, 2, 0x11, 1, 3, 0x11, 1]);
  seg(0xc4, [
    0x00,
    ...DC_LUM.bits,
    ...DC_LUM.vals,
    0x10,
    ...AC_LUM.bits,
    ...AC_LUM.vals,
    0x01,
    ...DC_CHR.bits,
    ...DC_CHR.vals,
    0x11,
    ...AC_CHR.bits,
    ...AC_CHR.vals,
  ]);
  seg(0xda, [3, 1, 0x00, 2, 0x11, 3, 0x11, 0, 0x3f, 0]);
  const Y = new Float64Array(64);
  const U = new Float64Array(64);
  const V = new Float64Array(64);
  const zz = new Int32Array(64);
  let dcY = 0;
  let dcU = 0;
  let dcV = 0;
  for (let by = 0; by < height; by += 8) {
    for (let bx = 0; bx < width; bx += 8) {
      for (let k = 0; k < 64; k++) {
        // Edge blocks repeat the last row and column.
        const p = Math.min(by + (k >> 3), height - 1) * width + Math.min(bx + (k & 7), width - 1);
        const R = r[p];
        const G = g[p];
        const B = b[p];
        Y[k] = 0.299 * R + 0.587 * G + 0.114 * B - 128;
        U[k] = -0.16874 * R - 0.33126 * G + 0.5 * B;
        V[k] = 0.5 * R - 0.41869 * G - 0.08131 * B;
      }
      fdctQuant(Y, t.lumF, zz);
      dcY = encodeBlock(w, zz, dcY, HUFF.dcLum, HUFF.acLum);
      fdctQuant(U, t.chrF, zz);
      dcU = encodeBlock(w, zz, dcU, HUFF.dcChr, HUFF.acChr);
      fdctQuant(V, t.chrF, zz);
      dcV = encodeBlock(w, zz, dcV, HUFF.dcChr, HUFF.acChr);
    }
  }
  w.flush();
  w.bytes([0xff, 0xd9]);
  return Buffer.from(w.buf.buffer, 0, w.n);
}
