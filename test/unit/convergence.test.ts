import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ComfyClient } from '../../src/core/comfy/client';
import { clampThreshold, pairsToScore, recommendationLine, summarizeConvergence } from '../../src/core/convergence/analyse';
import { luminance, resizeArea, type RgbaImage } from '../../src/core/convergence/pixels';
import { decodePng, scorePair } from '../../src/core/convergence/score';
import { ssim } from '../../src/core/convergence/ssim';
import { main } from '../../src/cli/main';
import { readRunRecord, stableStringify } from '../../src/core/runs/record';
import { runSpec } from '../../src/core/runs/session';
import { startFakeComfy } from '../fakes/comfyServer';
import { studySpec } from './helpers/spec';
import { summaryTable } from '../../src/shared/format';
import type { CellRecord, ColumnStats, RunRecord } from '../../src/shared/runRecord';

function fixtureDir(): string {
  for (let dir = __dirname, i = 0; i < 6; i++, dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'test', 'fixtures', 'ssim');
    if (existsSync(path.join(candidate, 'reference.json'))) return candidate;
  }
  throw new Error('test/fixtures/ssim not found');
}
const FIXTURES = fixtureDir();
const png = (name: string) => decodePng(readFileSync(path.join(FIXTURES, name)));

/** A deterministic textured RGBA picture plus uniform noise of the given amplitude, shifted right by `dx`. */
function synthetic(w: number, h: number, noise = 0, dx = 0, seed = 1): RgbaImage {
  const data = new Uint8Array(w * h * 4);
  let s = seed;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32) * 2 - 1;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const u = x - dx;
      const v = 128 + 90 * Math.sin(u / 5) * Math.cos(y / 8);
      const i = (y * w + x) * 4;
      data[i] = v + noise * rnd();
      data[i + 1] = 255 - v + noise * rnd();
      data[i + 2] = ((u >> 3) + (y >> 3)) % 2 ? 200 : 60;
      data[i + 3] = 255;
    }
  }
  return { width: w, height: h, data };
}

test('SSIM of an image with itself is 1 and its ΔE is 0', () => {
  for (const img of [png('base.png'), png('big.png'), synthetic(64, 48)]) {
    const s = scorePair(img, img);
    assert.equal(s.ssim, 1);
    assert.equal(s.deltaE, 0);
  }
});

test('SSIM falls and ΔE rises steadily as noise grows; a shift lowers SSIM more the farther it goes', () => {
  const ref = synthetic(96, 96);
  const noisy = [2, 8, 24, 64].map((a) => scorePair(synthetic(96, 96, a), ref));
  for (let i = 1; i < noisy.length; i++) {
    assert.ok(noisy[i].ssim < noisy[i - 1].ssim, `SSIM at noise step ${i}: ${noisy[i].ssim} ≥ ${noisy[i - 1].ssim}`);
    assert.ok(noisy[i].deltaE > noisy[i - 1].deltaE, `ΔE at noise step ${i}`);
  }
  assert.ok(noisy[0].ssim > 0.98 && noisy[3].ssim < 0.6, `range ${noisy[0].ssim}…${noisy[3].ssim}`);
  const shifted = [1, 2, 4].map((dx) => scorePair(synthetic(96, 96, 0, dx), ref).ssim);
  assert.ok(shifted[0] < 1 && shifted[1] < shifted[0] && shifted[2] < shifted[1], `shifts: ${shifted.join(', ')}`);
});

test('scores match the independent numpy reference (test/fixtures/ssim/reference.py)', () => {
  const ref = JSON.parse(readFileSync(path.join(FIXTURES, 'reference.json'), 'utf8')) as {
    pairs: { image: string; reference: string; ssim: number; deltaE: number }[];
  };
  assert.ok(ref.pairs.length >= 6);
  for (const p of ref.pairs) {
    const s = scorePair(png(p.image), png(p.reference));
    assert.ok(Math.abs(s.ssim - p.ssim) < 2e-4, `${p.image}: SSIM ${s.ssim} vs numpy ${p.ssim}`);
    assert.ok(Math.abs(s.deltaE - p.deltaE) < 0.02, `${p.image}: ΔE ${s.deltaE} vs numpy ${p.deltaE}`);
  }
});

test('area resizing keeps the mean and averages whole blocks exactly', () => {
  const img = synthetic(300, 200, 10);
  const small = resizeArea(img, 256, 171);
  assert.equal(small.width, 256);
  const mean = (xs: ArrayLike<number>) => Array.from(xs).reduce((a, b) => a + b, 0) / xs.length;
  const srcR = Array.from({ length: 300 * 200 }, (_, i) => img.data[i * 4]);
  assert.ok(Math.abs(mean(small.r) - mean(srcR)) < 0.05);
  const half = resizeArea(synthetic(4, 2), 2, 1);
  const src = synthetic(4, 2).data;
  assert.ok(Math.abs(half.r[0] - (src[0] + src[4] + src[16] + src[20]) / 4) < 1e-4);
  // Images smaller than the 11×11 window still get a score.
  const tiny = luminance(resizeArea(synthetic(6, 6), 6, 6));
  assert.equal(ssim(tiny, tiny, 6, 6), 1);
});

const STATS = (times: Record<string, number>): ColumnStats[] =>
  Object.entries(times).map(([column, mean]) => ({
    column,
    axes: {},
    warm: { n: 1, mean, sd: 0, min: mean, max: mean },
    cachedCount: 0,
    failedCount: 0,
  }));

function cell(steps: number, repeat: number, ssimValue?: number, extra: Partial<CellRecord> = {}): CellRecord {
  const axes = { steps, ...(extra.axes ?? {}) };
  const column = [`${steps} steps`, ...Object.entries(extra.axes ?? {}).map(([k, v]) => `${k} ${v}`)].join(' · ');
  const c: CellRecord = {
    key: `${column}#r${repeat}`,
    axes,
    column,
    repeat,
    seed: 100 + repeat,
    status: 'success',
    images: [{ file: `${steps}-${repeat}.png`, sha256: '', bytes: 1 }],
    ...extra,
  };
  c.axes = axes;
  c.column = column;
  if (ssimValue !== undefined) c.convergence = { reference: `ref#r${repeat}`, ssim: ssimValue, deltaE: (1 - ssimValue) * 40 };
  return c;
}

test('the recommendation is the smallest step count whose mean SSIM reaches the threshold, with its time saving', () => {
  const record = {
    cells: [cell(20, 0, 0.8), cell(40, 0, 0.97), cell(60, 0, 1), cell(20, 1, 0.84), cell(40, 1, 0.95), cell(60, 1, 1)],
    stats: STATS({ '20 steps': 58_000, '40 steps': 143_000, '60 steps': 258_000 }),
  };
  const s = summarizeConvergence(record, 0.95, 'm', 12)!;
  assert.equal(s.groups.length, 1);
  const g = s.groups[0];
  assert.deepEqual(
    g.points.map((p) => [p.steps, p.n, +p.ssim.toFixed(3), p.ssimMin]),
    [
      [20, 2, 0.82, 0.8],
      [40, 2, 0.96, 0.95],
      [60, 2, 1, 1],
    ],
  );
  assert.equal(g.recommendedSteps, 40);
  assert.equal(g.referenceSteps, 60);
  assert.ok(Math.abs(g.timeFraction! - 143 / 258) < 1e-9);
  assert.equal(recommendationLine(g, 0.95), '40 steps: 0.96 of 60-step structure at 55 % of the time');
  // A stricter threshold asks for the reference itself, and says so.
  const strict = summarizeConvergence(record, 0.99, 'm', 0)!.groups[0];
  assert.equal(strict.recommendedSteps, 60);
  assert.equal(recommendationLine(strict, 0.99), 'no fewer steps reach SSIM 0.99: keep 60 steps (40 steps: 0.96)');
  // A looser one saves more.
  assert.equal(summarizeConvergence(record, 0.8, 'm', 0)!.groups[0].recommendedSteps, 20);
});

test('each combination of the other swept axes gets its own reference and recommendation', () => {
  const cfg = (v: number) => ({ axes: { cfg: v } });
  const record = {
    cells: [cell(20, 0, 0.96, cfg(6.5)), cell(40, 0, 1, cfg(6.5)), cell(20, 0, 0.7, cfg(7)), cell(40, 0, 1, cfg(7))],
    stats: STATS({ '20 steps · cfg 6.5': 10, '40 steps · cfg 6.5': 20 }),
  };
  const s = summarizeConvergence(record, 0.95, 'm', 0)!;
  assert.deepEqual(
    s.groups.map((g) => [g.group, g.recommendedSteps]),
    [
      ['cfg 6.5', 20],
      ['cfg 7', 40],
    ],
  );
  assert.equal(recommendationLine(s.groups[0], 0.95), 'cfg 6.5: 20 steps: 0.96 of 40-step structure at 50 % of the time');
  assert.equal(s.groups[1].timeFraction, undefined, 'no time saving is claimed without timings');
});

test('pairs: each image meets its own seed’s top step count; a row without its reference is left out', () => {
  const cells = [cell(20, 0), cell(40, 0), cell(60, 0), cell(20, 1), cell(40, 1), cell(60, 1, undefined, { status: 'failed', images: [] })];
  const pairs = pairsToScore(cells);
  assert.deepEqual(
    pairs.map((p) => `${p.cell.key} → ${p.reference.key}`),
    ['20 steps#r0 → 60 steps#r0', '40 steps#r0 → 60 steps#r0', '60 steps#r0 → 60 steps#r0'],
  );
  assert.equal(summarizeConvergence({ cells: [cell(20, 0)], stats: [] }, 0.95, 'm', 0), undefined);
  assert.equal(clampThreshold(1.5), 0.95);
  assert.equal(clampThreshold(0.9), 0.9);
});

test('a steps sweep against the test server stores scores in run.json; 40 steps sits far closer to 60 than 20 does', async () => {
  const fake = await startFakeComfy({ msPerStep: 2, loadMs: 5 });
  const root = mkdtempSync(path.join(tmpdir(), 'qp-conv-'));
  const client = new ComfyClient({ baseUrl: fake.url });
  try {
    const spec = studySpec({ width: 256, height: 256, steps: [20, 40, 60], repeats: 2 });
    const { runDir } = await runSpec({
      spec,
      specFile: '/x/s.qwenprompt',
      client,
      runsRoot: root,
      vramPollMs: 50,
      convergence: { threshold: 0.9 },
    });
    const record: RunRecord = await readRunRecord(runDir);
    assert.equal(record.status, 'complete');
    for (const c of record.cells) assert.ok(c.convergence, `${c.key} has a score`);
    const by = (steps: number) => record.cells.filter((c) => c.axes.steps === steps).map((c) => c.convergence!);
    for (const r of by(60)) assert.deepEqual([r.ssim, r.deltaE], [1, 0]);
    const [s20, s40] = [by(20), by(40)];
    for (let k = 0; k < 2; k++) {
      assert.ok(1 - s40[k].ssim < (1 - s20[k].ssim) / 2, `seed ${k}: 40 steps ${s40[k].ssim} vs 20 steps ${s20[k].ssim}`);
      assert.ok(s40[k].deltaE < s20[k].deltaE / 2);
    }
    const conv = record.convergence!;
    assert.equal(conv.threshold, 0.9);
    assert.match(conv.method, /ssim/);
    const g = conv.groups[0];
    assert.deepEqual(
      g.points.map((p) => p.steps),
      [20, 40, 60],
    );
    assert.equal(g.recommendedSteps, g.points.find((p) => p.ssim >= 0.9)!.steps);
    assert.ok(
      g.points.every((p) => p.timeMs! > 0),
      'each point carries its column’s time',
    );

    const table = summaryTable(record.stats, undefined, conv).split('\n');
    assert.match(table[0], /SSIM\s+ΔE/);
    assert.match(
      table.find((l) => l.startsWith('60 steps'))!,
      /1\.000\s+0\.00/,
    );

    // compare: run B is run A scored afresh (its stored scores removed) and 20 % slower at 60 steps.
    const runB = path.join(root, 'b');
    cpSync(runDir, runB, { recursive: true });
    const b = await readRunRecord(runB);
    delete b.convergence;
    for (const c of b.cells) delete c.convergence;
    const s60 = b.stats.find((s) => s.column === '60 steps')!;
    (s60.warm ?? s60.all)!.mean *= 1.2;
    writeFileSync(path.join(runB, 'run.json'), stableStringify(b));
    const out = new PassThrough();
    const err = new PassThrough();
    const code = await main(['compare', runDir, path.join(runB, 'run.json')], { out, err } as never);
    const md = String(out.read() ?? '');
    assert.equal(code, 0, String(err.read() ?? ''));
    assert.match(md, /\| setting \| time A \| time B \| Δ time \| SSIM A \| SSIM B \|/);
    assert.match(md, /\| 60 steps \| [^|]+ \| [^|]+ \| \+20\.0 % \| 1\.000 \| 1\.000 \| \+0\.000 \|/);
    const row20 = md.split('\n').find((l) => l.startsWith('| 20 steps'))!;
    assert.match(
      row20,
      new RegExp(`\\| ${g.points[0].ssim.toFixed(3)} \\| ${g.points[0].ssim.toFixed(3)} \\| \\+0\\.000 \\|`),
      'the same images score the same when scored again',
    );
    assert.match(md, /Recommendation A: \d+ steps/);
  } finally {
    client.close();
    await fake.close();
  }
});
