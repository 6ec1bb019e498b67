/** Scores one image against a reference: SSIM on luminance and mean ΔE, both at the working size. */
import { PNG } from 'pngjs';
import { decodePngFast } from './pngFast';
import { assertDecodable } from '../../shared/image';
import { meanDeltaE76, toLab } from './colour';
import { luminance, resizeArea, WORKING_SIZE, workingSize, type RgbaImage } from './pixels';
import { ssim } from './ssim';

/** How the scores were made, recorded with them so runs scored differently are never compared blindly. */
export const SCORE_METHOD = `ssim-gauss11-s1.5-luma601 deltaE76 area-${WORKING_SIZE}`;

export interface PairScore {
  /** Mean SSIM of the luminance (1 = same structure). */
  ssim: number;
  /** Mean CIE76 ΔE*ab (0 = same colours; ~2.3 is a just-noticeable difference). */
  deltaE: number;
}

/** An image reduced to what scoring needs, so a reference is decoded and reduced once per row. */
export interface Prepared {
  width: number;
  height: number;
  lum: Float32Array;
  lab: ReturnType<typeof toLab>;
}

/** PNG bytes → RGBA (pngjs: pure JS, handles every bit depth, palette and interlacing); refuses, before
 * decoding, an image whose header declares more pixels than MAX_DECODE_PIXELS. */
export function decodePng(bytes: Uint8Array): RgbaImage {
  assertDecodable(bytes);
  // ComfyUI's own PNGs (8-bit RGB/RGBA) take the fast path; any other kind goes to pngjs.
  const fast = decodePngFast(bytes);
  if (fast) return fast;
  const png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  return { width: png.width, height: png.height, data: png.data };
}

/** Reduces an image to `size` (default: its own working size). */
export function prepare(img: RgbaImage, size = workingSize(img.width, img.height)): Prepared {
  const planes = resizeArea(img, size.width, size.height);
  return { width: planes.width, height: planes.height, lum: luminance(planes), lab: toLab(planes) };
}

export function scorePrepared(image: Prepared, reference: Prepared): PairScore {
  if (image.width !== reference.width || image.height !== reference.height) {
    throw new Error(`Cannot compare a ${image.width}×${image.height} image with a ${reference.width}×${reference.height} one.`);
  }
  return { ssim: ssim(image.lum, reference.lum, image.width, image.height), deltaE: meanDeltaE76(image.lab, reference.lab) };
}

/** Scores two decoded images; the image is brought to the reference's working size. */
export function scorePair(image: RgbaImage, reference: RgbaImage): PairScore {
  const ref = prepare(reference);
  return scorePrepared(prepare(image, ref), ref);
}
