import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { ComfyClient } from '../../src/core/comfy/client';
import { readRunRecord } from '../../src/core/runs/record';
import { runSpec, type RunUpdate } from '../../src/core/runs/runner';
import { THUMB_SIDE } from '../../src/core/runs/thumbnail';
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
    const { runDir } = await runSpec({ spec, specFile: '/x/s.qwenprompt', client, runsRoot: root, onUpdate: (u) => updates.push(structuredClone(u)), convergence: false });
    return { runDir, record: await readRunRecord(runDir), updates, done: () => rmSync(root, { recursive: true, force: true }) };
  } finally {
    client.close();
    await fake.close();
  }
}

test('a large image gets a grid thumbnail in the run folder, named in run.json and sent to the panel after the image itself', async () => {
  const r = await run(1024, 768);
  try {
    for (const cell of r.record.cells) {
      const [image] = cell.images;
      assert.ok(image.thumb, `${cell.key} has a thumbnail`);
      const thumb = PNG.sync.read(readFileSync(path.join(r.runDir, image.thumb)));
      assert.deepEqual([thumb.width, thumb.height], [THUMB_SIDE, 288], 'the long side is THUMB_SIDE, the aspect kept');
      const full = PNG.sync.read(readFileSync(path.join(r.runDir, image.file)));
      // The same picture: the thumbnail's mean colour is the full image's (area averaging keeps it).
      const mean = (p: PNG, ch: number) => {
        let s = 0;
        for (let i = ch; i < p.data.length; i += 4) s += p.data[i];
        return s / (p.width * p.height);
      };
      for (const ch of [0, 1, 2]) assert.ok(Math.abs(mean(thumb, ch) - mean(full, ch)) < 1.5, `channel ${ch}: ${mean(thumb, ch)} vs ${mean(full, ch)}`);
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
