// PNG text chunks (tEXt, zTXt, iTXt): where ComfyUI's SaveImage puts the graph it ran (`prompt`,
// API format) and the editor's graph (`workflow`). A reader of the chunk list, no pixel decoding.
import { inflateSync } from 'node:zlib';

const SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

export class NotPngError extends Error {
  constructor(what = 'The file is not a PNG image.') {
    super(what);
    this.name = 'NotPngError';
  }
}

const latin1 = (b: Uint8Array) => Array.from(b, (c) => String.fromCharCode(c)).join('');
const utf8 = (b: Uint8Array) => new TextDecoder('utf-8').decode(b);

/**
 * Every text chunk of a PNG as keyword → text (first one wins for a repeated keyword). tEXt is
 * Latin-1 by the spec, but ComfyUI writes UTF-8 JSON into it, so it is read as UTF-8 when valid.
 * A damaged compressed chunk is skipped; a truncated file keeps what came before the damage.
 */
export function readPngText(bytes: Uint8Array): Map<string, string> {
  if (bytes.length < 8 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new NotPngError();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Map<string, string>();
  for (let at = 8; at + 12 <= bytes.length;) {
    const length = view.getUint32(at);
    const type = latin1(bytes.subarray(at + 4, at + 8));
    const start = at + 8;
    if (start + length > bytes.length) break;
    const data = bytes.subarray(start, start + length);
    at = start + length + 4;
    if (type === 'IEND') break;
    if (type !== 'tEXt' && type !== 'zTXt' && type !== 'iTXt') continue;
    const nul = data.indexOf(0);
    if (nul <= 0) continue;
    const keyword = latin1(data.subarray(0, nul));
    try {
      const text = decodeChunk(type, data.subarray(nul + 1));
      if (text !== undefined && !out.has(keyword)) out.set(keyword, text);
    } catch {
      // A corrupt compressed chunk: the other chunks are still worth reading.
    }
  }
  return out;
}

function decodeChunk(type: string, rest: Uint8Array): string | undefined {
  if (type === 'tEXt') return utf8OrLatin1(rest);
  if (type === 'zTXt') return rest[0] === 0 ? utf8OrLatin1(inflateSync(rest.subarray(1))) : undefined;
  // iTXt: compression flag, method, language tag\0, translated keyword\0, UTF-8 text.
  const compressed = rest[0] === 1;
  const lang = rest.indexOf(0, 2);
  const translated = lang < 0 ? -1 : rest.indexOf(0, lang + 1);
  if (translated < 0) return undefined;
  const text = rest.subarray(translated + 1);
  return utf8(compressed ? inflateSync(text) : text);
}

function utf8OrLatin1(b: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(b);
  } catch {
    return latin1(b);
  }
}

let crcTable: Uint32Array | undefined;

function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * Inserts iTXt chunks (uncompressed UTF-8) after IHDR: how an exported grid keeps its provenance,
 * and how tests make PNGs that carry a graph.
 */
export function withPngText(bytes: Uint8Array, entries: Record<string, string>): Uint8Array {
  if (bytes.length < 33 || SIGNATURE.some((b, i) => bytes[i] !== b)) throw new NotPngError();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const afterIhdr = 8 + 12 + view.getUint32(8);
  const enc = new TextEncoder();
  const chunks = Object.entries(entries).map(([keyword, text]) => {
    const body = Uint8Array.from([
      ...enc
        .encode(keyword)
        .filter((c) => c < 0x80)
        .slice(0, 79),
      0,
      0,
      0,
      0,
      0,
      ...enc.encode(text),
    ]);
    const chunk = new Uint8Array(body.length + 12);
    const cv = new DataView(chunk.buffer);
    cv.setUint32(0, body.length);
    chunk.set(enc.encode('iTXt'), 4);
    chunk.set(body, 8);
    cv.setUint32(8 + body.length, crc32(chunk.subarray(4, 8 + body.length)));
    return chunk;
  });
  const size = bytes.length + chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(size);
  out.set(bytes.subarray(0, afterIhdr), 0);
  let at = afterIhdr;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  out.set(bytes.subarray(afterIhdr), at);
  return out;
}
