import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { addRatings } from '../../src/core/quality/addRatings';
import { csvSummary, markdownSummary } from '../../src/core/quality/exportTable';
import { paretoFront, qualitySummary } from '../../src/core/quality/ratings';
import { readRounds, withRounds } from '../../src/core/quality/rounds';
import { readRunRecord, writeRunRecord } from '../../src/core/runs/record';
import type { RunRecord } from '../../src/shared/runRecord';
import { ROOT } from './helpers/specJobs';

const FIXTURE = path.join(ROOT, 'test/fixtures/runs/steps-study/2026-11-20T09-00-00Z');

/** A writable copy of the fixture run. */
function copyRun(): string {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'qp-rate-')), 'run');
  cpSync(FIXTURE, dir, { recursive: true });
  return dir;
}

const round2 = (v: number | undefined) => (v === undefined ? undefined : Math.round(v * 100) / 100);

test('per-setting means per criterion over every vote, with the overall score and warm time beside', async () => {
  const q = qualitySummary(await readRunRecord(FIXTURE));
  assert.deepEqual(
    q.settings.map((s) => [
      s.column,
      s.votes,
      round2(s.means.structure),
      round2(s.means.texture),
      round2(s.means.colour),
      round2(s.means.adherence),
      round2(s.overall),
      s.timeMs,
    ]),
    [
      ['20 steps', 3, 2.67, 2.67, 4, 3.33, 3.17, 58200],
      ['40 steps', 3, 4, 3.67, 4.33, 4, 4, 143133.33333333334],
      ['60 steps', 3, 4.67, 4.67, 4.33, 4.33, 4.5, 258100],
    ],
  );
  assert.equal(q.votes, 9);
  assert.equal(q.rounds, 2);
  assert.equal(q.lastAt, '2026-11-21T08:30:00.000Z');
});

test('a criterion a reviewer skipped counts only the votes that scored it', () => {
  const cells = [
    { key: 'a', column: '20 steps', axes: { steps: 20 } },
    { key: 'b', column: '20 steps', axes: { steps: 20 } },
  ];
  const q = qualitySummary({
    cells: cells.map((c) => ({ ...c, repeat: 0, seed: 1, status: 'success' as const, images: [] })),
    stats: [],
    ratings: [
      { cell: 'a', image: 'a.png', scores: { structure: 5, texture: 1 }, at: '2026-01-01T00:00:00Z' },
      { cell: 'b', image: 'b.png', scores: { structure: 3 }, at: '2026-01-01T00:00:00Z' },
    ],
  });
  assert.equal(q.settings[0].means.structure, 4);
  assert.equal(q.settings[0].means.texture, 1);
  assert.equal(q.settings[0].counts.texture, 1);
  assert.equal(q.settings[0].means.colour, undefined);
  assert.equal(q.settings[0].overall, 2.5);
});

test('the cost–quality front keeps settings no faster one matches, and drops the dominated', () => {
  const front = paretoFront([
    { id: '20', cost: 58, score: 3.2 },
    { id: '30 euler', cost: 80, score: 3.0 }, // slower and worse than 20 steps
    { id: '40', cost: 143, score: 4.0 },
    { id: '50', cost: 200, score: 4.0 }, // slower than 40 for the same score
    { id: '60', cost: 258, score: 4.5 },
  ]);
  assert.deepEqual([...front].sort(), ['20', '40', '60']);
  assert.deepEqual(
    [
      ...paretoFront([
        { id: 'a', cost: 1, score: 3 },
        { id: 'b', cost: 1, score: 3 },
      ]),
    ].sort(),
    ['a', 'b'],
  );
});

test('the Markdown summary is the study table: time, cost, VRAM and mean scores per step count', async () => {
  const md = markdownSummary(await readRunRecord(FIXTURE));
  assert.equal(
    md,
    [
      '**bamboo portrait** · NVIDIA GeForce RTX 4090 · ComfyUI 0.3.40 · 2026-11-20',
      '',
      'Fixed: qwen-image-2512, seeds 123456789–123456791, 1024×1024, dpmpp_2m, karras, CFG 7',
      '',
      '| Setting | n | Time (mean ± σ) | Relative cost | it/s | VRAM (device) | VRAM (PyTorch) | Structure | Texture | Colour fidelity | Prompt adherence | Overall |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      '| 20 steps | 2 | 58.2 ± 0.1 s | 1.00× | 0.33 | 18.6 GiB | 16.4 GiB | 2.67 | 2.67 | 4.00 | 3.33 | 3.17 ★ |',
      '| 40 steps | 3 | 143.1 ± 0.7 s | 2.46× | 0.28 | 18.7 GiB | 16.5 GiB | 4.00 | 3.67 | 4.33 | 4.00 | 4.00 ★ |',
      '| 60 steps | 3 | 258.1 ± 0.3 s | 4.43× | 0.23 | 18.8 GiB | 16.6 GiB | 4.67 | 4.67 | 4.33 | 4.33 | 4.50 ★ |',
      '',
      '_Times are warm runs; cold runs (models loaded) are left out._',
      '_Scores 1–5, mean of 9 vote(s) in 2 round(s); ★ no faster setting scored as well._',
      '',
      // This record was never scored for SSIM: the decision table answers from the ratings and says so.
      '**Decision:**',
      '',
      '| Scenario | Needs | Cheapest setting that meets it | Time | What it gives up |',
      '| --- | --- | --- | --- | --- |',
      "| explore | SSIM ≥ 0.85, no structure score under 3 | **40 steps** | 143.1 s | 55 % of 60 steps's time; adherence 75 vs 83; not judged on SSIM (not scored yet) |",
      '| everyday | SSIM ≥ 0.95 | – | – | nothing to judge it on yet (SSIM not scored) |',
      '| final | SSIM ≥ 0.98, the best adherence | **60 steps** | 258.1 s | the best setting itself; not judged on SSIM (not scored yet) |',
      '',
    ].join('\n'),
  );
});

test('an unrated run exports no score columns, and a pipe in a name cannot break the table', async () => {
  const r = await readRunRecord(FIXTURE);
  const md = markdownSummary({ ...r, ratings: [], spec: { ...r.spec, name: 'a | b' } });
  assert.match(md, /^\*\*a \\\| b\*\*/);
  assert.match(md, /\| Setting \| n \| Time \(mean ± σ\) \| Relative cost \| it\/s \| VRAM \(device\) \| VRAM \(PyTorch\) \|\n/);
  assert.doesNotMatch(md, /Structure|★/);
});

test('the CSV has plain numbers a spreadsheet can use, one row per setting, quoted where needed', async () => {
  const r = await readRunRecord(FIXTURE);
  const lines = csvSummary(r).trimEnd().split('\r\n');
  assert.equal(
    lines[0],
    'setting,steps,n,mean_ms,sd_ms,min_ms,max_ms,cold_n,cold_mean_ms,relative_cost,it_per_s,peak_vram_bytes,cached,failed,structure,texture,colour,adherence,overall,votes,on_front',
  );
  assert.equal(lines[1], '20 steps,20,2,58200,141.421,58100,58300,1,71200,1,0.334,18400000000,0,0,2.667,2.667,4,3.333,3.167,3,yes');
  assert.equal(lines.length, 4);
  const quoted = csvSummary({ ...r, stats: [{ ...r.stats[0], column: 'cfg 6,5 "a"' }] }).split('\r\n')[1];
  assert.ok(quoted.startsWith('"cfg 6,5 ""a""",20,'), quoted);
});

test('a round is saved as its own file under ratings/, named by rater and round; run.json is left as it was', async () => {
  const dir = copyRun();
  const before = await readRunRecord(dir);
  const runJson = readFileSync(path.join(dir, 'run.json'), 'utf8');
  const after = await addRatings(
    dir,
    [
      {
        cell: 'steps=40#r2',
        scores: { structure: 4, texture: 5, colour: 4, adherence: 3 },
        note: '  sharp bamboo  ',
        unrequested: [' Pendant', 'pendant', ''],
      },
      { cell: 'steps=60#r2', scores: { structure: 5, texture: 9 as number } },
    ],
    { now: new Date('2026-11-26T12:00:00Z'), blind: true, rater: 'Ana María' },
  );
  assert.equal(readFileSync(path.join(dir, 'run.json'), 'utf8'), runJson, 'run.json is not rewritten');
  const files = readdirSync(path.join(dir, 'ratings'));
  assert.equal(files.length, 1);
  assert.match(files[0], /^ana-maria-2026-11-26T120000Z-[0-9a-f]{6}\.json$/);
  const round = JSON.parse(readFileSync(path.join(dir, 'ratings', files[0]), 'utf8'));
  assert.equal(round.rater, 'Ana María');
  assert.equal(round.run, before.id);
  assert.equal(round.votes.length, 2);
  assert.equal(after.ratings!.length, before.ratings!.length + 2);
  const [a, b] = after.ratings!.slice(-2);
  assert.equal(a.image, 'steps40-r2.png');
  assert.equal(a.note, 'sharp bamboo');
  assert.deepEqual(a.unrequested, ['pendant']);
  assert.equal(a.at, '2026-11-26T12:00:00.000Z');
  assert.equal(a.rater, 'Ana María');
  assert.equal(a.blind, true);
  assert.equal(a.round, b.round);
  assert.deepEqual(b.scores, { structure: 5 }, 'a score outside 1–5 is not saved');
  assert.equal(qualitySummary(after).rounds, 3);
  assert.deepEqual(qualitySummary(after).raters, ['unnamed', 'Ana María']);
  // Reading the folder again gives the same votes: the older run.json's and the round file's.
  assert.deepEqual((await withRounds(dir, await readRunRecord(dir))).ratings, after.ratings);
});

test('a run still going is rated on its finished images: run.json is left alone, an image not in yet is refused', async () => {
  const dir = copyRun();
  const r = await readRunRecord(dir);
  const running: RunRecord = {
    ...r,
    status: 'running',
    cells: r.cells.map((c) => (c.key === 'steps=60#r2' ? { ...c, status: 'running', images: [] } : c)),
  };
  await writeRunRecord(dir, running);
  const text = readFileSync(path.join(dir, 'run.json'), 'utf8');
  await assert.rejects(
    addRatings(dir, [{ cell: 'steps=60#r2', scores: { structure: 3 } }], { rater: 'a' }),
    /"60 steps" \(seed \d+\) is not finished yet/,
  );
  const saved = await addRatings(dir, [{ cell: 'steps=20#r0', scores: { structure: 3 } }], { rater: 'a' });
  assert.equal(saved.ratings!.length, r.ratings!.length + 1);
  assert.equal(readFileSync(path.join(dir, 'run.json'), 'utf8'), text, 'the runner’s file is not rewritten');
  assert.equal(readdirSync(path.join(dir, 'ratings')).length, 1);
});

test('two saves at once both land, each in its own file', async () => {
  const dir = copyRun();
  const n = (await readRunRecord(dir)).ratings!.length;
  await Promise.all([
    addRatings(dir, [{ cell: 'steps=20#r1', scores: { colour: 2 } }], { rater: 'ana' }),
    addRatings(dir, [{ cell: 'steps=20#r2', scores: { colour: 5 } }], { rater: 'ana' }),
  ]);
  assert.equal(readdirSync(path.join(dir, 'ratings')).length, 2);
  assert.equal((await withRounds(dir, await readRunRecord(dir))).ratings!.length, n + 2);
});

test('a round file that is not one, or is of another run, is left out and named', async () => {
  const dir = copyRun();
  await addRatings(dir, [{ cell: 'steps=20#r1', scores: { colour: 2 } }], { rater: 'ana' });
  mkdirSync(path.join(dir, 'ratings'), { recursive: true });
  writeFileSync(path.join(dir, 'ratings', 'broken.json'), '{"format":"qwenprompt-ratings","version":1,"run":"x"');
  const [good] = readdirSync(path.join(dir, 'ratings')).filter((f) => f !== 'broken.json');
  const other = JSON.parse(readFileSync(path.join(dir, 'ratings', good), 'utf8'));
  writeFileSync(path.join(dir, 'ratings', 'other.json'), JSON.stringify({ ...other, run: 'another-run', round: 'x1' }));
  const { rounds, bad } = await readRounds(dir);
  assert.equal(rounds.length, 2);
  assert.deepEqual(
    bad.map((b) => path.basename(b.file)),
    ['broken.json'],
  );
  const r = await readRunRecord(dir);
  assert.equal((await withRounds(dir, r)).ratings!.length, r.ratings!.length + 1, 'the other run’s round is not counted');
});

test('a vote for a cell the run does not have is refused', async () => {
  const dir = copyRun();
  await assert.rejects(addRatings(dir, [{ cell: 'steps=99#r0', scores: { colour: 2 } }], { rater: 'a' }), /not an image of this run/);
});
