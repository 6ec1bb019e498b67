import { test } from 'node:test';
import assert from 'node:assert/strict';
import { layoutAxes, parseLayoutChoice, planGrid, resolveLayout, type LayoutCell } from '../../src/shared/gridLayout';
import type { AxisValue } from '../../src/shared/runRecord';

/** The plan's order: repeat-major, then steps × cfg × sampler as the planner crosses them. */
function sweep(steps: number[], cfg: number[], sampler: string[], repeats = 1, seed = 123456789): LayoutCell[] {
  const out: LayoutCell[] = [];
  for (let r = 0; r < repeats; r++)
    for (const s of steps)
      for (const c of cfg)
        for (const sa of sampler) {
          const axes: Record<string, AxisValue> = { steps: s, cfg: c, sampler: sa };
          out.push({ key: `steps=${s},cfg=${c},sampler=${sa}#r${r}`, axes, repeat: r, seed: seed + r });
        }
  return out;
}

const SAMPLERS = ['dpmpp_2m', 'euler', 'euler_ancestral'];

test('a 3×3 sweep over 2 step counts is no longer one row of 18: steps across, cfg down, one grid per sampler', () => {
  const cells = sweep([20, 40], [6, 6.5, 7], SAMPLERS);
  const g = planGrid(cells);
  assert.deepEqual(g.layout, { x: ['steps'], y: ['cfg'], z: ['sampler'] });
  assert.equal(g.columns, 2);
  assert.deepEqual(
    g.blocks.map((b) => b.title),
    SAMPLERS.map((s) => `sampler ${s}`),
  );
  const euler = g.blocks[1];
  assert.deepEqual(
    euler.columnHeads[0].map((h) => h.text),
    ['20 steps', '40 steps'],
  );
  assert.deepEqual(
    euler.rows.map((r) => r.label),
    ['cfg 6', 'cfg 6.5', 'cfg 7'],
  );
  assert.deepEqual(euler.rows[1].keys, ['steps=20,cfg=6.5,sampler=euler#r0', 'steps=40,cfg=6.5,sampler=euler#r0']);
  // Every cell appears exactly once over the blocks.
  const placed = g.blocks.flatMap((b) => b.rows.flatMap((r) => r.keys));
  assert.deepEqual([...placed].sort(), cells.map((c) => c.key).sort());
});

test('two axes across: the outer header spans its inner columns and the inner one names only what differs', () => {
  const g = planGrid(sweep([20, 40], [6, 6.5, 7], SAMPLERS), { x: ['cfg', 'sampler'], y: ['steps'] });
  assert.deepEqual(g.layout, { x: ['cfg', 'sampler'], y: ['steps'], z: [] });
  assert.equal(g.blocks.length, 1);
  const [outer, inner] = g.blocks[0].columnHeads;
  assert.deepEqual(
    outer.map((h) => [h.text, h.start, h.span]),
    [
      ['cfg 6', 0, 3],
      ['cfg 6.5', 3, 3],
      ['cfg 7', 6, 3],
    ],
  );
  assert.deepEqual(
    inner.map((h) => h.text),
    [...SAMPLERS, ...SAMPLERS, ...SAMPLERS],
  );
  // The tooltip holds the whole setting of the column.
  assert.equal(inner[4].title, 'cfg 6.5 · euler');
  assert.equal(g.blocks[0].columnTitles[8], 'cfg 7 · euler_ancestral');
  assert.deepEqual(
    g.blocks[0].rows.map((r) => r.label),
    ['20 steps', '40 steps'],
  );
  assert.equal(g.blocks[0].title, '');
});

test('repeats go down under the other row axis, each seed named in full, the outer value as a group heading', () => {
  const g = planGrid(sweep([20, 40], [6, 7], ['euler'], 2));
  assert.deepEqual(g.layout, { x: ['steps'], y: ['cfg', 'repeat'], z: [] });
  const rows = g.blocks[0].rows;
  assert.deepEqual(
    rows.map((r) => [r.groups, r.label]),
    [
      [['cfg 6'], 'seed 123456789'],
      [[], 'seed 123456790'],
      [['cfg 7'], 'seed 123456789'],
      [[], 'seed 123456790'],
    ],
  );
  assert.equal(rows[3].title, 'cfg 7 · seed 123456790');
  assert.deepEqual(rows[3].keys, ['steps=20,cfg=7,sampler=euler#r1', 'steps=40,cfg=7,sampler=euler#r1']);
});

test('repeats can go across or into separate grids like any axis', () => {
  const g = planGrid(sweep([20, 40], [6], ['euler'], 3), { x: ['repeat'], y: ['steps'] });
  assert.deepEqual(
    g.blocks[0].columnHeads[0].map((h) => h.text),
    ['seed 123456789', 'seed 123456790', 'seed 123456791'],
  );
  const z = planGrid(sweep([20, 40], [6], ['euler'], 2), { z: ['repeat'] });
  assert.deepEqual(
    z.blocks.map((b) => b.title),
    ['seed 123456789', 'seed 123456790'],
  );
  assert.deepEqual(z.layout, { x: ['steps'], y: [], z: ['repeat'] });
});

test('an axis with one value is no axis; a choice naming unknown or repeated axes keeps what it can', () => {
  const cells = sweep([20], [6, 7], ['euler']);
  assert.deepEqual(
    layoutAxes(cells).map((a) => a.name),
    ['cfg'],
  );
  assert.deepEqual(resolveLayout(layoutAxes(sweep([20, 40], [6, 7], SAMPLERS)), { x: ['sampler', 'nope'], y: ['sampler'] }), {
    x: ['sampler'],
    y: ['steps'],
    z: ['cfg'],
  });
  const one = planGrid(sweep([20], [6], ['euler']));
  assert.equal(one.columns, 1);
  assert.equal(one.blocks[0].rows.length, 1);
  assert.deepEqual(one.blocks[0].columnHeads, []);
});

test('a sparse plan (settings that are not crossed) leaves holes only where no cell exists', () => {
  const cells: LayoutCell[] = [
    { key: 'base-40', axes: { variant: 'base', steps: 40 }, repeat: 0, seed: 1 },
    { key: 'base-50', axes: { variant: 'base', steps: 50 }, repeat: 0, seed: 1 },
    { key: 'light-4', axes: { variant: 'lightning', steps: 4 }, repeat: 0, seed: 1 },
  ];
  const g = planGrid(cells, { x: ['steps'], y: ['variant'] });
  assert.deepEqual(
    g.blocks[0].columnHeads[0].map((h) => h.text),
    ['40 steps', '50 steps', '4 steps'],
  );
  assert.deepEqual(
    g.blocks[0].rows.map((r) => r.keys),
    [
      ['base-40', 'base-50', undefined],
      [undefined, undefined, 'light-4'],
    ],
  );
});

test('paired axes (values that move together) are one axis: one header "25 steps · cfg 4", never a diagonal of holes', () => {
  const cells: LayoutCell[] = [];
  for (const [steps, cfg] of [
    [25, 4],
    [40, 1],
  ])
    for (const sampler of ['euler', 'dpmpp_2m'])
      cells.push({ key: `${steps}-${cfg}-${sampler}`, axes: { steps, cfg, sampler }, repeat: 0, seed: 1 });
  assert.deepEqual(
    layoutAxes(cells).map((a) => a.name),
    ['steps+cfg', 'sampler'],
  );
  const g = planGrid(cells);
  assert.deepEqual(
    g.blocks[0].columnHeads[0].map((h) => h.text),
    ['25 steps · cfg 4', '40 steps · cfg 1'],
  );
  assert.deepEqual(
    g.blocks[0].rows.map((r) => r.keys),
    [
      ['25-4-euler', '40-1-euler'],
      ['25-4-dpmpp_2m', '40-1-dpmpp_2m'],
    ],
  );
  // Naming one axis of the pair moves the pair.
  assert.deepEqual(planGrid(cells, { y: ['cfg'] }).layout, { x: ['sampler'], y: ['steps+cfg'], z: [] });
});

test('a layout choice is read from a spec or a saved state: one name or a list per direction', () => {
  assert.deepEqual(parseLayoutChoice({ x: 'steps', y: ['cfg', 'repeat'] }), { x: ['steps'], y: ['cfg', 'repeat'] });
  assert.equal(parseLayoutChoice({ x: 3 }), undefined);
  assert.equal(parseLayoutChoice(['steps']), undefined);
  assert.equal(parseLayoutChoice({ z: [''] }), undefined);
});
