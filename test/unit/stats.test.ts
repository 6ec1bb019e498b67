import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnStats, summarize } from '../../src/core/runs/stats';
import type { CellRecord, JobTimings } from '../../src/shared/runRecord';

test('summarize: mean, sample standard deviation, min and max', () => {
  const s = summarize([58, 57, 59])!;
  assert.equal(s.n, 3);
  assert.equal(s.mean, 58);
  assert.equal(s.sd, 1);
  assert.equal(s.min, 57);
  assert.equal(s.max, 59);
  assert.equal(summarize([5])!.sd, 0);
  assert.equal(summarize([]), undefined);
});

function cell(column: string, ms: number, extra: Partial<JobTimings> = {}, status: CellRecord['status'] = 'success'): CellRecord {
  return {
    key: `${column}#${Math.random()}`,
    axes: { steps: Number.parseInt(column, 10) },
    column,
    repeat: 0,
    seed: 1,
    status,
    images: [],
    timings: { executionMs: ms, nodes: [], cachedNodes: [], cold: false, cached: false, ...extra },
  };
}

test('cold runs are kept apart, cached runs and failures are left out of statistics', () => {
  const stats = columnStats([
    cell('20 steps', 70_000, { cold: true }),
    cell('20 steps', 58_000, { peakVramBytes: 18.4e9 }),
    cell('20 steps', 58_600, { peakVramBytes: 18.5e9 }),
    cell('40 steps', 143_000),
    cell('40 steps', 1, { cached: true }, 'cached'),
    cell('40 steps', 0, {}, 'error'),
  ]);
  const [s20, s40] = stats;
  assert.equal(s20.warm!.n, 2);
  assert.equal(s20.warm!.mean, 58_300);
  assert.equal(s20.cold!.n, 1);
  assert.equal(s20.cold!.mean, 70_000);
  assert.equal(s20.peakVramBytes, 18.5e9);
  assert.equal(s40.all!.n, 1, 'the cached and the failed run measured nothing');
  assert.equal(s40.cachedCount, 1);
  assert.equal(s40.failedCount, 1);
  assert.equal(s20.relativeCost, 1);
  assert.ok(Math.abs(s40.relativeCost! - 143_000 / 58_300) < 1e-9);
});
