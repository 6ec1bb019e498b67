/**
 * Payloads of a hostile or broken server, generated lazily so that the test server itself stays small
 * while the client under test is offered gigabytes: PNGs whose header declares a huge image, and
 * WebSocket frames of any size sent one at a time.
 */
import * as zlib from 'node:zlib';
import { WebSocket } from 'ws';
import { pngChunk, PNG_SIGNATURE } from './imageGen';

export interface HugePng {
  width: number;
  height: number;
  /** Adam7 interlacing (a decoder needs the whole image before it can hand out rows). */
  interlaced?: boolean;
  /**
   * The full pixel data (all zeros) as a valid zlib stream, so the image decodes completely: a
   * decompression bomb of a few MB. Without it the IDAT holds only the first KiB of rows and ends early.
   */
  complete?: boolean;
}

const BYTES_PER_PIXEL = 4; // 8-bit RGBA: 32768² is exactly 4 GiB decoded
const ADAM7: [number, number, number, number][] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];
const IDAT_PIECE = 1024 * 1024;
const MAX_MATCH = 258;
/** Fixed-Huffman codes, bit-reversed for an LSB-first stream: literal 0 (8 bits), length 258 + distance 1 (8 + 5 bits), end of block (7 bits). */
const LIT0 = reverse(0x30, 8);
const MATCH = reverse(0xc5, 8);
const EOB = 0;

function reverse(code: number, bits: number): number {
  let r = 0;
  for (let i = 0; i < bits; i++) {
    r = (r << 1) | ((code >> i) & 1);
  }
  return r;
}

/** Bytes of the filtered scanlines (a filter byte per row), all zero. */
function rawLength(p: HugePng): number {
  const row = (cols: number) => 1 + cols * BYTES_PER_PIXEL;
  if (!p.interlaced) {
    return p.height * row(p.width);
  }
  let n = 0;
  for (const [x0, y0, dx, dy] of ADAM7) {
    const cols = p.width > x0 ? Math.ceil((p.width - x0) / dx) : 0;
    const rows = p.height > y0 ? Math.ceil((p.height - y0) / dy) : 0;
    if (cols > 0) {
      n += rows * row(cols);
    }
  }
  return n;
}

/** An LSB-first bit stream cut into pieces of ≤ 1 MiB (`ready`), for callers to hand out as they fill. */
class Bits {
  readonly ready: Buffer[] = [];
  private out = Buffer.alloc(IDAT_PIECE);
  private at = 0;
  private acc = 0;
  private bits = 0;

  put(value: number, count: number): void {
    this.acc |= value << this.bits;
    this.bits += count;
    while (this.bits >= 8) {
      this.out[this.at++] = this.acc & 0xff;
      this.acc >>>= 8;
      this.bits -= 8;
      if (this.at === this.out.length) {
        this.ready.push(this.out);
        this.out = Buffer.alloc(IDAT_PIECE);
        this.at = 0;
      }
    }
  }

  /** The whole bytes that `times` × `value` (`count` bits) would produce from the pending bits now, without writing them. */
  peek(value: number, count: number, times: number): Buffer {
    const bytes: number[] = [];
    let acc = this.acc;
    let bits = this.bits;
    for (let i = 0; i < times; i++) {
      acc |= value << bits;
      bits += count;
      for (; bits >= 8; bits -= 8, acc >>>= 8) {
        bytes.push(acc & 0xff);
      }
    }
    return Buffer.from(bytes);
  }

  /** Appends `pattern` × `times` as whole bytes; for a pattern that leaves the pending bits as they were. */
  repeat(pattern: Buffer, times: number): void {
    let left = pattern.length * times;
    let phase = 0;
    while (left > 0) {
      const n = Math.min(left, this.out.length - this.at);
      const rotated = phase === 0 ? pattern : Buffer.concat([pattern.subarray(phase), pattern.subarray(0, phase)]);
      this.out.fill(rotated, this.at, this.at + n);
      this.at += n;
      left -= n;
      phase = (phase + n) % pattern.length;
      if (this.at === this.out.length) {
        this.ready.push(this.out);
        this.out = Buffer.alloc(IDAT_PIECE);
        this.at = 0;
      }
    }
  }

  /** Pads to a byte boundary. */
  align(): void {
    if (this.bits > 0) {
      this.put(0, 8 - this.bits);
    }
  }

  end(): void {
    if (this.at > 0) {
      this.ready.push(this.out.subarray(0, this.at));
    }
  }
}

/**
 * A zlib stream of `n` zero bytes, written directly (one fixed-Huffman block: a literal 0, then matches of
 * 258 at distance 1) so that gigabytes cost well under a second and never exist in memory.
 */
function* zerosZlib(n: number): Generator<Buffer> {
  const w = new Bits();
  w.put(0x78, 8);
  w.put(0x01, 8);
  w.put(0b011, 3); // BFINAL=1, BTYPE=01 (fixed Huffman)
  let left = n;
  if (left > 0) {
    w.put(LIT0, 8);
    left--;
  }
  // Eight 13-bit matches fill 13 whole bytes; once the pending bits are a match's tail, every such period is the same.
  const period = (k: number) => {
    for (let i = 0; i < k && left >= MAX_MATCH; i++, left -= MAX_MATCH) {
      w.put(MATCH, 13);
    }
  };
  period(8);
  const pattern = w.peek(MATCH, 13, 8);
  const batch = Math.floor(IDAT_PIECE / pattern.length);
  while (left >= 8 * MAX_MATCH) {
    const times = Math.min(batch, Math.floor(left / (8 * MAX_MATCH)));
    w.repeat(pattern, times);
    left -= times * 8 * MAX_MATCH;
    yield* w.ready.splice(0);
  }
  period(8);
  for (; left > 0; left--) {
    w.put(LIT0, 8);
  }
  w.put(EOB, 7);
  w.align();
  // Adler-32 of n zeros, big-endian: a stays 1, b = n mod 65521.
  const b = n % 65521;
  for (const byte of [b >>> 8, b & 0xff, 0, 1]) {
    w.put(byte, 8);
  }
  w.end();
  yield* w.ready.splice(0);
}

/** The PNG's chunks in order; IDAT split into pieces of ≤ 1 MiB (a PNG may have any number of IDAT chunks). */
export function* hugePng(p: HugePng): Generator<Buffer> {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(p.width, 0);
  ihdr.writeUInt32BE(p.height, 4);
  ihdr.set([8, 6, 0, 0, p.interlaced ? 1 : 0], 8);
  yield Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', ihdr)]);
  const n = rawLength(p);
  if (p.complete) {
    for (const piece of zerosZlib(n)) {
      yield pngChunk('IDAT', piece);
    }
  } else {
    yield pngChunk('IDAT', zlib.deflateSync(Buffer.alloc(Math.min(n, 1024))));
  }
  yield pngChunk('IEND', Buffer.alloc(0));
}

/** Byte length of hugePng(p) without generating it (for Content-Length). */
export function hugePngLength(p: HugePng): number {
  const head = 8 + 12 + 13;
  const tail = 12;
  if (!p.complete) {
    return head + 12 + zlib.deflateSync(Buffer.alloc(Math.min(rawLength(p), 1024))).length + tail;
  }
  const n = rawLength(p);
  const matches = n > 0 ? Math.floor((n - 1) / MAX_MATCH) : 0;
  const literals = n > 0 ? 1 + ((n - 1) % MAX_MATCH) : 0;
  const z = 2 + Math.ceil((3 + 8 * literals + 13 * matches + 7) / 8) + 4;
  return head + z + 12 * Math.ceil(z / IDAT_PIECE) + tail;
}

export interface Flood {
  /** Bytes of each binary frame (a preview image padded with zeros). */
  bytes: number;
  count: number;
}

/**
 * Sends `count` copies of one frame of `bytes` bytes (`head`, then zero padding) to each socket, one at a
 * time: the next goes once the previous one was handed to the kernel, so the server holds a single frame.
 */
export async function flood(sockets: WebSocket[], head: Buffer, f: Flood, binary = true): Promise<void> {
  const frame = Buffer.alloc(Math.max(f.bytes, head.length));
  head.copy(frame);
  for (let i = 0; i < f.count; i++) {
    for (const ws of sockets) {
      if (ws.readyState !== WebSocket.OPEN) {
        continue;
      }
      await new Promise<void>((resolve) => ws.send(frame, { binary }, () => resolve()));
    }
  }
}

/**
 * A text frame of `bytes` bytes: a `progress_state` of a prompt nobody here posted (as ComfyUI broadcasts
 * for a prompt without client_id), its `nodes` padded with one long string.
 */
export function foreignProgressFrame(bytes: number, promptId: string): Buffer {
  const head = JSON.stringify({ type: 'progress_state', data: { prompt_id: promptId, nodes: { pad: '' } } });
  const pad = Math.max(0, bytes - head.length);
  return Buffer.from(head.replace('"pad":""', `"pad":"${'x'.repeat(pad)}"`));
}
