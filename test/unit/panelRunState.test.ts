import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunViewState } from '../../src/features/results/panel/runState';
import type { CellRecord, JobTimings, RunRecord } from '../../src/shared/runRecord';

const timings = (executionMs: number, cold = false): JobTimings => ({ executionMs, nodes: [], cachedNodes: [], cold, cached: false });

function cell(steps: number, repeat: number, status: CellRecord['status'], executionMs?: number): CellRecord {
  return {
    key: `steps=${steps}#r${repeat}`,
    axes: { steps },
    column: `${steps} steps`,
    repeat,
    seed: 100 + repeat,
    status,
    images: executionMs ? [{ file: `s${steps}r${repeat}.png`, sha256: 'x', bytes: 1 }] : [],
    ...(executionMs ? { timings: timings(executionMs) } : {}),
    graph: { '3': { class_type: 'KSampler', inputs: { steps } } },
  };
}

function record(cells: CellRecord[], status: RunRecord['status'] = 'running'): RunRecord {
  return {
    format: 'qwenprompt-run',
    version: 1,
    id: 'r',
    createdAt: '2025-01-01T00:00:00.000Z',
    status,
    spec: { file: 'a.qwenprompt', name: 'a', id: 'a', resolved: {} },
    server: { url: 'http://127.0.0.1:8188' },
    cells,
    stats: [],
    ratings: [],
  };
}

test('the panel never receives the API graphs (they stay in run.json)', () => {
  const s = new RunViewState('/runs/r', record([cell(20, 0, 'queued')]));
  assert.equal(s.record.cells[0].graph, undefined);
  const msg = s.apply({ type: 'cell', runDir: '/runs/r', cell: cell(20, 0, 'success', 58300) });
  assert.equal(msg.type, 'cell');
  assert.ok(msg.type === 'cell' && msg.cell.graph === undefined);
});

test('the summary fills in as cells finish during a run', () => {
  const s = new RunViewState('/runs/r', record([cell(20, 0, 'queued'), cell(20, 1, 'queued'), cell(40, 0, 'queued')]));
  s.apply({ type: 'cell', runDir: '/runs/r', cell: cell(20, 0, 'success', 58000) });
  const msg = s.apply({ type: 'cell', runDir: '/runs/r', cell: cell(40, 0, 'success', 143000) });
  assert.ok(msg.type === 'cell');
  const [c20, c40] = msg.stats;
  assert.equal(c20.warm?.mean, 58000);
  assert.equal(c40.warm?.mean, 143000);
  assert.ok(Math.abs((c40.relativeCost ?? 0) - 143 / 58) < 1e-9);
  assert.deepEqual(s.record.stats, msg.stats);
});

test('a finished record keeps the engine’s own statistics', () => {
  const s = new RunViewState('/runs/r', record([cell(20, 0, 'running')]));
  const final = record([cell(20, 0, 'success', 58000)], 'complete');
  final.stats = [{ column: '20 steps', axes: { steps: 20 }, cachedCount: 0, failedCount: 0, relativeCost: 1 }];
  const msg = s.apply({ type: 'finished', runDir: '/runs/r', record: final });
  assert.ok(msg.type === 'record');
  assert.deepEqual(msg.record.stats, final.stats);
  assert.equal(s.isRunning, false);
});

test('a reloaded webview gets the progress and preview of the running cell, not of finished ones', () => {
  const s = new RunViewState('/runs/r', record([cell(20, 0, 'running'), cell(40, 0, 'queued')]));
  s.apply({ type: 'progress', runDir: '/runs/r', key: 'steps=20#r0', value: 7, max: 20 });
  s.apply({ type: 'preview', runDir: '/runs/r', key: 'steps=20#r0', mime: 'image/jpeg', data: new Uint8Array([1]) });
  let init = s.init('https://base');
  assert.deepEqual(init.progress, { 'steps=20#r0': { value: 7, max: 20 } });
  assert.equal(s.previews().length, 1);
  s.apply({ type: 'cell', runDir: '/runs/r', cell: cell(20, 0, 'success', 58000) });
  s.apply({ type: 'cell', runDir: '/runs/r', cell: cell(40, 0, 'running') });
  init = s.init('https://base');
  assert.deepEqual(init.progress, {});
  assert.deepEqual(s.previews(), []);
  assert.equal(init.record?.cells.find((c) => c.key === 'steps=20#r0')?.status, 'success');
});
