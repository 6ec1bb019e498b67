import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellLabel, cellViewState, imageUrl, runProgressText } from '../../webview-ui/view/cells';
import { chartModel, niceStep } from '../../webview-ui/view/chart';
import { cellMeasurements, cellSettings } from '../../webview-ui/view/settings';
import { formatVram, formatCost, formatMeanSd, formatMs, formatRate, formatTick } from '../../src/shared/format';
import type { CellRecord, ColumnStats, RunRecord } from '../../src/shared/runRecord';

function cell(over: Partial<CellRecord> & { steps?: number; repeat?: number }): CellRecord {
  const steps = over.steps ?? 20;
  const repeat = over.repeat ?? 0;
  const { steps: _s, ...rest } = over;
  return {
    key: `steps=${steps}#r${repeat}`,
    axes: { steps },
    column: `${steps} steps`,
    repeat,
    seed: 7 + repeat,
    status: 'queued',
    images: [],
    ...rest,
  };
}

const timings = (executionMs: number, extra: Partial<NonNullable<CellRecord['timings']>> = {}) => ({
  executionMs,
  nodes: [],
  cachedNodes: [],
  cold: false,
  cached: false,
  ...extra,
});

test('each engine status shows as one of the panel’s seven states', () => {
  const cases: [Partial<CellRecord>, string][] = [
    [{ status: 'queued' }, 'queued'],
    [{ status: 'running' }, 'running'],
    [{ status: 'success', timings: timings(58300) }, 'done'],
    [{ status: 'success', timings: timings(1, { cached: true }) }, 'cached'],
    [{ status: 'cached' }, 'cached'],
    [{ status: 'error' }, 'failed'],
    [{ status: 'failed' }, 'failed'],
    [{ status: 'interrupted' }, 'cancelled'],
    [{ status: 'cancelled' }, 'cancelled'],
    [{ status: 'lost' }, 'lost'],
  ];
  for (const [c, want] of cases) assert.equal(cellViewState(cell(c)), want, JSON.stringify(c));
});

test('labels read like the study: "20 steps · 58.3 s"', () => {
  assert.equal(cellLabel(cell({ status: 'success', timings: timings(58300) })), '20 steps · 58.3 s');
  assert.equal(cellLabel(cell({ steps: 60, status: 'success', timings: timings(258000, { cold: true }) })), '60 steps · 258.0 s · cold');
  assert.equal(cellLabel(cell({ status: 'success', timings: timings(1, { cached: true }) })), '20 steps · cached');
  assert.equal(cellLabel(cell({ status: 'error', error: 'OOM' })), '20 steps · failed');
});

test('times, spreads, VRAM, rates and costs are formatted for people', () => {
  assert.equal(formatMs(950), '950 ms');
  assert.equal(formatMs(58300), '58.3 s');
  assert.equal(formatMs(754000), '12 min 34 s');
  assert.equal(formatMeanSd({ n: 3, mean: 58400, sd: 354, min: 58000, max: 58800 }), '58.4 ± 0.4 s');
  assert.equal(formatMeanSd({ n: 1, mean: 58400, sd: 0, min: 58400, max: 58400 }), '58.4 s');
  assert.equal(formatMeanSd({ n: 2, mean: 800, sd: 12.4, min: 790, max: 810 }), '800 ± 12 ms');
  assert.equal(formatMeanSd(undefined), '–');
  assert.equal(formatVram(18.4 * 2 ** 30), '18.4 GiB');
  assert.equal(formatRate(0.3449), '0.34 it/s');
  assert.equal(formatRate(12.34), '12.3 it/s');
  assert.equal(formatCost(2.4578), '2.46×');
  assert.equal(formatTick(100000, 300000), '100 s');
  assert.equal(formatTick(0, 300000), '0 s');
  assert.equal(formatTick(200, 800), '200 ms');
});

test('the header counts what is finished and what is still to come', () => {
  const r = {
    cells: [
      cell({ status: 'success', timings: timings(1000) }),
      cell({ status: 'cached' }),
      cell({ status: 'running' }),
      cell({ status: 'queued' }),
      cell({ status: 'queued' }),
    ],
  } as RunRecord;
  assert.equal(runProgressText(r), '2 of 5 finished · 1 running · 2 queued · 1 cached');
});

test('image URLs stay inside the run folder’s webview URI, with odd names encoded', () => {
  assert.equal(imageUrl('https://h/runs/a/', 'img/20 steps #1.png'), 'https://h/runs/a/img/20%20steps%20%231.png');
});

const col = (steps: number, mean: number, sd: number, extra: Partial<ColumnStats> = {}): ColumnStats => ({
  column: `${steps} steps`,
  axes: { steps },
  warm: { n: 3, mean, sd, min: mean - sd, max: mean + sd },
  cachedCount: 0,
  failedCount: 0,
  ...extra,
});

test('the chart puts more steps to the right and more time higher up, with ±σ bars', () => {
  const m = chartModel([col(40, 143000, 800), col(20, 58400, 400), col(60, 258000, 900)], { width: 560, height: 260 });
  assert.ok(m);
  assert.equal(m.series.length, 1);
  const pts = m.series[0].points;
  assert.deepEqual(
    pts.map((p) => p.steps),
    [20, 40, 60],
  );
  assert.ok(pts[0].x < pts[1].x && pts[1].x < pts[2].x);
  assert.ok(pts[0].y > pts[1].y && pts[1].y > pts[2].y, 'SVG y grows downwards');
  for (const p of pts) {
    assert.ok(p.yHigh < p.y && p.y < p.yLow);
    assert.ok(p.x >= m.plot.left && p.x <= m.plot.right && p.yHigh >= m.plot.top && p.yLow <= m.plot.bottom);
  }
  assert.match(m.series[0].path, /^M[\d.]+,[\d.]+ L[\d.]+,[\d.]+ L[\d.]+,[\d.]+$/);
  assert.deepEqual(
    m.xTicks.map((t) => t.label),
    ['20', '40', '60'],
  );
  assert.equal(m.yTicks[0].label, '0 s');
  assert.ok(m.yTicks[m.yTicks.length - 1].value >= 258900, 'the y axis reaches the top error bar');
});

test('a sweep draws one line per other setting; nothing measured draws nothing', () => {
  const cfg = (steps: number, c: number, mean: number) =>
    col(steps, mean, 0, { column: `${steps} steps · cfg ${c}`, axes: { steps, cfg: c } });
  const m = chartModel([cfg(20, 6.5, 50000), cfg(40, 6.5, 120000), cfg(20, 7, 52000), cfg(40, 7, 125000)], { width: 500, height: 200 });
  assert.deepEqual(
    m?.series.map((s) => s.name),
    ['cfg 6.5', 'cfg 7'],
  );
  assert.equal(
    chartModel([{ column: '20 steps', axes: { steps: 20 }, cachedCount: 2, failedCount: 0 }], { width: 500, height: 200 }),
    undefined,
  );
  assert.equal(niceStep(258900), 100000);
  assert.equal(niceStep(8), 2);
});

test('the zoomed view lists the cell’s own settings over the spec’s, and what was measured', () => {
  const c = cell({
    steps: 40,
    seed: 123456790,
    axes: { steps: 40, cfg: 6.5 },
    status: 'success',
    timings: timings(143000, {
      itPerSec: 0.28,
      peakVramBytes: 18.5e9,
      peakDeviceVramBytes: 20 * 2 ** 30,
      peakTorchVramBytes: 17.5 * 2 ** 30,
      cold: true,
    }),
  });
  const rows = new Map(
    cellSettings(c, { sampler: 'dpmpp_2m', scheduler: 'karras', cfg: 7, width: 1024, height: 1024, prompt: 'a bamboo forest' }),
  );
  assert.equal(rows.get('Steps'), '40');
  assert.equal(rows.get('CFG'), '6.5');
  assert.equal(rows.get('Seed'), '123456790');
  assert.equal(rows.get('Size'), '1024×1024');
  assert.equal(rows.get('Prompt'), 'a bamboo forest');
  const measured = new Map(cellMeasurements(c));
  assert.equal(measured.get('Execution'), '143.0 s');
  assert.equal(measured.get('VRAM (device)'), '20.0 GiB');
  assert.equal(measured.get('VRAM (PyTorch)'), '17.5 GiB');
  assert.equal(measured.get('VRAM (total − free)'), undefined, "ComfyUI's own figure is shown only for records without the device one");
  const old = new Map(cellMeasurements(cell({ status: 'success', timings: timings(1000, { peakVramBytes: 18.5 * 2 ** 30 }) })));
  assert.equal(old.get('VRAM (total − free)'), '18.5 GiB');
  assert.match(measured.get('Models') ?? '', /cold/);
  assert.deepEqual(
    cellSettings(cell({}), 'not an object').map(([k]) => k),
    ['Steps', 'Seed'],
  );
});
