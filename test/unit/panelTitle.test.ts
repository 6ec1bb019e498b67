import { test } from 'node:test';
import assert from 'node:assert/strict';
import { panelTitle, runTime } from '../../src/core/runs/panelTitle';
import type { CellRecord, RunRecord } from '../../src/shared/runRecord';

const cell = (n: number, status: CellRecord['status']): CellRecord =>
  ({ key: `k${n}`, axes: {}, column: 'c', repeat: 0, seed: n, status, images: [] }) as CellRecord;

function record(status: RunRecord['status'], statuses: CellRecord['status'][]): RunRecord {
  return {
    format: 'qwenprompt-run',
    createdAt: '2026-12-07T14:02:31.000Z',
    status,
    spec: { name: 'bamboo portrait' },
    cells: statuses.map((s, i) => cell(i, s)),
  } as RunRecord;
}

const now = new Date('2026-12-07T18:00:00.000Z');
const opts = { now, timeZone: 'UTC', pinned: false };

test('a running run says how many of its images have ended; an ended one the time it started', () => {
  const running = record('running', ['success', 'cached', 'failed', 'running', 'queued', 'queued', 'queued', 'queued', 'queued']);
  assert.equal(panelTitle(running, opts), 'bamboo portrait · running 3/9');
  assert.equal(panelTitle(record('complete', ['success']), opts), 'bamboo portrait · 14:02');
  assert.equal(panelTitle(record('cancelled', ['cancelled']), opts), 'bamboo portrait · 14:02 · cancelled');
  assert.equal(panelTitle(record('partial', ['success', 'failed']), opts), 'bamboo portrait · 14:02 · partly done');
});

test('a pinned panel says so, another day names the day, no record has a plain title', () => {
  assert.equal(panelTitle(record('complete', ['success']), { ...opts, pinned: true }), 'bamboo portrait · 14:02 · pinned');
  assert.equal(runTime('2026-12-05T09:07:00.000Z', now, 'UTC'), 'Dec 5 09:07');
  assert.equal(runTime('not a time', now, 'UTC'), '');
  assert.equal(panelTitle(undefined, opts), 'QwenPrompt results');
});
