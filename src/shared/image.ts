// Which image a downloaded body is, from its magic bytes: the comfy client refuses an error page
// served as /view, and the run folder names the file by it.

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
