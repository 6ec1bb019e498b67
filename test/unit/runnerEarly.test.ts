import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ComfyClient } from '../../src/core/comfy/client';
import { readRunRecord } from '../../src/core/runs/record';
import type { RunOptions } from '../../src/core/runs/options';
import { runSpec } from '../../src/core/runs/session';
import type { Spec } from '../../src/core/spec/types';
import { startFakeComfy } from '../fakes/comfyServer';
import { studySpec } from './helpers/spec';
import type { CellRecord } from '../../src/shared/runRecord';

/** A run with no thumbnails or scores: only what the jobs themselves record. */
function runPlain(client: ComfyClient, spec: Spec, onUpdate: RunOptions['onUpdate']) {
  const root = mkdtempSync(path.join(tmpdir(), 'qp-early-'));
  return runSpec({ spec, specFile: '/tmp/early.qwenprompt', client, runsRoot: root, thumbnails: false, convergence: false, onUpdate });
}

test('a finished job is shown done with its image on disk before /history answers; the queue wait comes in a later update', async () => {
  const fake = await startFakeComfy({ msPerStep: 5, loadMs: 5 });
  const client = new ComfyClient({ baseUrl: fake.url });
  // A server slow to answer /history: nothing may wait for it before the user sees the image.
  fake.faults.holdHistory = true;
  const safety = setTimeout(() => (fake.faults.holdHistory = false), 15_000);
  try {
    const spec = studySpec({ width: 64, height: 64, steps: [2, 3], repeats: 2 });
    const shownDone = new Map<string, { cell: CellRecord; heldHistory: boolean; onDisk: string | undefined }>();
    const later: CellRecord[] = [];
    const { runDir, record } = await runPlain(client, spec, (u) => {
      if (u.type !== 'cell' || u.cell.status !== 'success') return;
      if (shownDone.has(u.cell.key)) return void later.push(structuredClone(u.cell));
      const file = u.cell.images[0] && path.join(u.runDir, u.cell.images[0].file);
      const onDisk = file && createHash('sha256').update(readFileSync(file)).digest('hex');
      shownDone.set(u.cell.key, { cell: structuredClone(u.cell), heldHistory: fake.faults.holdHistory === true, onDisk });
      // Every job shown done while /history was held: let the server answer now.
      if (shownDone.size === 4) fake.faults.holdHistory = false;
    });
    assert.equal(record.status, 'complete');
    assert.equal(shownDone.size, 4);
    for (const [key, first] of shownDone) {
      assert.ok(first.heldHistory, `${key} was shown done only after /history answered`);
      assert.equal(first.cell.images.length, 1, `${key}: its image is in the first update`);
      assert.equal(first.onDisk, first.cell.images[0].sha256, `${key}: the image is on disk, whole, when shown`);
      assert.ok(first.cell.timings!.executionMs >= 0, `${key}: execution time from the WebSocket's timestamps`);
      assert.equal(first.cell.timings!.queueWaitMs, undefined, `${key}: the queue wait is known only from /history`);
      const update = later.find((c) => c.key === key && c.timings?.queueWaitMs !== undefined);
      assert.ok(update, `${key}: a later update carries the queue wait`);
      assert.deepEqual(update.images, first.cell.images, `${key}: the same image, not downloaded again`);
    }
    const onDisk = await readRunRecord(runDir);
    for (const c of onDisk.cells) {
      assert.equal(c.status, 'success');
      assert.equal(typeof c.timings?.queueWaitMs, 'number', `${c.key}: the final run.json holds /history's queue wait`);
      assert.equal(c.timings?.executionMs, shownDone.get(c.key)!.cell.timings!.executionMs);
    }
    // Every image was fetched once.
    assert.equal(fake.requests.filter((r) => r.path === '/view').length, 4);
  } finally {
    clearTimeout(safety);
    client.close();
    await fake.close();
  }
});

test('when /history lists images the WebSocket did not name, /history wins: the cell is updated to them and nothing stale is left', async () => {
  const fake = await startFakeComfy({ msPerStep: 5, loadMs: 5 });
  const client = new ComfyClient({ baseUrl: fake.url });
  fake.faults.historyExtraImage = true;
  try {
    const spec = studySpec({ width: 64, height: 64, steps: [2], repeats: 2 });
    const first = new Map<string, number>();
    const { runDir, record } = await runPlain(client, spec, (u) => {
      if (u.type === 'cell' && u.cell.status === 'success' && !first.has(u.cell.key)) first.set(u.cell.key, u.cell.images.length);
    });
    assert.equal(record.status, 'complete');
    const onDisk = await readRunRecord(runDir);
    const files = new Set<string>(['run.json']);
    for (const c of onDisk.cells) {
      assert.equal(first.get(c.key), 1, `${c.key}: first shown with the one image the WebSocket named`);
      assert.equal(c.images.length, 2, `${c.key}: the record holds both images /history lists`);
      for (const im of c.images) {
        files.add(im.file);
        const bytes = readFileSync(path.join(runDir, im.file));
        assert.equal(createHash('sha256').update(bytes).digest('hex'), im.sha256, `${im.file} is the image recorded`);
      }
      assert.deepEqual(
        c.images.map((im) => im.file).sort(),
        [
          `${c.key.replace('#', '-').replace(/[^A-Za-z0-9._-]+/g, '-')}-1.png`,
          `${c.key.replace('#', '-').replace(/[^A-Za-z0-9._-]+/g, '-')}-2.png`,
        ].sort(),
      );
    }
    assert.deepEqual(new Set(readdirSync(runDir)), files, 'no image of the first update is left under its one-image name');
  } finally {
    client.close();
    await fake.close();
  }
});
