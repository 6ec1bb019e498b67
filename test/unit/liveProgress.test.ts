import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatLeft, runLeftText, runTimeLeft, StepRate, stepText } from '../../webview-ui/view/progress';
import type { CellRecord, JobTimings, RunRecord } from '../../src/shared/runRecord';

const timings = (executionMs: number, samplingMs: number, cold = false): JobTimings =>
  ({ executionMs, samplingMs, itPerSec: 19 / (samplingMs / 1000), nodes: [], cachedNodes: [], cold, cached: false }) as JobTimings;

function cell(key: string, steps: number, status: CellRecord['status'], t?: JobTimings): CellRecord {
  return { key, axes: { steps }, column: `${steps} steps`, repeat: 0, seed: 1, status, images: [], ...(t ? { timings: t } : {}) };
}

const record = (cells: CellRecord[]): RunRecord =>
  ({ status: 'running', spec: { resolved: { steps: [20] } }, cells }) as unknown as RunRecord;

test('the rate is the steps heard over the time between them; a new stage starts it over', () => {
  const r = new StepRate();
  r.add(1000, 1);
  assert.equal(r.itPerSec, undefined, 'one sample is no rate');
  r.add(1500, 3);
  r.add(3000, 9);
  assert.equal(r.itPerSec, 4);
  r.add(3100, 1); // stage 2 of a two-stage job
  assert.equal(r.itPerSec, undefined);
  r.add(3600, 6);
  assert.equal(r.itPerSec, 10);
});

test('the image says its step, rate and time left in numbers', () => {
  assert.equal(stepText(7, 20, undefined), 'step 7/20');
  assert.equal(stepText(7, 20, 3.25), 'step 7/20 · 3.3 it/s · 4 s left');
  assert.equal(stepText(10, 150, 12.4), 'step 10/150 · 12 it/s · 11 s left');
  assert.equal(formatLeft(80_000), '1 min 20 s');
  assert.equal(formatLeft(120_000), '2 min');
  assert.equal(formatLeft(300), '<1 s');
});

test('the run’s time left: steps still to sample at the rate, plus each image not started its share of the warm images’ overhead', () => {
  const cells = [
    cell('a', 20, 'success', timings(6000, 5000, true)), // cold: its model load is not every image's
    cell('b', 20, 'success', timings(5500, 5000)), // warm: 500 ms outside sampling
    cell('c', 20, 'running'),
    cell('d', 40, 'queued'),
  ];
  const progress = new Map([['c', { value: 12, max: 20 }]]);
  // (8 + 40) steps at 4 it/s = 12 s, and one image to start: + 500 ms.
  assert.equal(runTimeLeft(record(cells), progress, 4), 12_500);
  assert.equal(runLeftText(12_500), '≈ 13 s left');
  // Before a live rate, the finished images' own rate (19 steps in 5 s: 3.8 it/s).
  assert.ok(Math.abs(runTimeLeft(record(cells), progress, undefined)! - ((48 * 1000) / 3.8 + 500)) < 1e-6);
  // Two images side by side (a pool) share the work.
  const pool = [...cells, cell('e', 20, 'running')];
  assert.equal(runTimeLeft(record(pool), new Map([...progress, ['e', { value: 0, max: 20 }]]), 4), (68_000 / 4 + 500) / 2);
  assert.equal(runTimeLeft(record(cells.slice(0, 2)), progress, 4), undefined, 'nothing left to make');
  assert.equal(runTimeLeft(record([cell('x', 20, 'queued')]), new Map(), undefined), undefined, 'no rate yet');
});
