import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './helpers/specJobs';
import { QWEN_2512_NEGATIVE } from '../../src/core/comfy/templates';
import { findSpecAt, parseSpecs } from '../../src/core/spec/parse';
import type { SpecDiagnostic } from '../../src/core/spec/types';

const example = (name: string) => fs.readFileSync(path.join(ROOT, 'examples', name), 'utf8');

/** "code@line:char-line:char" — a diagnostic's kind and exact place, compact enough to compare. */
function where(d: SpecDiagnostic): string {
  const r = d.range;
  return `${d.code}@${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;
}

/** Errors and warnings; hints (non-native sizes) have a test of their own. */
function problems(text: string): SpecDiagnostic[] {
  return parseSpecs(text).diagnostics.filter((d) => d.severity !== 'hint');
}

function diagnose(text: string): string[] {
  return problems(text).map(where);
}

function only(text: string): SpecDiagnostic {
  const diagnostics = problems(text);
  assert.equal(diagnostics.length, 1, JSON.stringify(diagnostics, null, 1));
  return diagnostics[0];
}

describe('parseSpecs: the study spec', () => {
  const { specs, diagnostics } = parseSpecs(example('steps-study.qwenprompt'));

  it("reads every field of the step-count study's spec without a problem", () => {
    // 1024x1024 is not a size Qwen-Image was trained at: worth a hint, nothing more.
    assert.deepEqual(
      diagnostics.map((d) => [where(d), d.severity]),
      [['non-native-size@11:6-11:15', 'hint']],
    );
    assert.equal(specs.length, 1);
    const s = specs[0];
    assert.equal(s.name, 'bamboo portrait');
    assert.equal(s.id, 'bamboo-portrait');
    assert.equal(s.model, 'qwen-image-2512');
    assert.match(s.prompt, /^A photorealistic portrait .* 85mm f\/1\.2$/);
    assert.ok(!s.prompt.includes('\n'), 'a folded prompt is one line');
    assert.equal(s.negative, 'deformed, blurry, low quality, text, watermark, extra limbs, disfigured');
    assert.equal(s.seed, 123456789);
    assert.deepEqual([s.width, s.height], [1024, 1024]);
    assert.deepEqual([s.sampler, s.scheduler, s.cfg, s.denoise], ['dpmpp_2m', 'karras', 7, 1]);
    assert.deepEqual(s.steps, [20, 40, 60]);
    assert.equal(s.repeats, 3);
    assert.equal(s.shift, undefined, 'shift left to the template');
    assert.equal(s.errorCount, 0);
  });

  it('puts the CodeLens on the first line after the comments and ranges on the values', () => {
    const s = specs[0];
    assert.equal(s.lensLine, 4);
    assert.deepEqual(s.range.start, { line: 0, character: 0 });
    assert.deepEqual(s.fieldRanges.steps, { start: { line: 15, character: 7 }, end: { line: 15, character: 19 } });
    assert.deepEqual(s.fieldRanges['steps.1'], { start: { line: 15, character: 12 }, end: { line: 15, character: 14 } });
    assert.deepEqual(s.fieldRanges.size, { start: { line: 11, character: 6 }, end: { line: 11, character: 15 } });
    // A folded block scalar ends on its last text line, not on the next key's line.
    assert.deepEqual(s.fieldRanges.prompt.start, { line: 6, character: 8 });
    assert.equal(s.fieldRanges.prompt.end.line, 8);
  });
});

describe('parseSpecs: defaults and shapes', () => {
  it('fills Qwen-Image-2512 defaults when only a prompt is given', () => {
    const [s] = parseSpecs('prompt: a red fox\n').specs;
    assert.equal(s.model, 'qwen-image-2512');
    assert.deepEqual(s.steps, [20, 40, 60], 'a spec that names no steps asks the question of the study: 20, 40, 60');
    assert.deepEqual([s.cfg, s.sampler, s.scheduler, s.width, s.height, s.denoise], [4, 'euler', 'simple', 1328, 1328, 1]);
    assert.equal(s.negative, QWEN_2512_NEGATIVE);
    assert.deepEqual([s.seed, s.repeats, s.sweep, s.inputs, s.models], [0, 1, [], {}, {}]);
    assert.equal(s.name, 'spec-1');
  });

  it("uses the chosen template's defaults", () => {
    const [s] = parseSpecs('model: sd-checkpoint\nprompt: a red fox\n').specs;
    assert.deepEqual([s.steps, s.cfg, s.scheduler, s.width, s.negative], [[20, 40, 60], 8, 'normal', 512, '']);
  });

  it('accepts a single step count, width/height, seeds, sweeps and inputs', () => {
    const text = [
      'prompt: fox',
      'steps: 30',
      'width: 768',
      'height: 512',
      'seeds: [5, 9]',
      'shift: 2.5',
      'models: {unet: a.safetensors, loraStrength: 0.8}',
      'sweep:',
      '  cfg: [6.5, 7]',
      '  My LoRA.strength_model: [0.5, 1]',
      'inputs:',
      '  KSampler.denoise: 0.9',
    ].join('\n');
    const { specs } = parseSpecs(text);
    assert.deepEqual(problems(text), []);
    const s = specs[0];
    assert.deepEqual(s.steps, [30]);
    assert.deepEqual([s.width, s.height, s.shift], [768, 512, 2.5]);
    assert.deepEqual(s.seeds, [5, 9]);
    assert.equal(s.repeats, 2, 'one repeat per seed');
    assert.deepEqual(s.models, { unet: 'a.safetensors', loraStrength: 0.8 });
    assert.deepEqual(s.sweep, [
      { name: 'cfg', values: [6.5, 7] },
      { name: 'My LoRA.strength_model', values: [0.5, 1] },
    ]);
    assert.deepEqual(s.inputs, { 'KSampler.denoise': 0.9 });
    assert.ok(s.fieldRanges['sweep.cfg.1'] && s.fieldRanges['inputs.KSampler.denoise'] && s.fieldRanges['models.unet']);
  });

  it('accepts seeds as a sweep axis and booleans as node input values', () => {
    const text = [
      'prompt: fox',
      'sweep:',
      '  seed: [1, 2, 3]',
      '  Enable 4 Steps LoRA?.value: [false, true]',
      'inputs:',
      '  197:196.value: true',
    ].join('\n');
    assert.deepEqual(problems(text), []);
    const [s] = parseSpecs(text).specs;
    assert.deepEqual(s.sweep, [
      { name: 'seed', values: [1, 2, 3] },
      { name: 'Enable 4 Steps LoRA?.value', values: [false, true] },
    ]);
    assert.deepEqual(s.inputs, { '197:196.value': true });
    assert.equal(where(only('prompt: fox\nsweep:\n  seed: [1, -2]\n')).split('@')[1], '2:12-2:14', 'a negative seed is placed on its item');
  });

  it('takes a workflow instead of a template', () => {
    const [s] = parseSpecs('workflow: ./g.api.json\nprompt: fox\n').specs;
    assert.equal(s.workflow, './g.api.json');
    assert.equal(s.model, undefined);
    assert.equal(s.negative, '', 'no template negative is imposed on a user graph');
  });

  it('an empty or comment-only file has no specs and no problems', () => {
    assert.deepEqual(parseSpecs(''), { specs: [], diagnostics: [] });
    assert.deepEqual(parseSpecs('# notes\n\n# more\n'), { specs: [], diagnostics: [] });
  });

  it('reads CRLF files with the same positions', () => {
    const r = parseSpecs('prompt: fox\r\nsteps: [0, 2]\r\n---\r\nprompt: owl\r\n');
    assert.deepEqual(
      r.specs.map((s) => [s.prompt, s.lensLine]),
      [
        ['fox', 0],
        ['owl', 3],
      ],
    );
    assert.deepEqual(r.diagnostics.map(where), ['out-of-range@1:8-1:9']);
  });
});

describe('parseSpecs: several documents', () => {
  const text = [
    '# shared comment', //         0
    'name: Fox at dawn', //        1
    'prompt: fox', //              2
    '# trailing', //               3
    '---', //                      4
    '# second', //                 5
    'prompt: owl', //              6
    'steps: [1, 2]', //            7
    '---', //                      8
    'name: Fox at dawn', //        9
    'prompt: cat', //             10
    'steps: 0', //                11
    '---', //                     12
    '', //                        13
  ].join('\n');
  const result = parseSpecs(text);

  it('gives one spec per document with unique ids, lens lines and ranges', () => {
    assert.deepEqual(
      result.specs.map((s) => [s.index, s.id, s.lensLine, s.range.start.line, s.prompt]),
      [
        [0, 'fox-at-dawn', 1, 0, 'fox'],
        [1, 'spec-2', 6, 4, 'owl'],
        [2, 'fox-at-dawn-2', 9, 8, 'cat'],
      ],
      'a trailing --- adds no spec',
    );
  });

  it('places each problem in its own document and counts errors per spec', () => {
    assert.deepEqual(diagnose(text), ['out-of-range@11:7-11:8']);
    assert.equal(result.diagnostics[0].specIndex, 2);
    assert.deepEqual(
      result.specs.map((s) => s.errorCount),
      [0, 0, 1],
    );
  });

  it('findSpecAt finds the spec of a line, comments included', () => {
    assert.equal(findSpecAt(result, 0)?.index, 0);
    assert.equal(findSpecAt(result, 3)?.index, 0, 'a comment before the next --- belongs to the spec above');
    assert.equal(findSpecAt(result, 5)?.index, 1);
    assert.equal(findSpecAt(result, 10)?.index, 2);
    assert.equal(findSpecAt(result, 99), undefined);
  });

  it('a --- inside a block scalar ends the document, as YAML says', () => {
    const r = parseSpecs('prompt: |\n  fox\n---\nprompt: owl\n');
    assert.deepEqual(
      r.specs.map((s) => s.prompt),
      ['fox', 'owl'],
    );
  });

  it('an edited document is re-read while the others keep their values', () => {
    const before = parseSpecs(text);
    const after = parseSpecs(text.replace('prompt: owl', 'prompt: owl at night'));
    assert.equal(after.specs[1].prompt, 'owl at night');
    assert.deepEqual(after.specs[2].fieldRanges, before.specs[2].fieldRanges);
    after.specs[0].steps.push(99);
    assert.deepEqual(parseSpecs(text).specs[0].steps, [20, 40, 60], 'results are copies: changing one does not change the next parse');
  });
});

describe('parseSpecs: diagnostics, each on the offending text', () => {
  it("YAML syntax errors keep yaml's place", () => {
    const d = only('prompt: fox\nsteps: 3\n\tcfg: 2\n');
    assert.equal(where(d), 'yaml-syntax@2:0-2:1');
    assert.equal(d.severity, 'error');
    assert.match(d.message, /Tabs/);
    // An unclosed quote is reported at the end of the text: marked on the last character written.
    assert.equal(where(only('prompt: "fox\nsteps: 3\n\n')), 'yaml-syntax@1:7-1:8');
    assert.equal(where(only('prompt: fox\nsteps: [1, 2\n')), 'yaml-syntax@1:11-1:12');
    assert.match(d.message, /^YAML: /);
  });

  it('duplicate keys are marked on the second key', () => {
    const d = only('prompt: fox\nsteps: 3\nsteps: 4\n');
    assert.equal(where(d), 'duplicate-key@2:0-2:5');
    assert.match(d.message, /Duplicate key 'steps'/);
  });

  it('unknown keys are marked on the key, with a suggestion', () => {
    const d = only('prompt: fox\nstpes: 3\n');
    assert.equal(where(d), 'unknown-key@1:0-1:5');
    assert.match(d.message, /Unknown key 'stpes'\. Did you mean 'steps'\?/);
    const m = only('prompt: fox\nmodels:\n  unett: a.gguf\n');
    assert.equal(where(m), 'unknown-key@2:2-2:7');
    assert.match(m.message, /in models\. Did you mean 'unet'\?/);
  });

  it('scenarios: a bad threshold is marked on its own line, a misspelt requirement on its key, and the rest is kept', () => {
    const text =
      'prompt: fox\nscenarios:\n  explore:\n    minSsim: 1.5\n  print:\n    minStructur: 4\n  everyday: {minSsim: 0.9}\n  final: false\n';
    const r = parseSpecs(text);
    assert.deepEqual(r.diagnostics.map(where), ['out-of-range@3:13-3:16', 'unknown-key@5:4-5:15']);
    assert.equal(r.diagnostics[0].message, 'scenarios.explore.minSsim must be ≤ 1 (got 1.5).');
    assert.match(r.diagnostics[1].message, /Unknown key 'minStructur' in scenarios\.print\. Did you mean 'minStructure'\?/);
    assert.deepEqual(r.specs[0].scenarios, { everyday: { minSsim: 0.9 }, final: false });
    assert.equal(where(only('prompt: fox\nscenarios:\n  final: true\n')), 'out-of-range@2:9-2:13');
  });

  it('steps is not a sweep axis, and says where it goes', () => {
    const d = only('prompt: fox\nsweep:\n  steps: [1, 2]\n');
    assert.equal(where(d), 'unknown-key@2:2-2:7');
    assert.match(d.message, /not a sweep axis.*steps: \[20, 40, 60\]/);
  });

  it('wrong types are marked on the value, in words', () => {
    const d = only('prompt: fox\ncfg: high\n');
    assert.equal(where(d), 'wrong-type@1:5-1:9');
    assert.equal(d.message, "cfg must be a number (got 'high').");
    assert.equal(only('prompt: fox\nsteps: [20, x]\n').message, "steps must be a whole number (got 'x').");
    assert.equal(only('prompt: fox\nsteps: abc\n').message, "steps must be a whole number or a list of them (got 'abc').");
    assert.equal(where(only('prompt: fox\nseed: 1.5\n')), 'wrong-type@1:6-1:9');
  });

  it('out-of-range values are marked on the value, with human comparisons', () => {
    assert.equal(only('prompt: fox\nsteps: 0\n').message, 'steps must be ≥ 1 (got 0).');
    const d = only('prompt: fox\nsteps: [20, 0, 60]\n');
    assert.equal(where(d), 'out-of-range@1:12-1:13');
    assert.equal(only('prompt: fox\nsteps: 20000\n').message, 'steps must be ≤ 10000 (got 20000).');
    assert.equal(only('prompt: fox\ncfg: 101\n').message, 'cfg must be ≤ 100 (got 101).');
    assert.equal(only('prompt: fox\ndenoise: 1.5\n').message, 'denoise must be ≤ 1 (got 1.5).');
    assert.equal(only('prompt: fox\nrepeats: 0\n').message, 'repeats must be ≥ 1 (got 0).');
    assert.equal(only('prompt: fox\nseed: -1\n').message, 'seed must be ≥ 0 (got -1).');
    assert.equal(only('prompt: fox\nseed: 9007199254740993\n').code, 'out-of-range');
    assert.equal(where(only('prompt: fox\nsweep:\n  cfg: [7, 200]\n')), 'out-of-range@2:11-2:14');
  });

  it('an empty prompt is marked on its value; a missing one on the first line', () => {
    assert.equal(where(only('name: x\nprompt: ""\n')), 'empty-prompt@1:8-1:10');
    assert.equal(where(only('prompt:   \nsteps: 3\n')), 'empty-prompt@0:0-0:6');
    assert.equal(where(only('prompt: "  "\n')), 'empty-prompt@0:8-0:12');
    const d = only('# comment\nname: fox study\nsteps: 3\n');
    assert.equal(where(d), 'missing-prompt@1:0-1:15');
    assert.equal(parseSpecs('# comment\nname: fox study\n').specs[0].errorCount, 1);
  });

  it('model and workflow together are an error on workflow', () => {
    const d = only('prompt: fox\nmodel: qwen-image\nworkflow: g.json\n');
    assert.equal(where(d), 'model-and-workflow@2:0-2:8');
  });

  it('an unknown template suggests the closest one', () => {
    const d = only('prompt: fox\nmodel: qwen-image-2152\n');
    assert.equal(where(d), 'unknown-template@1:7-1:22');
    assert.match(d.message, /Did you mean 'qwen-image-2512'\?/);
  });

  it('seeds with repeats > 1 conflict', () => {
    const d = only('prompt: fox\nseeds: [1, 2]\nrepeats: 3\n');
    assert.equal(where(d), 'seeds-repeats-conflict@2:9-2:10');
    assert.deepEqual(diagnose('prompt: fox\nseeds: [1, 2]\nrepeats: 1\n'), []);
  });

  it("size must be WIDTHxHEIGHT and fit the template's latent step", () => {
    const f = only('prompt: fox\nsize: 1024*1024\n');
    assert.equal(where(f), 'size-format@1:6-1:15');
    assert.match(f.message, /WIDTHxHEIGHT/);
    const m = only('prompt: fox\nsize: 1000x1024\n');
    assert.equal(where(m), 'size-multiple@1:6-1:15');
    assert.match(m.message, /multiples of 16 .* try 1008x1024/);
    assert.deepEqual(diagnose('model: sd-checkpoint\nprompt: fox\nsize: 520x512\n'), []);
    assert.equal(only('model: sd-checkpoint\nprompt: fox\nsize: 510x512\n').code, 'size-multiple');
    assert.equal(where(only('prompt: fox\nsweep:\n  size: [1024x1024, 1000x1000]\n')), 'size-multiple@2:20-2:29');
    assert.equal(only('prompt: fox\nsize: 8x16\n').code, 'out-of-range');
    assert.equal(only('prompt: fox\nsize: 512x512\nwidth: 512\n').code, 'size-conflict');
  });

  it('sizes Qwen-Image was not trained at get a hint, not a warning', () => {
    const d = parseSpecs('prompt: fox\nsize: 1024x1024\n').diagnostics;
    assert.deepEqual(
      d.map((x) => [where(x), x.severity]),
      [['non-native-size@1:6-1:15', 'hint']],
    );
    assert.match(d[0].message, /native sizes \(1328x1328, 1664x928/);
    assert.deepEqual(parseSpecs('prompt: fox\nsize: 1664x928\n').diagnostics, []);
    assert.deepEqual(parseSpecs('model: sd-checkpoint\nprompt: fox\nsize: 1024x1024\n').diagnostics, []);
  });

  it('unknown samplers and schedulers are warnings with a suggestion', () => {
    const d = only('prompt: fox\nsampler: dpmpp_2n\n');
    assert.deepEqual([where(d), d.severity], ['unknown-sampler@1:9-1:17', 'warning']);
    assert.match(d.message, /Did you mean 'dpmpp_2m'\?/);
    const s = only('prompt: fox\nsweep:\n  scheduler: [karras, karas]\n');
    assert.deepEqual([where(s), s.severity], ['unknown-scheduler@2:22-2:27', 'warning']);
    assert.equal(parseSpecs('prompt: fox\nsampler: my_custom\n').specs[0].errorCount, 0, 'a warning does not block a run');
  });

  it('layout puts axes across, down and into separate grids; a name that is no axis is a warning on its line', () => {
    const spec = parseSpecs(
      'prompt: fox\nsteps: [20, 40]\nsweep:\n  cfg: [6, 7]\n  sampler: [euler, dpmpp_2m]\nlayout: {x: cfg, y: [sampler, repeat], z: steps}\n',
    ).specs[0];
    assert.deepEqual(spec.layout, { x: ['cfg'], y: ['sampler', 'repeat'], z: ['steps'] });
    assert.equal(spec.errorCount, 0);
    const d = only('prompt: fox\nsweep:\n  cfg: [6, 7]\nlayout:\n  x: [steps, cgf]\n');
    assert.deepEqual([where(d), d.severity], ['unknown-layout-axis@4:13-4:16', 'warning']);
    assert.match(d.message, /Did you mean 'cfg'\?/);
    assert.equal(where(only('prompt: fox\nlayout:\n  x: steps\n  y: steps\n')), 'duplicate-layout-axis@3:5-3:10');
    assert.equal(only('prompt: fox\nlayout:\n  x: 3\n').severity, 'error');
  });

  it('inputs keys must name a node input', () => {
    assert.equal(where(only('prompt: fox\ninputs:\n  denoise: 0.5\n')), 'invalid-input-key@2:2-2:9');
  });

  it('warns about model files the template does not use', () => {
    const d = only('prompt: fox\nmodels:\n  checkpoint: a.safetensors\n');
    assert.deepEqual([where(d), d.severity], ['unused-model@2:2-2:12', 'warning']);
  });

  it('warns that shift does nothing with a checkpoint template', () => {
    const d = only('model: sd-checkpoint\nprompt: fox\nshift: 3\n');
    assert.deepEqual([where(d), d.severity], ['unused-field@2:0-2:5', 'warning']);
  });

  it('a document that is not a mapping says what a spec looks like', () => {
    assert.equal(where(only('just a sentence\n')), 'not-a-mapping@0:0-0:15');
  });
});

describe('parseSpecs: robustness', () => {
  it('never throws and always returns positioned diagnostics, whatever the input', () => {
    const seeds = [
      example('steps-study.qwenprompt'),
      example('cheaper-levers.qwenprompt'),
      fs.readFileSync(path.join(ROOT, 'test/fixtures/specs/tricky.qwenprompt'), 'utf8'),
    ];
    const junk = [
      '',
      ':',
      '-',
      '[',
      ']',
      '{',
      '}',
      '"',
      "'",
      '|',
      '>',
      '&a',
      '*a',
      '!!int',
      '\t',
      '\n',
      '---',
      '#',
      '? ',
      '%YAML 1.1',
      '\u0000',
      '🦊',
    ];
    let state = 12345;
    const rand = (n: number) => {
      state = (state * 1103515245 + 12345) % 2147483648;
      return state % n;
    };
    for (let i = 0; i < 100; i++) {
      let t = seeds[i % seeds.length];
      for (let k = 0; k < 1 + rand(4); k++) {
        const at = rand(t.length + 1);
        const cut = rand(3) === 0 ? rand(20) : 0;
        t = t.slice(0, at) + junk[rand(junk.length)] + t.slice(at + cut);
      }
      const lines = t.split('\n').length;
      const r = parseSpecs(t);
      for (const d of r.diagnostics) {
        assert.ok(d.range.start.line >= 0 && d.range.end.line < lines + 1, `diagnostic out of the text: ${JSON.stringify(d)}`);
        assert.ok(d.message.length > 0);
      }
      for (const s of r.specs) {
        assert.ok(s.steps.length > 0 && s.steps.every((n) => Number.isInteger(n) && n >= 1));
      }
    }
  });

  it('anchors and aliases resolve, and a billion laughs does not hang', () => {
    const r = parseSpecs('negative: &p a fox\nprompt: *p\n');
    assert.equal(r.specs[0].prompt, 'a fox');
    const across = parseSpecs('negative: &p a fox\nprompt: x\n---\nprompt: *p\n');
    assert.deepEqual(
      across.diagnostics.map((d) => [d.code, d.range.start.line]),
      [['yaml-syntax', 3]],
      'an anchor of another document is one clear error',
    );
    assert.match(across.diagnostics[0].message, /Unresolved alias/);
    const bomb = [
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
      'prompt: x',
    ].join('\n');
    const b = parseSpecs(bomb);
    assert.ok(b.diagnostics.length > 0);
  });

  it('parses a 200-spec, 3000-line file with one spec per document', () => {
    const one = example('steps-study.qwenprompt');
    const big = Array.from({ length: 200 }, (_, i) => one.replace('bamboo portrait', `bamboo portrait ${i}`)).join('---\n');
    assert.ok(big.split('\n').length >= 3000);
    const r = parseSpecs(big);
    assert.equal(r.specs.length, 200);
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity !== 'hint'),
      [],
    );
    assert.equal(r.specs[199].id, 'bamboo-portrait-199');
  });
});

describe("every field with YAML's corners (flow maps, quoted keys, anchors, directives)", () => {
  it('reads test/fixtures/specs/tricky.qwenprompt as written', () => {
    const r = parseSpecs(fs.readFileSync(path.join(ROOT, 'test/fixtures/specs/tricky.qwenprompt'), 'utf8'));
    assert.deepEqual(
      r.diagnostics.filter((d) => d.severity !== 'hint'),
      [],
    );
    const [a, b] = r.specs;
    assert.equal(a.name, 'tricky: quotes & colons');
    assert.equal(a.lensLine, 3, 'after the comment, the directive and ---');
    assert.deepEqual(a.models, {
      unet: 'qwen_image_bf16.safetensors',
      vae: 'qwen_image_vae.safetensors',
      lora: 'l.safetensors',
      loraStrength: 0.5,
      weightDtype: 'fp8_e4m3fn',
    });
    assert.equal(a.prompt, 'line one\nline two');
    assert.deepEqual([a.steps, a.repeats, a.shift, a.denoise], [[8, 16], 2, 3.1, 0.75]);
    assert.deepEqual(
      a.sweep.map((x) => x.name),
      ['Load LoRA.strength_model', 'denoise'],
    );
    assert.deepEqual(a.inputs, { 'KSampler.cfg': 3 });
    assert.deepEqual([b.prompt, b.negative], ['blurry, text', 'blurry, text']);
  });
});

describe('the examples', () => {
  for (const file of fs.readdirSync(path.join(ROOT, 'examples')).filter((f) => f.endsWith('.qwenprompt'))) {
    it(`${file} parses without a problem`, () => {
      const r = parseSpecs(example(file));
      assert.deepEqual(
        r.diagnostics.filter((d) => d.severity !== 'hint'),
        [],
      );
      assert.ok(r.specs.length > 0);
    });
  }
});
