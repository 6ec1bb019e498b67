// "Redo this region" with no mask drawn redoes the defect regions the raters marked on the image: a
// run on the ComfyUI test server, a round with a box, and the redo that follows it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { ComfyClient } from '../../src/core/comfy/client';
import { addRatings } from '../../src/core/quality/addRatings';
import { maskRegion, redoRegion, regionsMask } from '../../src/core/quality/redoRegion';
import { runSpec } from '../../src/core/runs/session';
import { regionPixels, regionsByCell } from '../../src/shared/regions';
import { startFakeComfy } from '../fakes/comfyServer';
import { specOf } from './helpers/specJobs';

const SEAM = { x: 0.25, y: 0.125, w: 0.375, h: 0.375, criterion: 'structure' as const, word: 'seam' };

test('regions become pixel boxes inside the image, and a mask with alpha 0 exactly there', () => {
  assert.deepEqual(regionPixels([SEAM], 256, 256), [{ x: 64, y: 32, w: 96, h: 96 }]);
  assert.deepEqual(regionPixels([{ ...SEAM, x: 0.9, w: 0.5 }], 100, 100)[0], { x: 90, y: 12, w: 10, h: 38 }, 'clipped at the edge');
  const mask = PNG.sync.read(Buffer.from(regionsMask([SEAM], 256, 256)));
  assert.equal(mask.data[(40 * 256 + 70) * 4 + 3], 0, 'inside: to be redrawn');
  assert.equal(mask.data[(10 * 256 + 10) * 4 + 3], 255, 'outside: kept');
  assert.deepEqual(maskRegion(regionsMask([SEAM], 256, 256))?.region, { x: 64, y: 32, width: 96, height: 96 });
  const byCell = regionsByCell([
    { cell: 'a', image: 'a.png', scores: {}, at: '', rater: 'ana', regions: [SEAM] },
    { cell: 'a', image: 'a.png', scores: {}, at: '', rater: 'ben', regions: [{ ...SEAM, word: 'hue', criterion: 'colour' }] },
    { cell: 'b', image: 'b.png', scores: {}, at: '' },
  ]);
  assert.deepEqual(
    byCell.get('a')?.map((g) => `${g.rater}:${g.word}`),
    ['ana:seam', 'ben:hue'],
  );
  assert.equal(byCell.has('b'), false);
});

test('with no mask drawn, the redo inpaints the region a rater marked on the image', async () => {
  const fake = await startFakeComfy({ msPerStep: 1, loadMs: 1, nodeMs: 1 });
  try {
    const client = new ComfyClient({ baseUrl: fake.url });
    const root = mkdtempSync(path.join(tmpdir(), 'qp-redo-marked-'));
    const spec = specOf('model: sd-checkpoint\nprompt: a harbour at dawn\nseed: 42\nsize: 256x256\nsteps: [12]\n');
    const { runDir, record } = await runSpec({ spec, specFile: path.join(root, 'redo.qwenprompt'), client, runsRoot: root });
    const cell = record.cells[0].key;
    await assert.rejects(redoRegion(client, runDir, { cell, steps: 6 }, { live: false }), /no rater marked a defect region/);
    await addRatings(runDir, [{ cell, scores: { structure: 2 }, regions: [SEAM] }], { rater: 'ana' });
    const { redo, record: after } = await redoRegion(client, runDir, { cell, steps: 6 }, { live: false });
    assert.deepEqual(redo.region, { x: 64, y: 32, width: 96, height: 96 });
    assert.equal(after.redos?.length, 1);
    const uploads = fake.requests.filter((r) => r.path.startsWith('/upload/')).map((r) => r.path);
    assert.deepEqual(uploads, ['/upload/image', '/upload/mask']);
  } finally {
    await fake.close();
  }
});
