import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { threadId } from 'node:worker_threads';
import { decode as decodeJpeg } from 'jpeg-js';
import { PNG } from 'pngjs';
import { ComfyClient } from '../../src/core/comfy/client';
import { readRunRecord } from '../../src/core/runs/record';
import type { RunUpdate } from '../../src/core/runs/options';
import { runSpec } from '../../src/core/runs/session';
import { resizeArea } from '../../src/core/convergence/pixels';
import { imageWork, lastThumbnailThread, THUMB_SIDE } from '../../src/core/runs/thumbnail';
import { startFakeComfy } from '../fakes/comfyServer';
import { studySpec } from './helpers/spec';

async function run(width: number, height: number) {
  const fake = await startFakeComfy({ msPerStep: 5, loadMs: 5 });
  const root = mkdtempSync(path.join(tmpdir(), 'qp-thumb-'));
  const updates: RunUpdate[] = [];
  const client = new ComfyClient({ baseUrl: fake.url });
  try {
    const spec = studySpec({ width, height, steps: [2], repeats: 2 });
    // A copy of each update as it was sent (the panel gets a serialized one).
    const { runDir } = await runSpec({
      spec,
      specFile: '/x/s.qwenprompt',
      client,
      runsRoot: root,
      onUpdate: (u) => updates.push(structuredClone(u)),
      convergence: false,
    });
    return { runDir, record: await readRunRecord(runDir), updates, done: () => rmSync(root, { recursive: true, force: true }) };
  } finally {
    client.close();
    await fake.close();
  }
}

/** Mean of one channel (0 red, 1 green, 2 blue) of RGBA pixels. */
function mean(data: Uint8Array, ch: number): number {
  let s = 0;
  for (let i = ch; i < data.length; i += 4) s += data[i];
  return s / (data.length / 4);
}

test('a large image gets a JPEG grid thumbnail in the run folder, named in run.json and sent to the panel after the image itself', async () => {
  const r = await run(1024, 768);
  try {
    for (const cell of r.record.cells) {
      const [image] = cell.images;
      assert.equal(image.thumb, image.file.replace(/\.png$/, '.thumb.jpg'), `${cell.key} has a thumbnail beside its image`);
      const bytes = readFileSync(path.join(r.runDir, image.thumb));
      assert.deepEqual([...bytes.subarray(0, 3)], [0xff, 0xd8, 0xff], 'a JPEG (SOI marker), whatever the name says');
      const thumb = decodeJpeg(bytes, { useTArray: true });
      assert.deepEqual([thumb.width, thumb.height], [THUMB_SIDE, 288], 'the long side is THUMB_SIDE, the aspect kept');
      const full = PNG.sync.read(readFileSync(path.join(r.runDir, image.file)));
      // The same picture: area averaging keeps the mean colour and JPEG's quantized DC terms keep it
      // within a level or two (the test server's early-step images are mostly noise, JPEG's worst case).
      for (const ch of [0, 1, 2]) {
        const [t, f] = [mean(thumb.data, ch), mean(full.data, ch)];
        assert.ok(Math.abs(t - f) < 2, `channel ${ch}: ${t} vs ${f}`);
      }
      // And the same layout: each 32×32 block of the thumbnail is close to that area of the image.
      const small = resizeArea(full, 12, 9);
      const tiles = resizeArea({ width: thumb.width, height: thumb.height, data: thumb.data }, 12, 9);
      const worst = Math.max(...small.r.map((v, i) => Math.abs(v - tiles.r[i])), ...small.g.map((v, i) => Math.abs(v - tiles.g[i])));
      assert.ok(worst < 6, `largest tile difference ${worst}`);
      // Smaller than the lossless thumbnail the grid had before (an RGB PNG of the same pixels).
      const png = new PNG({ width: thumb.width, height: thumb.height });
      png.data = Buffer.from(thumb.data);
      const pngBytes = PNG.sync.write(png, { colorType: 2, deflateLevel: 6 }).length;
      assert.ok(bytes.length * 3 < pngBytes, `JPEG ${bytes.length} B vs PNG ${pngBytes} B`);
      // The cell was first reported done with its image and no thumbnail, then again with it.
      const mine = r.updates.filter((u): u is Extract<RunUpdate, { type: 'cell' }> => u.type === 'cell' && u.cell.key === cell.key);
      const firstDone = mine.findIndex((u) => u.cell.status === 'success');
      const withThumb = mine.findIndex((u) => !!u.cell.images[0]?.thumb);
      assert.ok(firstDone >= 0 && withThumb > firstDone, `done at ${firstDone}, thumbnail at ${withThumb}`);
    }
  } finally {
    r.done();
  }
});

test('an image no bigger than a thumbnail gets none: the grid shows it as it is', async () => {
  const r = await run(THUMB_SIDE, 256);
  try {
    assert.ok(r.record.cells.every((c) => c.images.length === 1 && c.images[0].thumb === undefined));
    assert.deepEqual(readdirSync(r.runDir).sort(), ['run.json', ...r.record.cells.map((c) => c.images[0].file)].sort());
  } finally {
    r.done();
  }
});

test("a thumbnail is made in a worker thread: the caller's event loop keeps running while a 1024² image is decoded, resized and encoded", async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-thumbw-'));
  try {
    // A noisy picture with a left-to-right red ramp: the JPEG's worst case, and a layout to check.
    const png = new PNG({ width: 1024, height: 1024 });
    for (let i = 0; i < 1024 * 1024; i++) {
      png.data[i * 4] = (i % 1024) >> 2;
      png.data[i * 4 + 1] = Math.floor(Math.random() * 256);
      png.data[i * 4 + 2] = 200;
      png.data[i * 4 + 3] = 255;
    }
    writeFileSync(path.join(dir, 'big.png'), PNG.sync.write(png));
    for (const round of [1, 2]) {
      // Counts the caller's turns of its event loop while the thumbnail is made: inline, the encode alone
      // is one synchronous block of 60–120 ms; in the worker the loop keeps turning.
      let ticks = 0;
      const probe = setInterval(() => ticks++, 0);
      let name: string | undefined;
      try {
        name = (await imageWork(dir, 'big.png', { thumbSide: THUMB_SIDE })).thumb;
      } finally {
        clearInterval(probe);
      }
      assert.equal(name, 'big.thumb.jpg');
      assert.notEqual(lastThumbnailThread(), undefined);
      assert.notEqual(lastThumbnailThread(), threadId, `round ${round}: made on the caller's thread ${threadId}, not in the worker`);
      assert.ok(ticks > 0, `round ${round}: the caller's event loop did not turn while the thumbnail was made`);
      const thumb = decodeJpeg(readFileSync(path.join(dir, name)), { useTArray: true });
      assert.deepEqual([thumb.width, thumb.height], [THUMB_SIDE, THUMB_SIDE]);
      for (const ch of [0, 1, 2]) {
        const [t, f] = [mean(thumb.data, ch), mean(png.data, ch)];
        assert.ok(Math.abs(t - f) < 2, `channel ${ch}: ${t} vs ${f}`);
      }
      // The ramp survives: the left edge is dark red, the right edge bright.
      const cols = resizeArea({ width: thumb.width, height: thumb.height, data: thumb.data }, 4, 1).r;
      assert.ok(cols[0] < 40 && cols[3] > 215, `red by quarter: ${[...cols].join(', ')}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
