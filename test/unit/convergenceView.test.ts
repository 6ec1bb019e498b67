import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cellScoreText, convergenceChart, convergenceOf, ratingsVerdict, ssimDetail } from '../../webview-ui/view/convergence';
import type { CellRecord, ConvergenceSummary, Rating, RunRecord } from '../../src/shared/runRecord';

function cell(steps: number, repeat: number, ssim: number): CellRecord {
  const ref = `steps=60#r${repeat}`;
  return {
    key: `steps=${steps}#r${repeat}`,
    axes: { steps },
    column: `${steps} steps`,
    repeat,
    seed: 7 + repeat,
    status: 'success',
    images: [{ file: `${steps}-${repeat}.png`, sha256: '', bytes: 1 }],
    convergence: { reference: ref, ssim, deltaE: (1 - ssim) * 30 },
  };
}

const SUMMARY: ConvergenceSummary = {
  method: 'm',
  threshold: 0.95,
  scoringMs: 3,
  groups: [
    {
      group: '',
      referenceSteps: 60,
      recommendedSteps: 40,
      timeFraction: 0.554,
      points: [
        { steps: 20, column: '20 steps', n: 2, ssim: 0.7, ssimMin: 0.68, deltaE: 9, timeMs: 58_000 },
        { steps: 40, column: '40 steps', n: 2, ssim: 0.962, ssimMin: 0.95, deltaE: 1.1, timeMs: 143_000 },
        { steps: 60, column: '60 steps', n: 2, ssim: 1, ssimMin: 1, deltaE: 0, timeMs: 258_000 },
      ],
    },
  ],
};

function record(ratings: Rating[] = []): RunRecord {
  return {
    format: 'qwenprompt-run',
    version: 1,
    id: 'r',
    createdAt: '',
    status: 'complete',
    spec: { file: 'x', name: 'x', id: 'x', resolved: {} },
    server: { url: 'u' },
    cells: [cell(20, 0, 0.68), cell(40, 0, 0.95), cell(60, 0, 1), cell(20, 1, 0.72), cell(40, 1, 0.974), cell(60, 1, 1)],
    stats: [],
    ratings,
    convergence: SUMMARY,
  };
}

const vote = (steps: number, structure: number, repeat = 0): Rating => ({
  cell: `steps=${steps}#r${repeat}`,
  image: '',
  scores: { structure, texture: 1 },
  at: '',
});

test('under the decision table the panel gives the SSIM figures behind it, per step count', () => {
  assert.equal(ssimDetail(SUMMARY.groups[0]), '20 steps 0.70 · 40 steps 0.96 · 60 steps 1.00 (mean SSIM to 60 steps over 2 seeds)');
  assert.equal(ssimDetail({ ...SUMMARY.groups[0], points: SUMMARY.groups[0].points.slice(0, 1) }), undefined);
});

test('each image’s caption carries its score; the reference says so', () => {
  const rec = record();
  assert.equal(cellScoreText(rec.cells[1]), 'SSIM 0.950 · ΔE 1.5');
  assert.equal(cellScoreText({ ...rec.cells[2], convergence: { reference: 'steps=60#r0', ssim: 1, deltaE: 0 } }), 'reference');
  assert.equal(cellScoreText({ ...rec.cells[0], convergence: undefined }), undefined);
});

test('blind ratings shown beside the recommendation: agreement and disagreement are both said', () => {
  const agree = ratingsVerdict(record([vote(20, 2), vote(40, 4), vote(40, 5, 1), vote(60, 5)]), SUMMARY.groups[0])!;
  assert.equal(agree.agrees, true);
  assert.deepEqual(
    agree.perSteps.map((p) => [p.steps, p.mean, p.votes]),
    [
      [20, 2, 1],
      [40, 4.5, 2],
      [60, 5, 1],
    ],
  );
  assert.match(agree.text, /^Blind ratings agree: 40 steps/);
  const disagree = ratingsVerdict(record([vote(20, 3), vote(40, 3), vote(60, 5)]), SUMMARY.groups[0])!;
  assert.equal(disagree.agrees, false);
  assert.equal(disagree.ratedPick, 60);
  assert.match(disagree.text, /^Blind ratings disagree: reviewers rate 60 steps .* SSIM picks 40/);
  // Votes on the reference alone, or none, say nothing.
  assert.equal(ratingsVerdict(record([vote(60, 5)]), SUMMARY.groups[0]), undefined);
  assert.equal(ratingsVerdict(record(), SUMMARY.groups[0]), undefined);
});

test('the chart puts SSIM (per seed and mean) and time on one plot, with the threshold and the pick marked', () => {
  const rec = record();
  const m = convergenceChart(convergenceOf(rec)!, rec, 560, 280)!;
  const kinds = m.series.map((s) => s.kind);
  assert.deepEqual(kinds, ['seed', 'seed', 'mean', 'time']);
  const mean = m.series.find((s) => s.kind === 'mean')!;
  const time = m.series.find((s) => s.kind === 'time')!;
  assert.equal(mean.points.length, 3);
  // Up the screen = higher: SSIM rises with steps, and so does time.
  assert.ok(mean.points[0].y > mean.points[1].y && mean.points[1].y > mean.points[2].y);
  assert.ok(time.points[0].y > time.points[2].y);
  assert.equal(mean.points[2].y, m.plot.top, 'SSIM 1 sits at the top of the plot');
  assert.ok(m.thresholdY > mean.points[2].y && m.thresholdY < mean.points[0].y, 'the threshold line lies between 20 and 60 steps');
  assert.deepEqual(
    m.picks.map((p) => p.label),
    ['40'],
  );
  assert.equal(m.picks[0].x, mean.points[1].x);
  assert.ok(m.yTicks.some((t) => t.label === '1.00') && m.tTicks.length >= 2);
  assert.equal(convergenceOf({ ...rec, convergence: { groups: 'x' } as never }), undefined, 'a malformed record draws nothing');
});
