import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  decisionTable,
  parseScenarioLayer,
  resolveScenarios,
  scenariosOf,
  settingFacts,
  type SettingFacts,
} from '../../src/shared/scenarios';
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
  const harsh = STUDY.map((f) => ({ ...f, minStructure: 2 }));
  assert.equal(decisionTable(harsh)[0].pick, undefined);
  assert.equal(decisionTable(harsh)[0].note, 'no setting meets it (structure)');
  assert.equal(decisionTable([])[0].note, 'nothing measured');
  assert.deepEqual(
    decisionTable(STUDY, [{ name: 'draft', minSsim: 0.5 }]).map((r) => r.pick?.column),
    ['20 steps'],
  );
  assert.equal(decisionTable(STUDY, [{ name: 'strict', minAdherence: 95 }])[0].pick?.column, '60 steps');
});

test('before anyone rates, the table answers from SSIM and says what the pick was not judged on', () => {
  const unrated = STUDY.map(({ minStructure: _m, adherence: _a, ...f }) => f);
  const rows = decisionTable(unrated);
  assert.equal(rows[0].pick?.column, '20 steps');
  assert.deepEqual(rows[0].unjudged, ['structure']);
  assert.match(rows[0].note, /; not judged on structure \(not scored yet\)$/);
  assert.equal(rows[1].pick?.column, '40 steps', 'everyday needs SSIM only');
  assert.equal(rows[1].unjudged, undefined);
  assert.equal(rows[2].note, 'the best setting itself; not judged on adherence (not scored yet)');
});

test('scenarios from the settings and the spec lay over the presets: a name replaces, a new one adds, false drops', () => {
  const setting = parseScenarioLayer({ explore: { minSsim: 0.8 }, final: false, junk: { minSsim: 3 }, other: 'x' });
  assert.deepEqual(setting.layer, { explore: { minSsim: 0.8 }, final: false });
  assert.deepEqual(setting.problems, [
    'scenario junk: minSsim must be a number from 0 to 1',
    'scenario other must be a mapping of what it needs, or false',
  ]);
  const spec = { print: { minSsim: 0.99, minStructure: 4 } };
  assert.deepEqual(resolveScenarios(setting.layer, spec), [
    { name: 'explore', minSsim: 0.8 },
    { name: 'everyday', minSsim: 0.95 },
    { name: 'print', minSsim: 0.99, minStructure: 4 },
  ]);
  const record = {
    spec: { file: 'a.qwenprompt', name: 'a', id: 'a', resolved: { scenarios: { everyday: { minSsim: 0.9 } } } },
    convergence: undefined,
  };
  assert.deepEqual(
    scenariosOf(record).map((s) => [s.name, s.minSsim]),
    [
      ['explore', 0.85],
      ['everyday', 0.9],
      ['final', 0.98],
    ],
  );
  // Without a spec entry, everyday output follows the run's own SSIM threshold (--threshold, the setting).
  const strict = { spec: { ...record.spec, resolved: {} }, convergence: { threshold: 0.97, groups: [] } } as unknown as Parameters<
    typeof scenariosOf
  >[0];
  assert.equal(scenariosOf(strict)[1].minSsim, 0.97);
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
