import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decisionTable, settingFacts, type SettingFacts } from '../../src/shared/scenarios';
import type { CellRecord, ColumnStats, Rating } from '../../src/shared/runRecord';

// The study's three step counts: 20 steps is rough, 40 close, 60 the reference.
const STUDY: SettingFacts[] = [
  { column: '20 steps', axes: { steps: 20 }, timeMs: 58_000, ssim: 0.88, minStructure: 3, adherence: 62 },
  { column: '40 steps', axes: { steps: 40 }, timeMs: 143_000, ssim: 0.96, minStructure: 3, adherence: 89 },
  { column: '60 steps', axes: { steps: 60 }, timeMs: 258_000, ssim: 1, minStructure: 4, adherence: 97 },
];

test('each scenario gets the cheapest setting that meets it: explore 20, everyday 40, final 60, as the study concluded', () => {
  const rows = decisionTable(STUDY);
  assert.deepEqual(
    rows.map((r) => [r.scenario.name, r.pick?.column]),
    [
      ['explore', '20 steps'],
      ['everyday', '40 steps'],
      ['final', '60 steps'],
    ],
  );
  assert.equal(rows[0].needs, 'SSIM ≥ 0.85, no structure score under 3');
  assert.equal(rows[1].note, "55 % of 60 steps's time; SSIM 0.96 vs 1.00; lowest structure 3 vs 4; adherence 89 vs 97");
  assert.equal(rows[2].note, 'the best setting itself');
});

test('a scenario nothing meets says why; a setting with a structure score under 3 is not fit to explore', () => {
  const rough = STUDY.map((f) => (f.column === '20 steps' ? { ...f, minStructure: 2 } : f));
  assert.equal(decisionTable(rough)[0].pick?.column, '40 steps');
  const unrated = STUDY.map(({ minStructure: _m, adherence: _a, ...f }) => f);
  const rows = decisionTable(unrated);
  assert.equal(rows[0].pick, undefined);
  assert.equal(rows[0].note, 'no setting meets it (no structure score)');
  assert.equal(rows[1].pick?.column, '40 steps', 'everyday needs SSIM only');
  assert.equal(decisionTable([])[0].note, 'nothing measured');
  assert.deepEqual(
    decisionTable(STUDY, [{ name: 'draft', minSsim: 0.5 }]).map((r) => r.pick?.column),
    ['20 steps'],
  );
});

test('what the table knows of each setting comes from the run: warm time, mean SSIM, the lowest structure score, adherence counted from tags', () => {
  const cell = (key: string, steps: number, seed: number, ssim: number): CellRecord => ({
    key,
    axes: { steps },
    column: `${steps} steps`,
    repeat: seed,
    seed,
    status: 'success',
    images: [{ file: `${key}.png`, sha256: '', bytes: 1 }],
    convergence: { reference: key, ssim, deltaE: 1 },
  });
  const cells = [cell('a', 20, 0, 0.75), cell('b', 20, 1, 0.95), cell('c', 40, 0, 1), cell('d', 40, 1, 1)];
  const stats = [
    { column: '20 steps', axes: { steps: 20 }, warm: { n: 2, mean: 1000, sd: 0, min: 1000, max: 1000 }, cachedCount: 0, failedCount: 0 },
    { column: '40 steps', axes: { steps: 40 }, all: { n: 2, mean: 2000, sd: 0, min: 2000, max: 2000 }, cachedCount: 0, failedCount: 0 },
  ] as ColumnStats[];
  const vote = (c: string, structure: number, unrequested?: string[]): Rating => ({
    cell: c,
    image: `${c}.png`,
    scores: { structure, adherence: 4 },
    at: '2026-01-01T00:00:00Z',
    ...(unrequested ? { unrequested } : {}),
  });
  const spec = { file: 'l.qwenprompt', name: 'lighthouse', id: 'lighthouse', resolved: { prompt: 'a lighthouse, a cliff, dusk' } };
  const facts = settingFacts({ cells, stats, spec, ratings: [vote('a', 4, ['pendant']), vote('b', 2), vote('c', 5), vote('d', 4)] });
  // Three asked-for elements on each of two images, one unrequested pendant: 6 / 7.
  assert.deepEqual(facts[0], { column: '20 steps', axes: { steps: 20 }, timeMs: 1000, ssim: 0.85, minStructure: 2, adherence: 600 / 7 });
  assert.deepEqual(facts[1], { column: '40 steps', axes: { steps: 40 }, timeMs: 2000, ssim: 1, minStructure: 4, adherence: 100 });
});
