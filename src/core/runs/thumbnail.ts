/**
 * Grid thumbnails: a run's images downscaled to at most THUMB_SIDE px on the long side, written
 * beside them, so a results panel of 60 images decodes ~60 × 0.15 MP instead of 60 × 1–2 MP.
 */
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { resizeArea, workingSize, type RgbaImage } from '../convergence/pixels';

/** Long side of a thumbnail, px: sharp at twice the grid's ~190 px cells on a HiDPI screen. */
export const THUMB_SIDE = 384;

/** Thumbnail file name for an image file (`steps-20-r0.png` → `steps-20-r0.thumb.png`). */
export function thumbName(file: string): string {
  return `${file.replace(/\.[^./]+$/, '')}.thumb.png`;
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

/** An RGB PNG of `img` area-averaged to at most `side` px on the long side. */
export function encodeThumbnail(img: RgbaImage, side = THUMB_SIDE): Buffer {
  const size = workingSize(img.width, img.height, side);
  const planes = resizeArea(img, size.width, size.height);
  const n = planes.width * planes.height;
  const rgb = Buffer.alloc(n * 3);
  for (let i = 0, j = 0; i < n; i++, j += 3) {
    // Float32Array → Uint8 clamps; +0.5 rounds to nearest.
    rgb[j] = Math.min(255, planes.r[i] + 0.5);
    rgb[j + 1] = Math.min(255, planes.g[i] + 0.5);
    rgb[j + 2] = Math.min(255, planes.b[i] + 0.5);
  }
  const png = new PNG({ width: planes.width, height: planes.height, colorType: 2, inputColorType: 2, inputHasAlpha: false });
  png.data = rgb;
  // Level 6 is zlib's default: level 9 (pngjs's) takes twice as long for 1–2 % less.
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false, deflateLevel: 6 });
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
