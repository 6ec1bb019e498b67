import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { addRatings } from '../../src/core/quality/addRatings';
import { krippendorffAlpha, meanInterval, t975 } from '../../src/core/quality/agreement';
import { raterAgreement } from '../../src/core/quality/raters';
import { qualitySummary } from '../../src/core/quality/ratings';
import { withRounds } from '../../src/core/quality/rounds';
import { readRunRecord, writeRunRecord } from '../../src/core/runs/record';
import type { Rating } from '../../src/shared/runRecord';
import { ROOT } from './helpers/specJobs';

const FIXTURE = path.join(ROOT, 'test/fixtures/runs/steps-study/2026-11-20T09-00-00Z');
const round3 = (x: number | undefined) => (x === undefined ? undefined : Math.round(x * 1000) / 1000);

// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C: four observers,
// twelve units, values 1–5 with gaps. He gives α = 0.743 (nominal), 0.815 (ordinal), 0.849 (interval).
const _ = undefined;
const OBSERVERS = [
  [1, 2, 3, 3, 2, 1, 4, 1, 2, _, _, _],
  [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, _, 3],
  [_, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, _],
  [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, _],
];
const UNITS = OBSERVERS[0].map((_x, u) => OBSERVERS.map((o) => o[u]).filter((v): v is number => v !== undefined));

test("Krippendorff's alpha reproduces his worked example for nominal, ordinal and interval data", () => {
  assert.equal(round3(krippendorffAlpha(UNITS, 'nominal').alpha), 0.743);
  assert.equal(round3(krippendorffAlpha(UNITS, 'ordinal').alpha), 0.815);
  assert.equal(round3(krippendorffAlpha(UNITS, 'interval').alpha), 0.849);
  // Unit 12 has one value and is not pairable: 40 pairable values in 11 units.
  assert.deepEqual({ ...krippendorffAlpha(UNITS, 'ordinal'), alpha: 0 }, { alpha: 0, n: 40, units: 11 });
});

test('alpha is 1 for raters who agree, below 0 for raters who systematically disagree, and unknown without variation', () => {
  assert.equal(
    krippendorffAlpha(
      [
        [1, 1],
        [3, 3],
        [5, 5],
      ],
      'ordinal',
    ).alpha,
    1,
  );
  assert.ok(
    krippendorffAlpha(
      [
        [1, 5],
        [5, 1],
        [2, 4],
        [4, 2],
      ],
      'ordinal',
    ).alpha! < 0,
  );
  assert.equal(
    krippendorffAlpha(
      [
        [3, 3],
        [3, 3],
      ],
      'ordinal',
    ).alpha,
    undefined,
  );
  assert.equal(krippendorffAlpha([[3], [4]], 'ordinal').alpha, undefined, 'no image was scored twice');
});

test('the 95 % interval of a mean uses Student’s t', () => {
  assert.equal(t975(1), 12.706);
  assert.equal(t975(10), 2.228);
  assert.ok(Math.abs(t975(60) - 2.0) < 0.003);
  const m = meanInterval([3, 4, 5])!;
  assert.equal(m.mean, 4);
  assert.equal(round3(m.half), round3((4.303 * 1) / Math.sqrt(3)));
  assert.equal(meanInterval([4])!.half, undefined);
  assert.equal(meanInterval([]), undefined);
});

function vote(rater: string, cell: string, structure: number, at = '2026-01-01T00:00:00Z'): Rating {
  return { rater, cell, image: `${cell}.png`, scores: { structure }, at };
}

test('a rater the others agree far better without is flagged; each rater’s latest score per image counts', () => {
  const cells = ['a', 'b', 'c', 'd', 'e', 'f'];
  const ana = [1, 2, 3, 4, 5, 3];
  const ben = [1, 2, 3, 4, 5, 4];
  const cy = [5, 4, 1, 2, 1, 2];
  const ratings = cells.flatMap((c, i) => [vote('ana', c, ana[i]), vote('ben', c, ben[i]), vote('cy', c, cy[i])]);
  // An earlier vote of ana's on 'a' that she changed later: only the later one counts.
  ratings.push(vote('ana', 'a', 5, '2025-12-01T00:00:00Z'));
  const { agreement, flags } = raterAgreement(ratings);
  const structure = agreement.find((a) => a.criterion === 'structure')!;
  assert.equal(structure.units, 6);
  assert.equal(structure.n, 18);
  assert.ok(structure.alpha! < 0.3, `α ${structure.alpha}`);
  assert.deepEqual(
    flags.map((f) => [f.rater, f.criterion]),
    [['cy', 'structure']],
  );
  assert.ok(flags[0].alphaWithout > 0.9);
  // Two raters cannot say which of them is off.
  assert.deepEqual(raterAgreement(ratings.filter((r) => r.rater !== 'ben')).flags, []);
});

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_SYSTEM: '/dev/null' },
  });
}

test('two raters rate on two git branches; the merge has no conflict and the panel’s summary reports both and their α', async () => {
  const repo = mkdtempSync(path.join(tmpdir(), 'qp-merge-'));
  const run = path.join(repo, 'runs', 'steps-study');
  cpSync(FIXTURE, run, { recursive: true });
  // A run made now: its run.json holds no votes.
  await writeRunRecord(run, { ...(await readRunRecord(run)), ratings: undefined });
  git(repo, 'init', '-q', '-b', 'main');
  git(repo, 'config', 'user.email', 't@example.invalid');
  git(repo, 'config', 'user.name', 'Tester');
  git(repo, 'add', '.');
  git(repo, 'commit', '-q', '-m', 'run');
  const record = await readRunRecord(run);
  const cells = record.cells.filter((c) => c.images.length).map((c) => c.key);
  const rate = async (branch: string, rater: string, offset: number) => {
    git(repo, 'checkout', '-q', '-b', branch, 'main');
    const votes = cells.map((cell, i) => ({ cell, scores: { structure: 1 + ((i + offset) % 5), texture: 1 + (i % 5) } }));
    await addRatings(run, votes, { rater, blind: true, now: new Date('2026-12-01T10:00:00Z') });
    git(repo, 'add', '.');
    git(repo, 'commit', '-q', '-m', `${rater} rates`);
  };
  await rate('ana', 'Ana', 0);
  await rate('ben', 'Ben', 1);
  git(repo, 'checkout', '-q', 'ana');
  git(repo, 'merge', '-q', '--no-edit', 'ben'); // throws on a conflict
  assert.equal(git(repo, 'status', '--porcelain'), '');
  assert.equal(readdirSync(path.join(run, 'ratings')).length, 2);
  const q = qualitySummary(await withRounds(run, await readRunRecord(run)));
  assert.deepEqual(q.raters, ['Ana', 'Ben']);
  const texture = q.agreement.find((a) => a.criterion === 'texture')!;
  assert.equal(round3(texture.alpha), 1, 'they gave the same texture scores');
  assert.equal(texture.units, cells.length);
  const structure = q.agreement.find((a) => a.criterion === 'structure')!;
  assert.ok(structure.alpha! < 1);
  assert.ok(q.settings.every((s) => s.byRater.some((r) => r.rater === 'Ana') && s.byRater.some((r) => r.rater === 'Ben')));
});
