import { test } from 'node:test';
import assert from 'node:assert/strict';
import { columnsOf, planCells } from '../../src/core/runs/plan';
import { studySpec } from './helpers/spec';

test('the study: 3 step counts × 3 repeats, repeat k uses seed + k', () => {
  const cells = planCells(studySpec());
  assert.equal(cells.length, 9);
  assert.deepEqual(
    columnsOf(cells).map((c) => c.column),
    ['20 steps', '40 steps', '60 steps'],
  );
  for (const c of cells) {
    assert.equal(c.settings.seed, 123456789 + c.repeat);
    assert.equal(c.settings.steps, c.axes.steps);
  }
  // Repeat-major: every setting of repeat 0 runs before repeat 1.
  assert.deepEqual(
    cells.slice(0, 3).map((c) => c.repeat),
    [0, 0, 0],
  );
  assert.equal(new Set(cells.map((c) => c.key)).size, 9, 'keys are unique');
});

test('a "20 steps" lens runs only that step count; --repeats overrides the spec', () => {
  const cells = planCells(studySpec(), { steps: [20], repeats: 2 });
  assert.deepEqual(
    cells.map((c) => [c.settings.steps, c.settings.seed]),
    [
      [20, 123456789],
      [20, 123456790],
    ],
  );
});

test('an explicit seed list sets the rows and ignores repeats', () => {
  const cells = planCells(studySpec({ seeds: [7, 99] }), { steps: [40], repeats: 5 });
  assert.deepEqual(
    cells.map((c) => c.settings.seed),
    [7, 99],
  );
});

test('sweep axes cross with steps and set the right settings', () => {
  const spec = studySpec({
    sweep: [
      { name: 'cfg', values: [6.5, 7] },
      { name: 'sampler', values: ['dpmpp_2m', 'euler_ancestral'] },
      { name: 'size', values: ['1328x1328'] },
      { name: 'Upscale.scale_by', values: [1.5] },
    ],
    repeats: 1,
  });
  const cells = planCells(spec, { includeSweep: true, steps: [20, 40] });
  assert.equal(cells.length, 2 * 2 * 2);
  const c = cells.find((x) => x.axes.cfg === 6.5 && x.axes.sampler === 'euler_ancestral' && x.axes.steps === 40)!;
  assert.equal(c.settings.cfg, 6.5);
  assert.equal(c.settings.sampler, 'euler_ancestral');
  assert.equal(c.settings.width, 1328);
  assert.equal(c.settings.inputs['Upscale.scale_by'], 1.5);
  assert.equal(c.column, '40 steps · cfg 6.5 · euler_ancestral · 1328x1328 · Upscale.scale_by 1.5');
  // Without includeSweep the axes are ignored.
  assert.equal(planCells(spec).length, 3);
});
