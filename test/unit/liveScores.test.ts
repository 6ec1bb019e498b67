import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ComfyClient } from '../../src/core/comfy/client';
import { LiveScores } from '../../src/core/convergence/liveScores';
import type { RgbaImage } from '../../src/core/convergence/pixels';
import { prepare, scorePrepared, type Prepared } from '../../src/core/convergence/score';
import { scoreRun } from '../../src/core/convergence/scoreRun';
import type { ILogger } from '../../src/core/logger';
import { planCells } from '../../src/core/runs/plan';
import { readRunRecord } from '../../src/core/runs/record';
import { runSpec } from '../../src/core/runs/session';
import { lastThumbnailThread } from '../../src/core/runs/thumbnail';
import { threadId } from 'node:worker_threads';
import { startFakeComfy } from '../fakes/comfyServer';
import { studySpec } from './helpers/spec';

/** A picture that converges on the reference as `noise` falls (what more steps do). */
function picture(w: number, h: number, noise: number, seed: number): RgbaImage {
  const data = new Uint8Array(w * h * 4);
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = 128 + 90 * Math.sin(x / 5) * Math.cos(y / 8);
      const i = (y * w + x) * 4;
      data.set([v + noise * rnd(), 255 - v + noise * rnd(), (x >> 3) % 2 ? 200 : 60, 255], i);
    }
  }
  return { width: w, height: h, data };
}

/** A 3 steps × 2 seeds plan and a reduced image per cell (more noise at fewer steps). */
function sweep() {
  const cells = planCells(studySpec({ steps: [10, 20, 30], repeats: 2 }));
  const images = new Map<string, { sha: string; prepared: Prepared }>();
  for (const c of cells) {
    const steps = Number(c.axes.steps);
    images.set(c.key, { sha: `sha-${c.key}`, prepared: prepare(picture(96, 64, (30 - steps) * 2, 1 + c.repeat)) });
  }
  const refOf = (key: string) => key.replace(/^steps=\d+/, 'steps=30');
  assert.equal(cells.filter((c) => refOf(c.key) !== c.key).length, 4, 'four images with a reference to be scored against');
  return { cells, images, refOf };
}

test('scores made as the images come in equal the scores made after the run, in whichever order the images arrive', async () => {
  const { cells, images, refOf } = sweep();
  const plan = cells.map((c) => c.key);
  const refFirst = [...plan].sort((a, b) => Number(a === refOf(a)) - Number(b === refOf(b))).reverse();
  for (const order of [plan, refFirst]) {
    const live = new LiveScores(cells);
    for (const key of order) {
      assert.equal(live.wants(key), true, `${key} has a row to be compared in`);
      await live.add(key, images.get(key)!.sha, images.get(key)!.prepared);
    }
    for (const c of cells) {
      if (c.key === refOf(c.key)) continue;
      const [img, ref] = [images.get(c.key)!, images.get(refOf(c.key))!];
      assert.deepEqual(live.score(img.sha, ref.sha), scorePrepared(img.prepared, ref.prepared), `${c.key} (order ${order.join(', ')})`);
    }
    assert.equal(live.heldBytes, 0, 'every row is complete: no reduced image is kept');
  }
});

test('a replaced image is scored under its own hash; a row it cannot hold is left to the end; a resume scores only rows it makes the reference of; a single step count wants nothing', async () => {
  const { cells, images, refOf } = sweep();
  const live = new LiveScores(cells);
  const key = cells[0].key;
  const ref = images.get(refOf(key))!;
  await live.add(key, 'old', images.get(key)!.prepared);
  await live.add(key, 'new', images.get(cells[1].key)!.prepared);
  await live.add(refOf(key), ref.sha, ref.prepared);
  assert.equal(live.score('old', ref.sha), undefined, 'the replaced image is no longer waiting for its reference');
  assert.deepEqual(live.score('new', ref.sha), scorePrepared(images.get(cells[1].key)!.prepared, ref.prepared));

  // No room for one image: nothing is held, nothing is scored now, so scoreRun reads them from disk.
  const tight = new LiveScores(cells, { budgetBytes: 1024 });
  for (const c of cells) await tight.add(c.key, images.get(c.key)!.sha, images.get(c.key)!.prepared);
  assert.equal(tight.heldBytes, 0);
  assert.equal(tight.score(images.get(key)!.sha, ref.sha), undefined);

  // A reference that came first is kept until its row is in, and let go then.
  const rowOf = (r: number) => cells.filter((c) => c.repeat === r).map((c) => c.key);
  const held = new LiveScores(cells);
  await held.add(refOf(key), ref.sha, ref.prepared);
  assert.ok(held.heldBytes > 0);
  for (const k of rowOf(0)) if (k !== refOf(key)) await held.add(k, images.get(k)!.sha, images.get(k)!.prepared);
  assert.equal(held.heldBytes, 0);

  // A resume that makes seed 0's 10-step image and seed 1's 30-step reference: seed 0's reference was
  // made before (scored at the end, from disk), seed 1's 20-step image was too, so its row compares
  // the new 10-step image with the new reference, never with the highest step count being made.
  const making = new Set(['steps=10#r0', 'steps=10#r1', 'steps=30#r1']);
  const resumed = new LiveScores(cells, { making });
  assert.deepEqual(
    cells.map((c) => resumed.wants(c.key)),
    [false, false, false, true, false, true],
  );
  const [r10, r30] = [images.get('steps=10#r1')!, images.get('steps=30#r1')!];
  await resumed.add('steps=10#r1', r10.sha, r10.prepared);
  await resumed.add('steps=30#r1', r30.sha, r30.prepared);
  assert.deepEqual(resumed.score(r10.sha, r30.sha), scorePrepared(r10.prepared, r30.prepared));
  assert.equal(resumed.heldBytes, 0);

  const singles = planCells(studySpec({ steps: [20], repeats: 3 }));
  const single = new LiveScores(singles);
  assert.deepEqual(
    singles.map((c) => single.wants(c.key)),
    [false, false, false],
    'one step count: nothing to compare',
  );
});

test('a steps sweep is scored while it runs: run.json has the same scores as scoring its images afresh, and the log says none waited for the end', async () => {
  const fake = await startFakeComfy({ msPerStep: 2, loadMs: 5 });
  const root = mkdtempSync(path.join(tmpdir(), 'qp-live-'));
  const client = new ComfyClient({ baseUrl: fake.url });
  const info: string[] = [];
  const logger: ILogger = {
    trace() {},
    debug() {},
    info: (m) => info.push(m),
    warn: (m) => info.push(m),
    error: (m) => info.push(String(m)),
  };
  try {
    // 512²: bigger than a thumbnail, so each image is decoded once for both.
    const spec = studySpec({ width: 512, height: 512, steps: [10, 20, 30], repeats: 2 });
    const { runDir } = await runSpec({
      spec,
      specFile: '/x/s.qwenprompt',
      client,
      runsRoot: root,
      logger,
      convergence: { threshold: 0.9 },
    });
    const record = await readRunRecord(runDir);
    assert.equal(record.status, 'complete');
    assert.ok(
      record.cells.every((c) => c.images[0].thumb),
      'thumbnails are made as before',
    );
    assert.match(info.find((l) => l.startsWith('Convergence:')) ?? '', /^Convergence: 4 image\(s\) scored, 4 of them while the run went/);
    assert.notEqual(lastThumbnailThread(), threadId, 'decoding and scoring ran in the image worker, not on the caller’s thread');

    const afresh = structuredClone(record);
    for (const c of afresh.cells) delete c.convergence;
    await scoreRun(runDir, afresh, { threshold: 0.9 });
    assert.deepEqual(
      record.cells.map((c) => [c.key, c.convergence]),
      afresh.cells.map((c) => [c.key, c.convergence]),
    );
    assert.deepEqual(record.convergence!.groups, afresh.convergence!.groups);
  } finally {
    client.close();
    await fake.close();
    rmSync(root, { recursive: true, force: true });
  }
});
