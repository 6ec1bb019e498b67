import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { readRunRecord } from '../../src/core/runs/record';
import { isFromWebview, isToWebview } from '../../src/protocol/messages';
import { differencePixels, IDENTITY, panBy, zoomAt } from '../../webview-ui/view/compare';
import { gridPicture, legendLines } from '../../webview-ui/view/exportGrid';
import { pairCells, timingRows } from '../../webview-ui/view/history';
import { placeLabels, qualityChart, type QualityPoint } from '../../webview-ui/view/quality';
import { RatingRound, ratingOrder } from '../../webview-ui/view/rating';
import { qualitySummary } from '../../src/core/quality/ratings';
import { ROOT } from './helpers/specJobs';
import type { CellRecord } from '../../src/shared/runRecord';

const FIXTURE = path.join(ROOT, 'test/fixtures/runs/steps-study/2026-11-20T09-00-00Z');

test('a blind order shows every image once; "row" keeps seed rows together, and differs between rounds', async () => {
  const { cells } = await readRunRecord(FIXTURE);
  const byRow = ratingOrder(cells, 'row', 1);
  assert.deepEqual([...byRow].sort(), cells.map((c) => c.key).sort());
  const repeatOf = (k: string) => cells.find((c) => c.key === k)!.repeat;
  assert.deepEqual(byRow.map(repeatOf), [0, 0, 0, 1, 1, 1, 2, 2, 2]);
  const orders = new Set([1, 2, 3, 4, 5, 6].map((s) => ratingOrder(cells, 'row', s).join()));
  assert.ok(orders.size > 1, 'shuffling changes the order');
  const all = ratingOrder(cells, 'all', 7);
  assert.equal(new Set(all).size, 9);
  assert.deepEqual(ratingOrder(cells, 'all', 7), all, 'the same seed gives the same order');
});

test('images that failed or are still queued are not offered for rating', async () => {
  const { cells } = await readRunRecord(FIXTURE);
  const mixed: CellRecord[] = [
    ...cells.slice(0, 2),
    { ...cells[2], status: 'failed', images: [] },
    { ...cells[3], status: 'queued', images: [] },
  ];
  assert.deepEqual(ratingOrder(mixed, 'all', 3).sort(), [cells[0].key, cells[1].key].sort());
});

test('keyboard scoring: a number scores the current criterion and moves to the next unscored one', () => {
  const round = new RatingRound(['a', 'b']);
  round.score(4);
  round.score(3);
  assert.equal(round.criterion, 2);
  round.moveCriterion(-2);
  round.score(5); // structure re-scored: the next unscored criterion is colour
  assert.equal(round.criterion, 2);
  round.score(2);
  round.score(1);
  round.score(9); // not a score
  assert.deepEqual(round.vote.scores, { structure: 5, texture: 3, colour: 2, adherence: 1 });
  assert.equal(round.complete, 1);
  assert.equal(round.go(-1), false, 'no image before the first');
  assert.equal(round.go(1), true);
  assert.equal(round.criterion, 0);
  assert.ok(round.isLast);
  round.vote.note = '  ';
  assert.deepEqual(
    round.toMessages(),
    [{ cell: 'a', scores: { structure: 5, texture: 3, colour: 2, adherence: 1 } }],
    'unscored images and blank notes are not sent',
  );
  round.score(3);
  round.vote.note = ' sky banding ';
  assert.deepEqual(round.toMessages()[1], { cell: 'b', scores: { structure: 3 }, note: 'sky banding' });
});

test('what the panel sends of a round passes the host’s guard; a score of 6 or a foreign key does not', () => {
  const round = new RatingRound(['a']);
  round.score(5);
  assert.ok(isFromWebview({ type: 'request', id: 1, body: { kind: 'saveRatings', votes: round.toMessages(), blind: true } }));
  assert.ok(
    !isFromWebview({
      type: 'request',
      id: 1,
      body: { kind: 'saveRatings', votes: [{ cell: 'a', scores: { structure: 6 } }], blind: true },
    }),
  );
  assert.ok(
    !isFromWebview({ type: 'request', id: 1, body: { kind: 'saveRatings', votes: [{ cell: 'a', scores: { beauty: 3 } }], blind: true } }),
  );
  assert.ok(isFromWebview({ type: 'request', id: 2, body: { kind: 'exportTable', format: 'csv', to: 'clipboard' } }));
  assert.ok(!isFromWebview({ type: 'request', id: 2, body: { kind: 'exportTable', format: 'xlsx', to: 'clipboard' } }));
  assert.ok(isFromWebview({ type: 'request', id: 3, body: { kind: 'exportGrid', png: new Uint8Array(20), to: 'runFolder' } }));
  assert.ok(!isFromWebview({ type: 'request', id: 3, body: { kind: 'exportGrid', png: 'base64…', to: 'runFolder' } }));
  assert.ok(isFromWebview({ type: 'request', id: 4, body: { kind: 'loadRun', runDir: '/w/.qwenprompt-runs/a/2026' } }));
  assert.ok(isToWebview({ type: 'compareWith', runDir: '/w/.qwenprompt-runs/a/2026' }));
});

test('zoom keeps the point under the cursor still; pan never drags the image off the viewport', () => {
  const t = zoomAt(IDENTITY, 2, 100, 50);
  assert.deepEqual(t, { scale: 2, x: -100, y: -50 });
  // The image point under (100, 50) before the zoom, (100, 50) in image space, stays under it.
  assert.equal(t.x + 100 * t.scale, 100);
  assert.deepEqual(zoomAt(t, 0.25, 10, 10), IDENTITY, 'zooming out past 1× fits again');
  assert.deepEqual(panBy(t, 500, 500, 400, 300), { scale: 2, x: 0, y: 0 });
  assert.deepEqual(panBy(t, -1000, -1000, 400, 300), { scale: 2, x: -400, y: -300 });
});

test('the difference image is |a − b| brightened, and counts the pixels that differ', () => {
  const a = Uint8ClampedArray.from([10, 10, 10, 255, 200, 100, 0, 255]);
  const b = Uint8ClampedArray.from([12, 10, 10, 255, 100, 100, 50, 255]);
  const out = new Uint8ClampedArray(8);
  assert.equal(differencePixels(a, b, out), 0.5);
  assert.deepEqual([...out], [8, 0, 0, 255, 255, 0, 200, 255]);
});

test('the exported grid has a header per setting, the time and full seed under each image, and a legend', async () => {
  const record = await readRunRecord(FIXTURE);
  const pic = gridPicture(record, 200);
  const texts = (kind: string) => pic.texts.filter((t) => t.kind === kind).map((t) => t.text);
  assert.deepEqual(texts('column'), ['20 steps', '40 steps', '60 steps']);
  assert.deepEqual(texts('row'), ['seed 123456789', 'seed 123456790', 'seed 123456791']);
  assert.equal(pic.tiles.length, 9);
  assert.deepEqual(pic.tiles[0].label, ['71.2 s · cold', 'seed 123456789']);
  assert.equal(pic.tiles[0].file, 'steps20-r0.png');
  assert.match(pic.subtitle, /across steps · down seeds$/);
  // Tiles never overlap and all fit inside the picture, above the legend.
  for (const t of pic.tiles) assert.ok(t.x + t.size <= pic.width && t.y + t.size < pic.legendY);
  assert.ok(pic.tiles[1].x >= pic.tiles[0].x + 200);
  assert.deepEqual(legendLines(record).slice(0, 2), [
    'Sampler dpmpp_2m · Scheduler karras · CFG 7 · Size 1024×1024 · Denoise 1 · Model qwen-image-2512',
    'Seeds 123456789, 123456790, 123456791',
  ]);
});

test('the exported grid is laid out as the panel: one grid per z value, stacked, scores under the images', async () => {
  const record = await readRunRecord(FIXTURE);
  const base = record.cells[0];
  const cells: CellRecord[] = [];
  for (const steps of [20, 40])
    for (const cfg of [6, 6.5, 7])
      for (const sampler of ['dpmpp_2m', 'euler', 'euler_ancestral']) {
        const key = `steps=${steps},cfg=${cfg},sampler=${sampler}#r0`;
        const convergence = { reference: steps === 40 ? key : 'ref', ssim: 0.9123, deltaE: 1.25 };
        cells.push({ ...base, key, axes: { steps, cfg, sampler }, column: `${steps} steps · cfg ${cfg} · ${sampler}`, convergence });
      }
  const sweep = { ...record, cells };
  const pic = gridPicture(sweep, 100, { x: ['cfg'], y: ['steps'], z: ['sampler'] });
  const texts = (kind: string) => pic.texts.filter((t) => t.kind === kind);
  assert.deepEqual(
    texts('block').map((t) => t.text),
    ['sampler dpmpp_2m', 'sampler euler', 'sampler euler_ancestral'],
  );
  assert.deepEqual(
    texts('column').map((t) => t.text),
    ['cfg 6', 'cfg 6.5', 'cfg 7', 'cfg 6', 'cfg 6.5', 'cfg 7', 'cfg 6', 'cfg 6.5', 'cfg 7'],
  );
  // Three columns wide, not eighteen; grids one below the other.
  const xs = new Set(pic.tiles.map((t) => t.x));
  assert.equal(xs.size, 3);
  const blocksY = texts('block').map((t) => t.y);
  assert.ok(blocksY[0] < blocksY[1] && blocksY[1] < blocksY[2]);
  const euler = pic.tiles.filter((t) => t.key.includes('sampler=euler#'));
  assert.ok(euler.every((t) => t.y > blocksY[1] && t.y < blocksY[2]));
  const t = pic.tiles.find((x) => x.key === 'steps=20,cfg=6.5,sampler=euler#r0')!;
  assert.equal(t.label[1], `seed ${base.seed} · SSIM 0.912 · ΔE 1.3`);
  assert.ok(pic.width < 720 + 1, `the picture is ${pic.width} px wide`);
});

test('cost–quality chart: every rated setting placed by time and score, no two labels on top of each other', async () => {
  const q = qualitySummary(await readRunRecord(FIXTURE));
  const m = qualityChart(q.settings)!;
  assert.equal(m.points.length, 3);
  const [p20, p40, p60] = m.points;
  assert.ok(p20.x < p40.x && p40.x < p60.x, 'slower is further right');
  assert.ok(p20.y > p40.y && p40.y > p60.y, 'better is higher');
  assert.match(m.frontPath, /^M[\d.]+,[\d.]+ L[\d.]+,[\d.]+ L[\d.]+,[\d.]+$/);
  const crowded: QualityPoint[] = ['a long setting name', 'b long setting name', 'c long setting name'].map((column, i) => ({
    column,
    x: 100 + i,
    y: 100,
    timeMs: 1,
    score: 4,
    onFront: false,
    labelX: 0,
    labelY: 0,
    anchor: 'start',
  }));
  const ys = placeLabels(crowded, 600).map((p) => p.labelY);
  assert.equal(new Set(ys).size, 3, `labels stacked: ${ys.join(', ')}`);
  const edge = placeLabels([{ ...crowded[0], x: 590 }], 600)[0];
  assert.equal(edge.anchor, 'end', 'a label at the right edge goes left of its point');
});

test('two runs: mean times per setting side by side with the change, and the same cells paired', async () => {
  const a = await readRunRecord(FIXTURE);
  const b = { ...a, stats: a.stats.map((s) => ({ ...s, warm: s.warm && { ...s.warm, mean: s.warm.mean * 1.1 } })).slice(0, 2) };
  const rows = timingRows(a.stats, b.stats);
  assert.deepEqual(
    rows.map((r) => [r.column, r.change]),
    [
      ['20 steps', '+10 %'],
      ['40 steps', '+10 %'],
      ['60 steps', undefined],
    ],
  );
  const pairs = pairCells(a.cells, a.cells.slice(0, 3));
  assert.equal(pairs.length, 9);
  assert.equal(pairs[0].b?.key, pairs[0].a?.key);
  assert.equal(pairs.filter((p) => p.b).length, 3);
});
