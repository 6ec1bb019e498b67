// The client's own PNG decoder and JPEG encoder (the per-image cost): pixel for pixel what pngjs decodes,
// and JPEGs any decoder reads back close to the source.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { decode as decodeJpeg } from 'jpeg-js';
import { decodePngFast } from '../../src/core/convergence/pngFast';
import { resizeArea } from '../../src/core/convergence/pixels';
import { encodeJpegPlanes } from '../../src/core/runs/jpegEncode';
import { renderPicture } from '../fakes/imageGen';

function picture(width: number, height: number): Buffer {
  return renderPicture({ seed: 11, steps: 30, width, height, text: 'a lighthouse at dusk' });
}

test('8-bit RGB and RGBA PNGs with every row filter decode exactly as pngjs decodes them', () => {
  const rgba = picture(97, 61);
  for (const colorType of [2, 6] as const) {
    for (const filterType of [0, 1, 2, 3, 4, -1]) {
      const png = new PNG({ width: 97, height: 61, colorType, inputColorType: 6, filterType });
      rgba.copy(png.data);
      const file = PNG.sync.write(png, { colorType, filterType });
      const ref = PNG.sync.read(file);
      const fast = decodePngFast(file)!;
      assert.equal(fast.width, 97);
      assert.equal(fast.height, 61);
      assert.ok(Buffer.from(fast.data).equals(ref.data), `colour type ${colorType}, filter ${filterType}`);
    }
  }
});

test('PNGs of another kind (16-bit, grey) are left to pngjs; a cut file is an error, not a picture', () => {
  const png = new PNG({ width: 8, height: 8, bitDepth: 16 });
  png.data.fill(200);
  assert.equal(decodePngFast(PNG.sync.write(png, { bitDepth: 16 })), undefined);
  const grey = new PNG({ width: 8, height: 8, colorType: 0, inputColorType: 6 });
  grey.data.fill(90);
  assert.equal(decodePngFast(PNG.sync.write(grey, { colorType: 0 })), undefined);
  const whole = PNG.sync.write(Object.assign(new PNG({ width: 64, height: 64 }), { data: picture(64, 64) }));
  assert.throws(() => decodePngFast(whole.subarray(0, whole.length - 200)));
});

test('a thumbnail JPEG reads back at its size and close to the picture, smaller at lower quality', () => {
  const rgba = picture(1024, 1024);
  const planes = resizeArea({ width: 1024, height: 1024, data: rgba }, 203, 150);
  const sizes: number[] = [];
  for (const quality of [50, 80, 95]) {
    const jpeg = encodeJpegPlanes(planes, quality);
    sizes.push(jpeg.length);
    const back = decodeJpeg(jpeg, { useTArray: true });
    assert.equal(back.width, 203);
    assert.equal(back.height, 150);
    let err = 0;
    for (let i = 0, j = 0; i < 203 * 150; i++, j += 4) {
      err += Math.abs(back.data[j] - planes.r[i]) + Math.abs(back.data[j + 1] - planes.g[i]) + Math.abs(back.data[j + 2] - planes.b[i]);
    }
    const mean = err / (203 * 150 * 3);
    assert.ok(mean < (quality >= 80 ? 6 : 10), `quality ${quality}: mean error ${mean.toFixed(2)} levels`);
  }
  assert.ok(sizes[0] < sizes[1] && sizes[1] < sizes[2], `sizes ${sizes.join(' < ')}`);
});
