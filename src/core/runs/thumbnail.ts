/**
 * Grid thumbnails: a run's images downscaled to at most THUMB_SIDE px on the long side and written
 * beside them as baseline JPEGs, so a results panel of 60 images loads and decodes ~60 × 0.15 MP of
 * small files instead of 60 × 1–2 MP PNGs.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import type { encode } from 'jpeg-js';
import { resizeArea, workingSize, type RgbaImage } from '../convergence/pixels';

// jpeg-js's encoder alone (its package root also loads the decoder, which the bundle would carry for
// nothing); typed by the root's declaration of the same function.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const encodeJpeg: typeof encode = require('jpeg-js/lib/encoder');

/**
 * Long side of a thumbnail, px. The grid's cells are 150–280 CSS px wide (main.css `--thumb`), so
 * 384 px is sharp up to a device-pixel ratio of ~1.4 (a 125–150 % scaled laptop screen) and still
 * fair at 2×; a smaller side saves little once the file is a JPEG (320 px: ~35 % fewer bytes).
 */
export const THUMB_SIDE = 384;

/**
 * JPEG quality of a thumbnail. 80 keeps a sampled picture's detail at grid size; the test server's
 * noisy images come out at ~70 KB for 384², a smooth picture at 10–30 KB.
 */
export const THUMB_QUALITY = 80;

/** Thumbnail file name for an image file (`steps-20-r0.png` → `steps-20-r0.thumb.jpg`). Records made
 * before the thumbnails were JPEGs name a `.thumb.png`; the panel shows whatever the record names. */
export function thumbName(file: string): string {
  return `${file.replace(/\.[^./]+$/, '')}.thumb.jpg`;
}

/**
 * Decodes a PNG with pngjs's streaming parser: inflating runs in zlib's thread pool and only the
 * unfiltering runs on the event loop, a few rows at a time, so the extension host keeps answering.
 */
export function decodePngAsync(bytes: Uint8Array): Promise<RgbaImage> {
  return new Promise((resolve, reject) => {
    new PNG().parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (err, png) => {
      if (err) reject(err);
      else resolve({ width: png.width, height: png.height, data: png.data });
    });
  });
}

/**
 * A JPEG of `img` area-averaged to at most `side` px on the long side. JPEG, not PNG: a sampled
 * image is photographic (and an early-step one is noise), which deflate cannot compress, so a PNG
 * thumbnail is 5–15× the size of a quality-80 JPEG and slower to decode.
 */
export function encodeThumbnail(img: RgbaImage, side = THUMB_SIDE, quality = THUMB_QUALITY): Buffer {
  const size = workingSize(img.width, img.height, side);
  const planes = resizeArea(img, size.width, size.height);
  const n = planes.width * planes.height;
  // jpeg-js reads RGBA and ignores the alpha byte.
  const rgba = Buffer.alloc(n * 4, 255);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    // Float32Array → Uint8 clamps; +0.5 rounds to nearest.
    rgba[j] = Math.min(255, planes.r[i] + 0.5);
    rgba[j + 1] = Math.min(255, planes.g[i] + 0.5);
    rgba[j + 2] = Math.min(255, planes.b[i] + 0.5);
  }
  return encodeJpeg({ width: planes.width, height: planes.height, data: rgba }, quality).data;
}

/**
 * Writes the thumbnail of the PNG `file` in `runDir` and returns its name, or undefined when the image
 * is no bigger than a thumbnail (the grid shows it as it is) or is not a PNG. No fsync: a thumbnail can
 * be made again, and the record names it only after it is written.
 */
export async function writeThumbnail(runDir: string, file: string, side = THUMB_SIDE): Promise<string | undefined> {
  if (!/\.png$/i.test(file)) return undefined;
  const img = await decodePngAsync(await fs.readFile(path.join(runDir, file)));
  if (Math.max(img.width, img.height) <= side) return undefined;
  const name = thumbName(file);
  await fs.writeFile(path.join(runDir, name), encodeThumbnail(img, side));
  return name;
}
