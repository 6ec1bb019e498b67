// Which image a downloaded body is, from its magic bytes: the comfy client refuses an error page
// served as /view, and the run folder names the file by it. A PNG's declared size, read before any
// decoding, decides whether the client decodes it at all.

export type ImageKind = 'png' | 'jpeg' | 'webp';

/**
 * The kind, or undefined when the bytes are not a PNG, JPEG or WebP. A body that is no longer than
 * its signature holds no image and is refused.
 */
export function sniffImage(b: Uint8Array): ImageKind | undefined {
  if (b.length > 8 && b[0] === 0x89 && b[1] === 0x50 && b[2] === 0x4e && b[3] === 0x47) return 'png';
  if (b.length > 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (b.length > 12 && String.fromCharCode(b[0], b[1], b[2], b[3]) === 'RIFF' && String.fromCharCode(b[8], b[9], b[10], b[11]) === 'WEBP') {
    return 'webp';
  }
  return undefined;
}

/** Width and height from a PNG's IHDR chunk. */
export function pngSize(bytes: Uint8Array): { width: number; height: number } | undefined {
  if (sniffImage(bytes) !== 'png' || bytes.length < 24) return undefined;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

/**
 * Most pixels an image may declare for the client to decode it (grid thumbnail, convergence score):
 * 4096² = 16 Mpixel. pngjs decodes at 12–16 bytes a pixel (RGBA plus the inflated rows, interlaced the
 * most; measured), so a decode stays within ~260 MiB; every native output of the models the tool drives
 * is ≤ 2 Mpixel, and a 4× upscale of 1024² still fits. A PNG's header can declare 4 GiB of pixels in a
 * few bytes: past this it is not decoded at all. The image itself is still saved as the server made it.
 */
export const MAX_DECODE_PIXELS = 4096 * 4096;

/** Why an image of this declared size is not decoded (for run.json and the log); undefined when it may be. */
export function tooLargeToDecode(size: { width: number; height: number } | undefined): string | undefined {
  if (!size || size.width * size.height <= MAX_DECODE_PIXELS) return undefined;
  return `${size.width}×${size.height} px is over the client's ${MAX_DECODE_PIXELS / 2 ** 20}-Mpixel decoding limit: no thumbnail and no convergence score (the image is saved as the server made it)`;
}

/** Throws, before any decoding, when the bytes are a PNG whose header declares an image over the limit. */
export function assertDecodable(bytes: Uint8Array): void {
  const reason = tooLargeToDecode(pngSize(bytes));
  if (reason) throw new Error(reason);
}
