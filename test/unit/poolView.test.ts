// What the panel says of a pool run: which server made each image, and each server's share and times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellLabel } from '../../webview-ui/view/cells';
import { serverRows } from '../../webview-ui/view/servers';
import type { CellRecord, RunRecord } from '../../src/shared/runRecord';

const GIB = 1024 ** 3;

function cell(key: string, over: Partial<CellRecord>): CellRecord {
  return { key, axes: { steps: 20 }, column: '20 steps', repeat: 0, seed: 1, status: 'queued', images: [], ...over };
}

const done = (ms: number) => ({ executionMs: ms, nodes: [], cachedNodes: [], cold: false, cached: false });

test('an image of a pool run is labelled with the server that made it; a one-server run says nothing of servers', () => {
  assert.equal(cellLabel(cell('a', { status: 'success', timings: done(58_300), server: 'box2' })), '20 steps · 58.3 s · box2');
  assert.equal(cellLabel(cell('a', { status: 'success', timings: done(58_300) })), '20 steps · 58.3 s');
});

test('each server of a pool: its GPU kind, images made, mean time, jobs moved off it, and why one made none', () => {
  const record: Pick<RunRecord, 'servers' | 'cells'> = {
    servers: [
      { name: 'box1', url: 'http://a', gpu: 'NVIDIA GeForce RTX 4090', vramTotalBytes: 24 * GIB, comfyuiVersion: '0.33.0' },
      { name: 'box2', url: 'http://b', gpu: 'NVIDIA A100-SXM4-80GB', vramTotalBytes: 80 * GIB, comfyuiVersion: '0.3.60' },
      { name: 'box3', url: 'http://c', excluded: 'lacks unet_name qwen.safetensors' },
    ],
    cells: [
      cell('a', { status: 'success', timings: done(1000), server: 'box1' }),
      cell('b', { status: 'success', timings: done(3000), server: 'box1', moves: [{ from: 'box2', reason: 'serverDown', at: '' }] }),
      cell('c', { status: 'success', timings: done(500), server: 'box2' }),
      cell('d', { status: 'failed', server: 'box2' }),
    ],
  };
  assert.deepEqual(serverRows(record), [
    { name: 'box1', gpu: 'NVIDIA GeForce RTX 4090 · 24 GiB', comfyui: '0.33.0', images: 2, meanMs: 2000, movedOff: 0 },
    { name: 'box2', gpu: 'NVIDIA A100-SXM4-80GB · 80 GiB', comfyui: '0.3.60', images: 1, meanMs: 500, movedOff: 1 },
    { name: 'box3', gpu: 'unknown GPU', comfyui: '?', images: 0, movedOff: 0, excluded: 'lacks unet_name qwen.safetensors' },
  ]);
  assert.deepEqual(serverRows({ cells: record.cells }), []);
});
