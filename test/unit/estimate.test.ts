// Time estimates from past runs: per GPU kind, template and size; a sweep over a pool split longest first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fitSteps, formatEstimate, plannedEstimate, sweepMs, timeSamples } from '../../src/core/runs/estimate';
import type { CellRecord, RunRecord } from '../../src/shared/runRecord';

const GIB = 1024 ** 3;
const warm = (ms: number) => ({ executionMs: ms, nodes: [], cachedNodes: [], cold: false, cached: false });

function record(gpu: string, cells: Partial<CellRecord>[], servers?: RunRecord['servers']): RunRecord {
  return {
    format: 'qwenprompt-run',
    version: 1,
    id: 'r',
    createdAt: '',
    status: 'complete',
    spec: { file: 'a.qwenprompt', name: 'a', id: 'a', resolved: { model: 'qwen-image-2512', width: 1024, height: 1024 } },
    server: { url: 'http://a', gpu, vramTotalBytes: 24 * GIB },
    ...(servers ? { servers } : {}),
    cells: cells.map((c, i) => ({
      key: `k${i}`,
      axes: { steps: 20 },
      column: '',
      repeat: i,
      seed: i,
      status: 'success',
      images: [],
      ...c,
    })),
    stats: [],
    ratings: [],
  };
}

test('time is fitted as fixed + per-step × steps; one step count alone gives time ∝ steps', () => {
  const m = fitSteps([20, 40, 60].map((steps) => ({ steps, ms: 4000 + 150 * steps })))!;
  assert.ok(Math.abs(m.fixedMs - 4000) < 1e-6 && Math.abs(m.perStepMs - 150) < 1e-9, JSON.stringify(m));
  assert.deepEqual(fitSteps([{ steps: 20, ms: 5000 }]), { fixedMs: 0, perStepMs: 250, n: 1 });
  assert.equal(fitSteps([]), undefined);
});

test('a planned sweep is estimated from past images of the same GPU kind only, and split over the pool', () => {
  const past = timeSamples(
    record('RTX 4090', [
      { axes: { steps: 20 }, timings: warm(4000 + 20 * 2000) },
      { axes: { steps: 40 }, timings: warm(4000 + 40 * 2000) },
      // A cold image (models loaded) says nothing of the steady cost.
      { axes: { steps: 40 }, timings: { ...warm(500_000), cold: true } },
    ]),
  );
  const plan = (gpu: string, servers?: RunRecord['servers']) =>
    record(
      gpu,
      [60, 60, 60].map((steps) => ({ axes: { steps }, status: 'queued' as const })),
      servers,
    );
  // 3 jobs × (4 s + 60 × 2 s) = 372 s on one server.
  assert.equal(plannedEstimate(past, plan('RTX 4090')), 372_000);
  assert.equal(formatEstimate(372_000), '~6 min');
  assert.equal(plannedEstimate(past, plan('A100')), undefined, 'another GPU kind has no past to go by');
  const pool = [
    { name: 'a', url: 'http://a', gpu: 'RTX 4090', vramTotalBytes: 24 * GIB },
    { name: 'b', url: 'http://b', gpu: 'RTX 4090', vramTotalBytes: 24 * GIB },
  ];
  assert.equal(plannedEstimate(past, plan('RTX 4090', pool)), 248_000, 'two of the three jobs on one server');
});

test('longest first over unequal job lengths; estimates read as estimates', () => {
  assert.equal(sweepMs({ fixedMs: 0, perStepMs: 1, n: 1 }, [10, 10, 20], 2), 20);
  assert.equal(formatEstimate(800), '~1 s');
  assert.equal(formatEstimate(35_000), '~35 s');
  assert.equal(formatEstimate(80 * 60_000), '~1 h 20 min');
});
