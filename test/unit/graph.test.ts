import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { jobOf, readRepoFile, realObjectInfo, specOf } from './helpers/specJobs';
import { buildGraph, GraphMappingError, loadUserGraph } from '../../src/core/comfy/graph';
import type { ObjectInfo } from '../../src/core/comfy/objectInfo';
import type { ApiGraph, BuiltGraph } from '../../src/core/comfy/types';
import { checkGraph } from '../../src/core/comfy/workflow/checkGraph';
import type { JobSettings, Spec } from '../../src/core/spec/types';

const read = readRepoFile;
const fixture = (name: string) => loadUserGraph(read(`test/fixtures/graphs/${name}`), name);
const myGraph = () => loadUserGraph(read('examples/workflows/my-graph.api.json'), 'my-graph.api.json');
const objectInfo = realObjectInfo();

/** Builds and expects a GraphMappingError; returns it for a closer look. */
function mappingError(s: Spec, g: ApiGraph, over: Partial<JobSettings> = {}): GraphMappingError {
  try {
    buildGraph(s, jobOf(s, undefined, 0, over), g);
  } catch (e) {
    assert.ok(e instanceof GraphMappingError, `expected a GraphMappingError, got ${String(e)}`);
    return e;
  }
  assert.fail('the graph was mapped, but should not have been');
}

const bound = (b: BuiltGraph) => b.bindings.map((x) => `${x.field}→${x.node}.${x.input}`);

describe("mapping a spec onto the user's graph", () => {
  const s = specOf(read('examples/my-graph.qwenprompt'));

  it("writes the spec's fields into the sampler, text, latent and mapped nodes", () => {
    const g = myGraph();
    const before = JSON.stringify(g);
    const b = buildGraph(s, jobOf(s, 16, 0, { scheduler: 'karras' }), g);
    assert.equal(JSON.stringify(g), before, 'the loaded graph is not changed');
    assert.equal(b.samplerNode, '3');
    assert.deepEqual(b.outputNodes, ['9']);
    assert.deepEqual(b.loaderNodes, ['4']);
    const k = b.graph['3'].inputs;
    assert.deepEqual([k.seed, k.steps, k.cfg, k.scheduler], [7, 16, 7.5, 'karras']);
    assert.deepEqual([k.sampler_name, k.denoise], ['euler', 1], "fields the spec leaves out keep the graph's values");
    assert.equal(b.graph['6'].inputs.text, 'a lighthouse at dusk, oil painting');
    assert.equal(b.graph['7'].inputs.text, 'blurry, text');
    assert.deepEqual([b.graph['5'].inputs.width, b.graph['5'].inputs.height], [512, 512]);
    assert.equal(b.graph['9'].inputs.filename_prefix, 'qwenprompt/my-graph');
    assert.deepEqual(bound(b), [
      'inputs.Save Image.filename_prefix→9.filename_prefix',
      'seed→3.seed',
      'steps.1→3.steps',
      'cfg→3.cfg',
      'sweep.scheduler.1→3.scheduler',
      'prompt→6.text',
      'negative→7.text',
      'size→5.width',
      'size→5.height',
    ]);
    assert.deepEqual(
      checkGraph(b.graph, objectInfo).filter((p) => p.input !== 'ckpt_name'),
      [],
    );
  });

  it('finds a lone sampler by class type, whatever its title', () => {
    const g = myGraph();
    g['3']._meta = { title: 'KSampler' };
    g['3'].class_type = 'KSamplerAdvanced';
    delete g['3'].inputs.denoise;
    g['3'].inputs.noise_seed = g['3'].inputs.seed;
    delete g['3'].inputs.seed;
    const b = buildGraph(s, jobOf(s), g);
    assert.equal(b.samplerNode, '3');
    assert.equal(b.graph['3'].inputs.noise_seed, 7);
  });

  it('picks the sampler titled "qwenprompt" (or "sampler") among several', () => {
    const g = fixture('two-samplers.api.json');
    g['11']._meta = { title: 'qwenprompt' };
    const plain = specOf('workflow: g.json\nprompt: a cat\nsteps: 12\n');
    const b = buildGraph(plain, jobOf(plain), g);
    assert.equal(b.samplerNode, '11');
    assert.equal(b.graph['11'].inputs.steps, 12);
    assert.equal(b.graph['3'].inputs.steps, 20, 'the other sampler is left alone');
    const h = fixture('two-samplers.api.json');
    h['3']._meta = { title: 'Sampler' };
    assert.equal(buildGraph(plain, jobOf(plain), h).samplerNode, '3');
    // A title on a node that cannot sample (here the Save node) is not taken for the sampler.
    const saved = fixture('two-samplers.api.json');
    saved['9']._meta = { title: 'qwenprompt' };
    assert.throws(() => buildGraph(plain, jobOf(plain), saved), /2 samplers/);
    // A custom sampler node of a class qwenprompt does not know is driven when titled.
    const custom = myGraph();
    custom['3'].class_type = 'KSamplerWithRefiner';
    assert.equal(buildGraph(plain, jobOf(plain), custom).samplerNode, '3');
  });

  it('drives SamplerCustomAdvanced through its guider, sampler, sigmas and noise nodes', () => {
    const c = specOf(
      'workflow: g.json\nprompt: a fox\nnegative: blurry\nseed: 5\nsteps: 30\ncfg: 3\nsampler: res_multistep\nscheduler: beta\nshift: 2\nsize: 1024x768\n',
    );
    const b = buildGraph(c, jobOf(c), fixture('custom-sampler.api.json'));
    assert.equal(b.samplerNode, '14');
    assert.deepEqual(bound(b), [
      'seed→10.noise_seed',
      'steps→13.steps',
      'cfg→11.cfg',
      'sampler→12.sampler_name',
      'scheduler→13.scheduler',
      'prompt→5.text',
      'negative→6.text',
      'size→7.width',
      'size→7.height',
      'shift→4.shift',
    ]);
    assert.deepEqual(b.loaderNodes, ['1', '2', '3']);
    assert.deepEqual(
      checkGraph(b.graph, objectInfo).filter((p) => !/_name$/.test(p.input ?? '') || p.input === 'sampler_name'),
      [],
    );
  });

  it("sets models and NodeTitleOrClass.input values on the graph's nodes", () => {
    const c = specOf(
      'workflow: g.json\nprompt: a fox\nmodels:\n  unet: qwen_image_bf16.safetensors\ninputs:\n  BasicScheduler.denoise: 0.6\n  Load CLIP.device: cpu\n',
    );
    const b = buildGraph(c, jobOf(c), fixture('custom-sampler.api.json'));
    assert.equal(b.graph['1'].inputs.unet_name, 'qwen_image_bf16.safetensors');
    assert.equal(b.graph['13'].inputs.denoise, 0.6);
    assert.equal(b.graph['2'].inputs.device, 'cpu');
    assert.ok(bound(b).includes('models.unet→1.unet_name') && bound(b).includes('inputs.Load CLIP.device→2.device'));
  });
});

describe('graphs that cannot take the spec', () => {
  const s = specOf('workflow: g.json\nprompt: a cat\n');

  it('no sampler', () => {
    const g = myGraph();
    delete g['3'];
    const e = mappingError(s, g);
    assert.deepEqual([e.field, e.node], ['workflow', '']);
    assert.match(e.message, /no sampler node .*title the sampling node "qwenprompt"/);
  });

  it('two samplers and no title to choose', () => {
    const e = mappingError(s, fixture('two-samplers.api.json'));
    assert.deepEqual([e.field, e.node], ['workflow', '3']);
    assert.match(e.message, /2 samplers \(node 3 \(KSampler\), node 11 \(KSampler\)\); title the one qwenprompt should drive "qwenprompt"/);
  });

  it('a mapped input whose node or input does not exist', () => {
    const noNode = specOf('workflow: g.json\nprompt: a cat\ninputs:\n  Lora Loader.strength_model: 0.5\n');
    const e1 = mappingError(noNode, myGraph());
    assert.deepEqual([e1.field, e1.node], ['inputs.Lora Loader.strength_model', '']);
    assert.match(e1.message, /No node has the id, title or class 'Lora Loader'/);
    const noInput = specOf('workflow: g.json\nprompt: a cat\ninputs:\n  KSampler.sheduler: karras\n');
    const e2 = mappingError(noInput, myGraph());
    assert.deepEqual([e2.field, e2.node], ['inputs.KSampler.sheduler', '3']);
    assert.match(e2.message, /node 3 \(KSampler 'qwenprompt'\) has no input 'sheduler'\. Did you mean 'scheduler'\?/);
    const linked = specOf('workflow: g.json\nprompt: a cat\ninputs:\n  KSampler.model: x\n');
    assert.match(
      mappingError(linked, myGraph()).message,
      /node 3 \(KSampler 'qwenprompt'\)\.model ← node 4 \(CheckpointLoaderSimple 'Load Checkpoint'\): that node computes the value and has no widget/,
    );
    const ambiguous = specOf('workflow: g.json\nprompt: a cat\ninputs:\n  CLIPTextEncode.text: x\n');
    assert.match(
      mappingError(ambiguous, myGraph()).message,
      /2 nodes match 'CLIPTextEncode': node 6 \(CLIPTextEncode 'CLIP Text Encode \(Prompt\)'\) → write `6\.text`; node 7 \(CLIPTextEncode 'CLIP Text Encode \(Negative\)'\) → write `7\.text`\. Address the one CLIPTextEncode\.text is for by its id/,
    );
  });

  it('a spec field that has no node to go to', () => {
    const shifted = specOf('workflow: g.json\nprompt: a cat\nshift: 3\n');
    const e1 = mappingError(shifted, myGraph());
    assert.deepEqual([e1.field, e1.node], ['shift', '']);
    assert.match(e1.message, /no ModelSamplingAuraFlow/);
    const unet = specOf('workflow: g.json\nprompt: a cat\nmodels:\n  unet: a.safetensors\n');
    assert.match(mappingError(unet, myGraph()).message, /models\.unet has no node to go to: the graph has no UNETLoader/);
    const denoise = specOf('workflow: g.json\nprompt: a cat\ndenoise: 0.5\n');
    const adv = myGraph();
    adv['3'].class_type = 'KSamplerAdvanced';
    delete adv['3'].inputs.denoise;
    const e3 = mappingError(denoise, adv);
    assert.deepEqual([e3.field, e3.node], ['denoise', '3']);
    const sized = specOf('workflow: g.json\nprompt: a cat\nsize: 512x512\n');
    const img2img = myGraph();
    img2img['5'] = { class_type: 'VAEEncode', inputs: { pixels: ['20', 0], vae: ['4', 2] } };
    const e4 = mappingError(sized, img2img);
    assert.deepEqual([e4.field, e4.node], ['size', '5']);
    assert.match(e4.message, /node 5 \(VAEEncode\), which has no width\/height/);
  });

  it('a negative prompt that is zeroed out, not written', () => {
    const g = fixture('custom-sampler.api.json');
    g['20'] = { class_type: 'ConditioningZeroOut', inputs: { conditioning: ['5', 0] } };
    g['11'].inputs.negative = ['20', 0];
    const e = mappingError(specOf('workflow: g.json\nprompt: a cat\nnegative: blurry\n'), g);
    assert.deepEqual([e.field, e.node], ['negative', '5']);
    // Without a negative in the spec the same graph is fine.
    assert.equal(buildGraph(s, jobOf(s), g).graph['5'].inputs.text, 'a cat');
  });

  it('no output node', () => {
    const g = myGraph();
    delete g['9'];
    assert.match(mappingError(s, g).message, /no output node/);
  });
});

describe('loadUserGraph', () => {
  it('says how to export the API format when given a UI workflow', () => {
    assert.throws(
      () => loadUserGraph(read('test/fixtures/graphs/ui-format.json'), 'workflows/ui.json'),
      (e: Error) =>
        e instanceof GraphMappingError &&
        e.field === 'workflow' &&
        /workflows\/ui\.json is a UI workflow; in ComfyUI use Workflow → Export \(API\)/.test(e.message),
    );
  });

  it('names the file and the problem for broken JSON and non-graphs', () => {
    assert.throws(() => loadUserGraph('{"3": ', 'g.json'), /g\.json is not valid JSON/);
    assert.throws(() => loadUserGraph('[1, 2]', 'g.json'), /g\.json is not a ComfyUI API-format graph/);
    assert.throws(() => loadUserGraph('{"3": {"inputs": {}}}', 'g.json'), /node 3 has no class_type/);
    assert.throws(() => loadUserGraph('{}', 'g.json'), /g\.json has no nodes/);
  });

  it('accepts a saved POST /prompt body', () => {
    const g = loadUserGraph(JSON.stringify({ prompt: myGraph(), client_id: 'x' }), 'body.json');
    assert.equal(g['3'].class_type, 'KSampler');
  });
});
