import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main';
import { pairsToScore, summarizeConvergence } from '../../src/core/convergence/analyse';
import { referenceColumn, referenceLines, referenceSentence } from '../../src/core/convergence/reference';
import { readRunRecord } from '../../src/core/runs/record';
import { startFakeComfy } from '../fakes/comfyServer';
import type { CellRecord, ColumnStats, RunRecord } from '../../src/shared/runRecord';
import { costQualityChart, referenceOf } from '../../webview-ui/view/reference';

function cell(variant: string, steps: number, seed: number, ssim?: number, reference?: string): CellRecord {
  const column = `${variant} · ${steps} steps`;
  return {
    key: `variant=${variant},steps=${steps}#s${seed}`,
    axes: { variant, steps },
    column,
    repeat: seed - 1,
    variant,
    seed,
    status: 'success',
    images: [{ file: `${variant}-${steps}-${seed}.png`, sha256: '', bytes: 1 }],
    ...(ssim !== undefined ? { convergence: { reference: reference ?? '', ssim, deltaE: (1 - ssim) * 30 } } : {}),
  };
}

const stats = (times: Record<string, number>): ColumnStats[] =>
  Object.entries(times).map(([column, mean]) => ({
    column,
    axes: {},
    warm: { n: 2, mean, sd: 0, min: mean, max: mean },
    cachedCount: 0,
    failedCount: 0,
  }));

const TIMES = { 'base · 40 steps': 200_000, 'base · 50 steps': 258_000, 'lightning-8 · 8 steps': 23_220, 'lightning-4 · 4 steps': 12_000 };
const PLAN = [1, 2].flatMap((seed) => [
  cell('base', 40, seed),
  cell('base', 50, seed),
  cell('lightning-8', 8, seed),
  cell('lightning-4', 4, seed),
]);

test('the default reference is the costliest variant at its top step count; a spec can name another', () => {
  assert.equal(referenceColumn(PLAN, undefined, stats(TIMES)), 'base · 50 steps');
  // Before anything is timed, the most steps stand for the highest cost.
  assert.equal(referenceColumn(PLAN, undefined), 'base · 50 steps');
  // Measured cost decides over steps: here the 8-step LoRA is the slowest setting.
  assert.equal(referenceColumn(PLAN, undefined, stats({ ...TIMES, 'lightning-8 · 8 steps': 300_000 })), 'lightning-8 · 8 steps');
  assert.equal(referenceColumn(PLAN, 'lightning-8'), 'lightning-8 · 8 steps');
  assert.equal(referenceColumn(PLAN, { variant: 'base', steps: 40 }), 'base · 40 steps');
  assert.equal(referenceColumn(PLAN, { steps: 99 }), undefined);
});

test('every image of every variant meets the reference image of its own seed', () => {
  const pairs = pairsToScore(PLAN, undefined, stats(TIMES));
  assert.equal(pairs.length, 8);
  for (const p of pairs) {
    assert.equal(p.reference.column, 'base · 50 steps');
    assert.equal(p.reference.seed, p.cell.seed);
  }
});

test('the summary spans variants: each setting against the reference, the cheapest that reaches the threshold', () => {
  const ref = (seed: number) => `variant=base,steps=50#s${seed}`;
  const scored = [1, 2].flatMap((seed) => [
    cell('base', 40, seed, 0.97, ref(seed)),
    cell('base', 50, seed, 1, ref(seed)),
    cell('lightning-8', 8, seed, seed === 1 ? 0.92 : 0.94, ref(seed)),
    cell('lightning-4', 4, seed, 0.81, ref(seed)),
  ]);
  for (const c of scored) if (c.axes.steps === 50) c.convergence!.reference = c.key;
  const s = summarizeConvergence({ cells: scored, stats: stats(TIMES) }, 0.9, 'm', 0)!;
  assert.deepEqual(s.groups, []);
  const r = s.reference!;
  assert.equal(r.label, 'base-50');
  assert.deepEqual(
    r.points.map((p) => [p.label, +p.ssim.toFixed(3), p.n]),
    [
      ['base-40', 0.97, 2],
      ['base-50', 1, 2],
      ['lightning-8', 0.93, 2],
      ['lightning-4', 0.81, 2],
    ],
  );
  assert.equal(r.recommended, 'lightning-8 · 8 steps');
  const l8 = r.points.find((p) => p.variant === 'lightning-8')!;
  assert.equal(referenceSentence(l8, r.label), 'lightning-8 reaches 0.93 of base-50 at 9 % of the time');
  assert.deepEqual(referenceLines(r, 0.9), [
    'Against base-50 (mean SSIM over the seeds, same seed each):',
    '  base-40 reaches 0.97 of base-50 at 78 % of the time',
    '  lightning-8 reaches 0.93 of base-50 at 9 % of the time',
    '  lightning-4 reaches 0.81 of base-50 at 5 % of the time',
    'Recommended: lightning-8, the cheapest setting that reaches 0.9 of base-50',
  ]);
  // Nothing else reaches a strict threshold: keep the reference.
  const strict = summarizeConvergence({ cells: scored, stats: stats(TIMES) }, 0.99, 'm', 0)!.reference!;
  assert.equal(strict.recommended, undefined);
  assert.equal(referenceLines(strict, 0.99).at(-1), 'Recommended: keep base-50: no cheaper setting reaches 0.99 of its structure');
});

test('CLI: a two-variant spec against the test server records each cell’s variant and prints the sentence', async () => {
  const fake = await startFakeComfy({ msPerStep: 5 });
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-variants-'));
  const file = path.join(dir, 'levers.qwenprompt');
  writeFileSync(
    file,
    [
      'name: levers',
      'prompt: a lighthouse at dusk',
      'seed: 7',
      'size: 64x64',
      'repeats: 2',
      'variants:',
      '  - name: base',
      '    steps: [20, 30]',
      '    cfg: 4',
      '  - name: lightning-4',
      '    models: {lora: Qwen-Image-2512-Lightning-4steps-V1.0-fp32.safetensors}',
      '    steps: [4]',
      '    cfg: 1',
      '',
    ].join('\n'),
  );
  let text = '';
  const err = new PassThrough();
  err.on('data', (d) => (text += d));
  try {
    const out = new PassThrough();
    const code = await main(['run', file, '--server', fake.url, '--json', '--threshold', '0.5'], { out: out as never, err: err as never });
    assert.equal(code, 0, text);
    const printed = JSON.parse(String(out.read())) as RunRecord;
    const record = await readRunRecord(path.join(dir, '.qwenprompt-runs', printed.spec.id, printed.id));
    assert.deepEqual(
      record.cells.map((c) => `${c.variant}/${c.axes.steps}/${c.seed}`),
      ['base/20/7', 'base/30/7', 'lightning-4/4/7', 'base/20/8', 'base/30/8', 'lightning-4/4/8'],
    );
    const lora = (c: CellRecord) => Object.values(c.graph ?? {}).some((n) => n.class_type === 'LoraLoaderModelOnly');
    assert.deepEqual(record.cells.map(lora), [false, false, true, false, false, true], 'only the lightning cells load the LoRA');
    const ref = record.convergence?.reference;
    assert.equal(ref?.label, 'base-30');
    for (const c of record.cells) {
      assert.equal(c.convergence?.reference, `variant=base,steps=30#r${c.repeat}`, `${c.key} is scored against base-30 of its seed`);
    }
    const l4 = ref!.points.find((p) => p.variant === 'lightning-4')!;
    assert.ok(l4.ssim < ref!.points.find((p) => p.label === 'base-20')!.ssim, '4 steps sit farther from the reference than 20 do');
    assert.match(text, /Against base-30 \(mean SSIM over the seeds, same seed each\):/);
    assert.match(text, new RegExp(`lightning-4 reaches ${l4.ssim.toFixed(2)} of base-30 at \\d+(\\.\\d)? % of the time`));
    // The recommendation line is the decision table now: a row per scenario.
    assert.match(text, /^Decision \(the cheapest setting that meets each scenario\):$/m);
    assert.match(text, /^ {2}everyday {2}\S.* \(needs SSIM ≥ 0\.\d+\): /m);

    // --variant runs one of them; a name the spec lacks is a usage error before anything is sent.
    const one = new PassThrough();
    assert.equal(
      await main(['run', file, '--server', fake.url, '--json', '--variant', 'lightning-4'], { out: one as never, err: err as never }),
      0,
    );
    assert.deepEqual(
      (JSON.parse(String(one.read())) as RunRecord).cells.map((c) => c.key),
      ['variant=lightning-4,steps=4#r0', 'variant=lightning-4,steps=4#r1'],
    );
    text = '';
    assert.equal(
      await main(['run', file, '--server', fake.url, '--variant', 'lightning-8'], { out: new PassThrough() as never, err: err as never }),
      2,
    );
    assert.match(text, /"levers" has no variant 'lightning-8' \(its variants: base, lightning-4\)/);
  } finally {
    await fake.close();
  }
});

test('the panel plots every setting of every variant: SSIM to the reference against its time, one line per variant', () => {
  const ref = (seed: number) => `variant=base,steps=50#s${seed}`;
  const scored = [1, 2].flatMap((seed) => [
    cell('base', 40, seed, 0.97, ref(seed)),
    cell('base', 50, seed, 1, ref(seed)),
    cell('lightning-8', 8, seed, 0.93, ref(seed)),
  ]);
  for (const c of scored) if (c.axes.steps === 50) c.convergence!.reference = c.key;
  const record = { convergence: summarizeConvergence({ cells: scored, stats: stats(TIMES) }, 0.9, 'm', 0) } as RunRecord;
  const r = referenceOf(record)!;
  const m = costQualityChart(r, 0.9)!;
  assert.equal(m.xKind, 'time');
  assert.deepEqual(
    m.series.map((s) => [s.name, s.points.map((p) => p.label)]),
    [
      ['base', ['base-40', 'base-50']],
      ['lightning-8', ['lightning-8']],
    ],
  );
  const [base40, base50] = m.series[0].points;
  const l8 = m.series[1].points[0];
  assert.ok(l8.x < base40.x && base40.x < base50.x, 'cheaper settings stand further left');
  assert.ok(base50.y < l8.y && base50.y < base40.y, 'the reference scores 1, at the top');
  assert.ok(base50.reference && !l8.reference);
  assert.ok(l8.recommended, 'the cheapest setting that reaches the threshold is marked');
  assert.match(l8.title, /lightning-8: mean SSIM 0\.930 to base-50 \(n = 2\)/);
  assert.equal(referenceOf({ convergence: { threshold: 0.9, groups: [], method: 'm', scoringMs: 0 } } as unknown as RunRecord), undefined);
});
