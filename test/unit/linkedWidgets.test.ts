import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobOf, readRepoFile, realObjectInfo, specOf } from './helpers/specJobs';
import { buildGraph, GraphMappingError, loadUserGraph } from '../../src/core/comfy/graph';
import type { ApiGraph, BuiltGraph } from '../../src/core/comfy/types';
import { checkGraph } from '../../src/core/comfy/workflow/checkGraph';
import { planCells } from '../../src/core/runs/plan';
import type { JobSettings, Spec } from '../../src/core/spec/types';

// The API export of Comfy-Org/workflow_templates templates/image_qwen_Image_2512.json, built by hand
// from the frontend's rules: the subgraph's nodes numbered `197:<inner id>`, the subgraph node's
// promoted widget values (prompt, width, height, turbo toggle, model files) written into the inner
// nodes they feed, Markdown notes dropped, `control_after_generate` not sent. Its KSampler takes
// `steps` and `cfg` from ComfySwitchNode switches driven by the "Enable 4 Steps LoRA?" boolean.
const template2512 = () =>
  loadUserGraph(readRepoFile('test/fixtures/graphs/qwen-image-2512.template.api.json'), 'image_qwen_Image_2512.api.json');
const myGraph = () => loadUserGraph(readRepoFile('examples/workflows/my-graph.api.json'), 'my-graph.api.json');

const bound = (b: BuiltGraph) => b.bindings.map((x) => `${x.field}→${x.node}.${x.input}`);

function mappingError(s: Spec, g: ApiGraph | undefined, job: JobSettings = jobOf(s)): GraphMappingError {
  try {
    buildGraph(s, job, g);
  } catch (e) {
    assert.ok(e instanceof GraphMappingError, `expected a GraphMappingError, got ${String(e)}`);
    return e;
  }
  assert.fail('the graph was mapped, but should not have been');
}

const SPEC_2512 = [
  'workflow: ./image_qwen_Image_2512.api.json',
  'prompt: a red fox in snow',
  'negative: blurry',
  'seed: 42',
  'size: 1664x928',
  'cfg: 3.5',
  'steps: [20, 40]',
].join('\n');

describe('linked widgets: the official Qwen-Image-2512 template', () => {
  it('sets steps and cfg on the primitives the switches select, the rest on the nodes that hold them', () => {
    const s = specOf(SPEC_2512);
    const b = buildGraph(s, jobOf(s, 40), template2512());
    const g = b.graph;
    assert.equal(b.samplerNode, '197:194');
    assert.deepEqual(b.outputNodes, ['60']);
    assert.deepEqual(g['197:194'].inputs.steps, ['197:193', 0], 'the switch stays in the graph');
    assert.deepEqual(g['197:194'].inputs.cfg, ['197:190', 0]);
    assert.equal(g['197:192'].inputs.value, 40, 'turbo off: the switch selects the "Steps" primitive 197:192');
    assert.equal(g['197:191'].inputs.value, 4, 'the turbo branch keeps its 4 steps');
    assert.equal(g['197:183'].inputs.value, 3.5);
    assert.equal(g['197:184'].inputs.value, 1);
    assert.equal(g['197:194'].inputs.seed, 42);
    assert.deepEqual([g['197:179'].inputs.width, g['197:179'].inputs.height], [1664, 928]);
    assert.equal(g['197:180'].inputs.text, 'a red fox in snow');
    assert.equal(g['197:195'].inputs.text, 'blurry');
    assert.deepEqual(bound(b), [
      'seed→197:194.seed',
      'steps.1→197:192.value',
      'cfg→197:183.value',
      'prompt→197:180.text',
      'negative→197:195.text',
      'size→197:179.width',
      'size→197:179.height',
    ]);
    assert.deepEqual(
      checkGraph(g, realObjectInfo()).filter((p) => !/_name$/.test(p.input ?? '')),
      [],
      'ComfyUI would accept it (the recorded server has no Qwen model files)',
    );
  });

  it('the turbo toggle from the spec moves steps and cfg to the LoRA branch', () => {
    const s = specOf(`${SPEC_2512}\ninputs:\n  Enable 4 Steps LoRA?.value: true\n`);
    const b = buildGraph(s, jobOf(s, 20), template2512());
    const g = b.graph;
    assert.equal(g['197:196'].inputs.value, true);
    assert.deepEqual([g['197:191'].inputs.value, g['197:192'].inputs.value], [20, 50], 'steps go to the selected (turbo) primitive');
    assert.deepEqual([g['197:184'].inputs.value, g['197:183'].inputs.value], [3.5, 4]);
    assert.ok(bound(b).includes('inputs.Enable 4 Steps LoRA?.value→197:196.value'));
  });

  it('a sweep of the turbo toggle drives each column through its own branch', () => {
    const s = specOf(`${SPEC_2512}\nsweep:\n  197:196.value: [false, true]\n`);
    const cells = planCells(s, { steps: [8], includeSweep: true });
    const graphs = cells.map((c) => buildGraph(s, c.settings, template2512()).graph);
    assert.deepEqual(
      graphs.map((g) => [g['197:196'].inputs.value, g['197:192'].inputs.value, g['197:191'].inputs.value]),
      [
        [false, 8, 4],
        [true, 50, 8],
      ],
    );
  });

  it('addresses nodes by subgraph id; an ambiguous title lists its candidates with their ids', () => {
    const byId = specOf(`${SPEC_2512}\ninputs:\n  197:189.strength_model: 0.75\n`);
    assert.equal(buildGraph(byId, jobOf(byId), template2512()).graph['197:189'].inputs.strength_model, 0.75);
    const e = mappingError(specOf(`${SPEC_2512}\ninputs:\n  Steps.value: 30\n`), template2512());
    assert.equal(e.field, 'inputs.Steps.value');
    assert.match(
      e.message,
      /2 nodes match 'Steps': node 197:192 \(PrimitiveInt 'Steps'\) → write `197:192\.value`; node 197:191 .* → write `197:191\.value`/,
    );
  });

  it('a mapped input on the widget that steps drive is a clash named on both fields', () => {
    const e = mappingError(specOf(`${SPEC_2512}\ninputs:\n  197:192.value: 30\n`), template2512());
    assert.equal(e.field, 'steps.0');
    assert.deepEqual(e.related, ['inputs.197:192.value']);
    assert.match(e.message, /^`steps` and `inputs: 197:192\.value` both set node 197:194 \(KSampler\)\.steps ← node 197:193/);
    // Through the link: KSampler.steps is the switch's output, so it lands on the same primitive.
    const linked = mappingError(specOf(`${SPEC_2512}\ninputs:\n  KSampler.steps: 30\n`), template2512());
    assert.deepEqual([linked.field, linked.related], ['steps.0', ['inputs.KSampler.steps']]);
  });

  it("a link from a node that computes the value is an error naming the chain, not 'use a KSampler'", () => {
    const g = template2512();
    g['197:300'] = { class_type: 'SimpleMath+', inputs: { value: 'a*2', a: ['197:192', 0] } };
    g['197:193'].inputs.on_false = ['197:300', 0];
    const e = mappingError(specOf(SPEC_2512), g);
    assert.equal(e.field, 'steps.0');
    assert.match(
      e.message,
      /^node 197:194 \(KSampler\)\.steps ← node 197:193 \(ComfySwitchNode 'Switch \(Steps\)'\)\.on_false \(switch off\) ← node 197:300 \(SimpleMath\+\): that node computes the value/,
    );
    assert.doesNotMatch(e.message, /use a KSampler|remove `steps`/);
  });

  it('a switch whose boolean cannot be read, and width and height from one primitive', () => {
    const g = template2512();
    g['197:196'] = { class_type: 'PrimitiveInt', inputs: { value: 1 } };
    assert.match(mappingError(specOf(SPEC_2512), g).message, /the switch node 197:193 .* whose switch is not a true\/false value/);
    const square = template2512();
    square['197:200'] = { class_type: 'PrimitiveInt', inputs: { value: 1024 } };
    square['197:179'].inputs.width = ['197:200', 0];
    square['197:179'].inputs.height = ['197:200', 0];
    const sq = specOf(SPEC_2512.replace('size: 1664x928', 'size: 1024x1024'));
    assert.equal(buildGraph(sq, jobOf(sq), square).graph['197:200'].inputs.value, 1024);
    assert.match(
      mappingError(specOf(SPEC_2512), square).message,
      /both come from node 197:200 \(PrimitiveInt\), so the graph only makes square images/,
    );
  });
});

describe('clashes between mapped inputs and spec fields', () => {
  it('inputs: {KSampler.steps: 30} beside steps: [20, 40] is an error on both', () => {
    const s = specOf('workflow: g.json\nprompt: a cat\nsteps: [20, 40]\ninputs:\n  KSampler.steps: 30\n');
    const e = mappingError(s, myGraph());
    assert.deepEqual([e.field, e.related], ['steps.0', ['inputs.KSampler.steps']]);
    const onTemplate = specOf('prompt: a cat\nsteps: [20, 40]\ninputs:\n  KSampler.steps: 30\n');
    const t = mappingError(onTemplate, undefined);
    assert.deepEqual([t.field, t.related], ['inputs.KSampler.steps', ['steps.0']]);
  });

  it('a sweep axis on a node input that a written field drives; an unwritten template default gives way', () => {
    const s = specOf('prompt: a cat\ncfg: 5\nsweep:\n  KSampler.cfg: [4, 6]\n');
    const e = mappingError(s, undefined, planCells(s, { includeSweep: true })[0].settings);
    assert.deepEqual([e.field, e.related], ['sweep.KSampler.cfg.0', ['cfg']]);
    const free = specOf('prompt: a cat\nsweep:\n  KSampler.cfg: [4, 6]\n');
    const b = buildGraph(free, planCells(free, { includeSweep: true })[1].settings);
    assert.equal(b.graph[b.samplerNode].inputs.cfg, 6);
  });
});
