import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildGraph } from '../../src/core/comfy/graph';
import { columnsOf, planCells, specOfCell } from '../../src/core/runs/plan';
import { parseSpecs } from '../../src/core/spec/parse';
import { SPEC_KEYS } from '../../src/core/spec/specKeys';
import type { SpecDiagnostic } from '../../src/core/spec/types';

const LIGHTNING = `name: lightning study
prompt: a red fox in the snow
seed: 123456789
sampler: euler
cfg: 4
repeats: 2
variants:
  - name: base
    steps: [40, 50]
  - name: lightning-4
    models:
      lora: Qwen-Image-2512-Lightning-4steps-V1.0-fp32.safetensors
    steps: [4]
    cfg: 1
`;

function where(d: SpecDiagnostic): string {
  return `${d.code}@${d.range.start.line}:${d.range.start.character}`;
}

function parseOne(text: string) {
  const { specs, diagnostics } = parseSpecs(text);
  assert.equal(specs.length, 1);
  return { spec: specs[0], diagnostics: diagnostics.filter((d) => d.severity !== 'hint') };
}

test('variants: each is the spec with its own fields laid over it, models merged key by key', () => {
  const { spec, diagnostics } = parseOne(LIGHTNING);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(
    spec.variants?.map((v) => [v.name, v.line, v.spec.steps, v.spec.cfg, v.spec.sampler, v.spec.models.lora]),
    [
      ['base', 7, [40, 50], 4, 'euler', undefined],
      ['lightning-4', 9, [4], 1, 'euler', 'Qwen-Image-2512-Lightning-4steps-V1.0-fp32.safetensors'],
    ],
  );
});

test('a variant spec runs every variant × its steps × the seeds, repeat-major, the variant in each cell', () => {
  const { spec } = parseOne(LIGHTNING);
  const cells = planCells(spec);
  assert.deepEqual(
    columnsOf(cells).map((c) => c.column),
    ['base · 40 steps', 'base · 50 steps', 'lightning-4 · 4 steps'],
  );
  assert.deepEqual(
    cells.map((c) => `${c.key} cfg=${c.settings.cfg} seed=${c.settings.seed}`),
    [
      'variant=base,steps=40#r0 cfg=4 seed=123456789',
      'variant=base,steps=50#r0 cfg=4 seed=123456789',
      'variant=lightning-4,steps=4#r0 cfg=1 seed=123456789',
      'variant=base,steps=40#r1 cfg=4 seed=123456790',
      'variant=base,steps=50#r1 cfg=4 seed=123456790',
      'variant=lightning-4,steps=4#r1 cfg=1 seed=123456790',
    ],
  );
  assert.deepEqual([...new Set(cells.map((c) => c.variant))], ['base', 'lightning-4']);
  // The LoRA reaches the graph of the lightning cells only.
  const loras = cells.map((c) =>
    Object.values(buildGraph(specOfCell(spec, c), c.settings).graph).some((n) => n.class_type === 'LoraLoaderModelOnly'),
  );
  assert.deepEqual(loras, [false, false, true, false, false, true]);
});

test('--variant picks variants by name; an unknown name says which exist', () => {
  const { spec } = parseOne(LIGHTNING);
  assert.deepEqual(
    planCells(spec, { variants: ['lightning-4'], repeats: 1 }).map((c) => c.key),
    ['variant=lightning-4,steps=4#r0'],
  );
  assert.throws(() => planCells(spec, { variants: ['lightning-8'] }), /no variant 'lightning-8' \(its variants: base, lightning-4\)/);
});

test('a variant is crossed with the spec sweep unless it writes its own', () => {
  const { spec, diagnostics } = parseOne(`prompt: fox
sweep:
  cfg: [6.5, 7]
variants:
  - name: base
    steps: [20]
  - name: samplers
    steps: [20]
    sweep:
      sampler: [euler, euler_ancestral]
`);
  assert.deepEqual(diagnostics, []);
  assert.deepEqual(
    columnsOf(planCells(spec, { repeats: 1 })).map((c) => c.column),
    ['base · 20 steps · cfg 6.5', 'base · 20 steps · cfg 7', 'samplers · 20 steps · euler', 'samplers · 20 steps · euler_ancestral'],
  );
});

test('paired axes move together instead of being crossed; pair.steps replaces steps', () => {
  const { spec, diagnostics } = parseOne(`prompt: fox
pair:
  steps: [20, 40]
  cfg: [6, 4]
sweep:
  sampler: [euler, dpmpp_2m]
`);
  assert.deepEqual(diagnostics, []);
  const cells = planCells(spec, { includeSweep: true, repeats: 1 });
  assert.deepEqual(
    cells.map((c) => `${c.settings.steps}/${c.settings.cfg}/${c.settings.sampler}`),
    ['20/6/euler', '20/6/dpmpp_2m', '40/4/euler', '40/4/dpmpp_2m'],
  );
  // A "20 steps" lens picks the pair's row at 20 steps, cfg and all.
  assert.deepEqual(
    planCells(spec, { steps: [20], repeats: 1 }).map((c) => c.key),
    ['steps=20,cfg=6#r0'],
  );
});

test('a pair without steps is crossed with the step counts, and its node inputs reach the inputs', () => {
  const { spec } = parseOne(`prompt: fox
steps: [20, 40]
pair:
  sampler: [euler, dpmpp_2m]
  KSampler.denoise: [1, 0.9]
`);
  const cells = planCells(spec, { includeSweep: true, repeats: 1 });
  assert.deepEqual(
    cells.map((c) => `${c.settings.steps}/${c.settings.sampler}/${c.settings.inputs['KSampler.denoise']}`),
    ['20/euler/1', '20/dpmpp_2m/0.9', '40/euler/1', '40/dpmpp_2m/0.9'],
  );
});

test('diagnostics sit on the variant text that caused them', () => {
  const { diagnostics } = parseOne(`prompt: fox
variants:
  - name: base
    stpes: [40]
  - name: base
    cfg: 1
  - steps: [4]
  - name: fast
    sampler: eulr
    pair:
      steps: [4, 8]
      cfg: [1]
`);
  assert.deepEqual(diagnostics.map(where), [
    'unknown-variant-key@3:4',
    'duplicate-variant@4:10',
    'missing-variant-name@6:4',
    'unknown-sampler@8:13',
    'pair-length@11:11',
  ]);
  assert.match(diagnostics[0].message, /Unknown key 'stpes' in a variant\. Did you mean 'steps'\?/);
  assert.match(diagnostics[4].message, /pair\.cfg has 1 value\(s\) but pair\.steps has 2/);
});

test('empty variants, a pair axis also swept, steps beside pair.steps, a reference to no variant', () => {
  const { diagnostics } = parseOne(`prompt: fox
steps: [20]
variants: []
pair:
  steps: [20, 40]
  cfg: [6, 4]
sweep:
  cfg: [5]
reference: base
`);
  assert.deepEqual(diagnostics.map(where), ['steps-and-pair@1:0', 'empty-variants@2:10', 'pair-and-sweep@5:2', 'unknown-reference@8:11']);
});

test('a reference names one of the variants', () => {
  const text = `${LIGHTNING}reference: {variant: lightning-8}\n`;
  const { diagnostics, spec } = parseOne(text);
  assert.deepEqual(diagnostics.map(where), ['unknown-reference@14:21']);
  assert.deepEqual(spec.reference, { variant: 'lightning-8' });
  assert.deepEqual(parseOne(`${LIGHTNING}reference: base\n`).diagnostics, []);
});

test('a variant accepts every spec field but its own name, workflow and variants (completions come from the schema)', () => {
  const inVariant = Object.keys(SPEC_KEYS.variants.children ?? {});
  // reference, layout and scenarios belong to the whole spec: one reference image, one grid, one decision table.
  const expected = Object.keys(SPEC_KEYS).filter((k) => !['name', 'workflow', 'variants', 'reference', 'layout', 'scenarios'].includes(k));
  assert.deepEqual(inVariant.filter((k) => k !== 'name').sort(), expected.sort());
  assert.ok(SPEC_KEYS.variants.children?.cfg.description.includes('guidance'), 'a variant key documents itself like the spec key');
  assert.ok(SPEC_KEYS.variants.children?.sweep.children?.sampler, 'a variant sweep completes its axes');
});

test('a parsed variant keeps its place when the document is not the first', () => {
  const { specs } = parseSpecs(`prompt: one\n---\n${LIGHTNING}`);
  assert.deepEqual(
    specs[1].variants?.map((v) => v.line),
    [9, 11],
  );
});
