import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ComfyClient } from '../../src/core/comfy/client';
import { nodeSignatures } from '../../src/core/comfy/workflow/graphCache';
import { runSpec } from '../../src/core/runs/session';
import { referenceColumn } from '../../src/core/convergence/reference';
import type { CellRecord, ColumnStats, RunRecord } from '../../src/shared/runRecord';
import { RunViewState } from '../../src/features/results/panel/runState';
import { startFakeComfy } from '../fakes/comfyServer';
import { readRepoFile, specOf } from './helpers/specJobs';

/** Runs an example (every sweep axis, its own repeats) on the test server, small images. */
async function runExample(file: string): Promise<RunRecord> {
  const fake = await startFakeComfy({ msPerStep: 1, loadMs: 5, nodeMs: 1, decodeMs: 8, maxImageSide: 64 });
  const root = mkdtempSync(path.join(tmpdir(), 'qp-levers-'));
  const client = new ComfyClient({ baseUrl: fake.url });
  try {
    const spec = specOf(readRepoFile(`examples/${file}`));
    const { record } = await runSpec({ spec, specFile: path.join(root, file), client, runsRoot: root, includeSweep: true });
    return record;
  } finally {
    client.close();
    await fake.close();
    rmSync(root, { recursive: true, force: true });
  }
}

/**
 * The fresh cost of every cell is right: its execution time plus each reused node's time, where each
 * reused node is one the cell's job took from the cache (model loaders aside) and the named cell's job
 * ran earlier with the same cache key, at the time that job took for it.
 */
function assertFreshCosts(record: RunRecord): void {
  const byKey = new Map(record.cells.map((c) => [c.key, c]));
  for (const c of record.cells) {
    assert.equal(c.status, 'success', `${c.key}: ${c.error ?? ''}`);
    const t = c.timings!;
    assert.equal(t.cached, false, `${c.key} ran something`);
    const f = t.fresh!;
    assert.equal(f.measuredMs, t.executionMs);
    assert.equal(f.ms, t.executionMs + f.reused.reduce((a, r) => a + r.ms, 0));
    const sigs = nodeSignatures(c.graph!);
    for (const r of f.reused) {
      assert.ok(t.cachedNodes.includes(r.node), `${c.key}: ${r.node} came from the cache`);
      const from = byKey.get(r.from)!;
      assert.ok(from.timings!.executionStart! < t.executionStart!, `${r.from} ran before ${c.key}`);
      const ran = from.timings!.nodes.find((n) => nodeSignatures(from.graph!).get(n.node) === sigs.get(r.node));
      assert.ok(ran, `${r.from} ran the node ${c.key} reused`);
      assert.equal(ran.ms, r.ms);
    }
    assert.deepEqual(f.unpriced, [], 'every reused node was run by a job of this run');
  }
  const stats = record.stats;
  for (const s of stats) {
    const mine = record.cells.filter((c) => c.column === s.column);
    const mean = mine.reduce((a, c) => a + c.timings!.fresh!.ms, 0) / mine.length;
    const time = s.all!;
    assert.ok(Math.abs(time.mean - mean) < 1e-9, `${s.column}: statistics use the fresh cost`);
  }
}

const distinctImages = (cells: CellRecord[]) => new Set(cells.map((c) => c.images[0].sha256)).size;

test('two-stage example: a KSamplerAdvanced pair per image, sampling time over both stages', async () => {
  const record = await runExample('two-stage.qwenprompt');
  assert.equal(record.cells.length, 6);
  assertFreshCosts(record);
  for (const c of record.cells) {
    const samplers = c.timings!.samplers!;
    assert.deepEqual(
      samplers.map((x) => x.classType),
      ['KSamplerAdvanced', 'KSamplerAdvanced'],
    );
    const split = Number(c.axes.split);
    assert.deepEqual(
      samplers.map((x) => x.steps + 1),
      [split, 40 - split],
      'each stage reports its own steps',
    );
    assert.equal(
      c.timings!.samplingMs,
      samplers.reduce((a, x) => a + x.ms, 0),
    );
  }
  assert.equal(distinctImages(record.cells), 6, 'every split and seed gives its own image');
});

test('light decoder example: the second decoder reuses the sampled latent and is priced with its sampling', async () => {
  const record = await runExample('light-decoder.qwenprompt');
  assertFreshCosts(record);
  const tiny = record.cells.filter((c) => c.axes.decoder === 'lighttaew2_1');
  assert.equal(tiny.length, 2);
  for (const c of tiny) {
    const f = c.timings!.fresh!;
    const sampler = f.reused.find((r) => r.node === '3');
    assert.ok(sampler, 'the KSampler came from the cache');
    const full = record.cells.find((x) => x.key === sampler.from)!;
    assert.equal(full.axes.decoder, 'vae');
    assert.equal(full.seed, c.seed, 'from the same seed');
    assert.equal(c.timings!.samplingMs, undefined, 'the job itself sampled nothing');
    assert.equal(f.samplingMs, full.timings!.samplingMs, 'its fresh sampling time is the one it reused');
    assert.ok(f.ms > c.timings!.executionMs);
  }
  const stats = record.stats;
  const [vae, light] = [stats.find((s) => s.axes.decoder === 'vae')!, stats.find((s) => s.axes.decoder === 'lighttaew2_1')!];
  assert.ok(vae.decodeMs && light.decodeMs, 'decode time per decoder');
  assert.ok(light.measured, 'the measured part is kept beside the fresh cost');
  assert.equal(distinctImages(record.cells), 4, 'each decoder draws its own image');
});

test('cfg, sampler and LoRA examples: each setting draws its own image and is priced fresh', async () => {
  for (const file of ['cfg-6.5.qwenprompt', 'euler-ancestral.qwenprompt', 'lora-lightning.qwenprompt']) {
    const record = await runExample(file);
    assertFreshCosts(record);
    assert.equal(distinctImages(record.cells), record.cells.length, `${file}: no two settings or seeds look the same`);
    if (file.startsWith('lora')) {
      for (const c of record.cells) assert.equal(c.graph!['73'].class_type, 'LoraLoaderModelOnly');
    }
  }
});

test('the panel prices a run in progress as the record does: the light decoder column shows its fresh cost', async () => {
  const done = await runExample('light-decoder.qwenprompt');
  const expected = new Map(done.stats.map((s) => [s.column, s.all!.mean]));
  // The run as the panel sees it while it goes: queued cells, then each one as it settles (the engine
  // has not priced them yet: that happens when it writes the record).
  const fresh = (c: CellRecord): CellRecord => ({ ...c, timings: c.timings && { ...c.timings, fresh: undefined } });
  const cells = done.cells.map(fresh);
  const state = new RunViewState('/runs/light', {
    ...done,
    status: 'running',
    stats: [],
    cells: cells.map(({ graph: _g, timings: _t, images: _i, ...c }) => ({ ...c, status: 'queued', images: [] })),
  });
  let last: ColumnStats[] = [];
  for (const c of cells) {
    const msg = state.apply({ type: 'cell', runDir: '/runs/light', cell: c });
    assert.equal(msg.type, 'cell');
    if (msg.type === 'cell') last = msg.stats;
  }
  const light = last.find((s) => s.axes.decoder === 'lighttaew2_1')!;
  assert.ok(light.measured && light.all!.mean > light.measured.mean, 'the reused sampling is priced in');
  for (const s of last) assert.ok(Math.abs(s.all!.mean - expected.get(s.column)!) < 1e-9, `${s.column}: as in run.json`);
  assert.ok(!state.record.cells.some((c) => c.graph), 'the graphs stay in the host');
});

test('stage 2 swept on one stage 1: the later jobs reuse stage 1 and are priced at both stages', async () => {
  const record = await runExample('two-stage-refine.qwenprompt');
  assert.equal(record.cells.length, 3);
  assertFreshCosts(record);
  const [first, ...rest] = record.cells;
  assert.deepEqual(
    first.timings!.samplers!.map((s) => s.node),
    ['3', '76'],
    'the first job ran both stages',
  );
  for (const c of rest) {
    const t = c.timings!;
    assert.deepEqual(
      t.samplers!.map((s) => s.node),
      ['76'],
      'only stage 2 ran',
    );
    const stage1 = t.fresh!.reused.find((r) => r.node === '3')!;
    assert.equal(stage1.from, first.key, 'stage 1 came from the first job');
    const firstStage1 = first.timings!.samplers!.find((s) => s.node === '3')!;
    assert.equal(t.fresh!.samplingMs, firstStage1.ms + t.samplers![0].ms, 'sampling time covers both stages');
    assert.equal(t.fresh!.itPerSec, (firstStage1.steps + t.samplers![0].steps) / (t.fresh!.samplingMs! / 1000));
  }
  for (const s of record.stats) assert.equal(s.all!.n, 1, `${s.column} was measured, not dropped as cached`);
  assert.equal(distinctImages(record.cells), 3, 'each stage 2 cfg draws its own image');
});

test('split against single-stage, paired: same seeds, each split image scored against the single-stage image of its seed', async () => {
  const record = await runExample('split-vs-single.qwenprompt');
  assert.equal(record.cells.length, 4);
  assertFreshCosts(record);
  const single = record.cells.filter((c) => c.variant === 'single-40');
  const split = record.cells.filter((c) => c.variant === 'split-25+15');
  assert.deepEqual(
    split.map((c) => c.seed),
    single.map((c) => c.seed),
    'the split runs the seeds of the single-stage setting',
  );
  for (const c of split) {
    const ref = single.find((s) => s.seed === c.seed)!;
    assert.equal(c.convergence!.reference, ref.key, 'scored against the single-stage image of its own seed');
    assert.ok(c.convergence!.ssim < 1, 'the split draws another image');
    assert.deepEqual(c.graph!['3'].inputs.steps, ref.graph!['3'].inputs.steps, 'both sample the same 40-step schedule');
  }
  for (const c of single) assert.equal(c.convergence!.reference, c.key);
  // The reference is the single-stage setting whichever took longer: a split at the same steps gives way to it.
  const slowerSplit = record.stats.map((s) => ({
    ...s,
    warm: { ...(s.warm ?? s.all!), mean: s.axes.variant === 'split-25+15' ? 1e9 : 1 },
  }));
  assert.equal(referenceColumn(record.cells, undefined, slowerSplit), single[0].column);
  const summary = record.convergence!.reference!;
  assert.equal(summary.column, single[0].column);
  assert.deepEqual(
    summary.points.map((p) => p.label),
    ['single-40', 'split-25+15'],
  );
});
