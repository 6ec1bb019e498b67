import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { planCells } from '../../src/core/runs/plan';
import { jobOf, readRepoFile, realObjectInfo, specOf } from './helpers/specJobs';
import { buildGraph, GraphMappingError } from '../../src/core/comfy/graph';
import type { ObjectInfo } from '../../src/core/comfy/objectInfo';
import { TEMPLATES } from '../../src/core/comfy/templates';
import type { ApiGraph, BuiltGraph } from '../../src/core/comfy/types';
import { checkGraph } from '../../src/core/comfy/workflow/checkGraph';
import type { JobSettings, Spec, TemplateId } from '../../src/core/spec/types';

const read = readRepoFile;
const graphFixture = (name: string) => JSON.parse(read(`test/fixtures/graphs/${name}`)) as ApiGraph;
const objectInfo = realObjectInfo();

/** Node ids, class types and links: the shape of a graph without its widget values. */
function shape(g: ApiGraph): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [id, n] of Object.entries(g)) {
    const links = Object.entries(n.inputs)
      .filter(([, v]) => Array.isArray(v))
      .map(([k, v]) => `${k}=${(v as unknown[]).join(':')}`)
      .sort();
    out[id] = `${n.class_type}(${links.join(',')})`;
  }
  return out;
}

const binding = (b: BuiltGraph, node: string, input: string) =>
  b.bindings.filter((x) => x.node === node && x.input === input).map((x) => x.field);

describe('qwen-image-2512 template with the study spec', () => {
  const study = specOf(read('examples/steps-study.qwenprompt'));
  const built = buildGraph(study, jobOf(study, 40, 1));
  const g = built.graph;

  it("has the shape of ComfyUI's Qwen-Image example (qwen_image_basic_example.png)", () => {
    assert.deepEqual(shape(g), shape(graphFixture('protocol-qwen-image.api.json')));
    assert.equal(built.samplerNode, '3');
    assert.deepEqual(built.outputNodes, ['60']);
    assert.deepEqual(built.loaderNodes, ['37', '38', '39']);
  });

  it("carries the spec's values and the job's steps and seed", () => {
    assert.deepEqual(g['3'].inputs.seed, 123456790, 'repeat 1 uses seed + 1');
    assert.deepEqual(
      ['steps', 'cfg', 'sampler_name', 'scheduler', 'denoise'].map((k) => g['3'].inputs[k]),
      [40, 7, 'dpmpp_2m', 'karras', 1],
    );
    assert.match(g['6'].inputs.text as string, /^A photorealistic portrait/);
    assert.equal(g['7'].inputs.text, 'deformed, blurry, low quality, text, watermark, extra limbs, disfigured');
    assert.deepEqual(g['58'].inputs, { batch_size: 1, width: 1024, height: 1024 });
    assert.deepEqual(g['37'].inputs, { unet_name: 'qwen_image_2512_fp8_e4m3fn.safetensors', weight_dtype: 'default' });
    assert.deepEqual(g['38'].inputs, { type: 'qwen_image', device: 'default', clip_name: 'qwen_2.5_vl_7b_fp8_scaled.safetensors' });
    assert.equal(g['39'].inputs.vae_name, 'qwen_image_vae.safetensors');
    assert.equal(g['66'].inputs.shift, 3.1);
    assert.equal(g['60'].inputs.filename_prefix, 'qwenprompt/bamboo-portrait');
  });

  it('binds each written input to the spec field (and list item) it came from', () => {
    assert.deepEqual(binding(built, '3', 'steps'), ['steps.1']);
    assert.deepEqual(binding(built, '3', 'sampler_name'), ['sampler']);
    assert.deepEqual(binding(built, '6', 'text'), ['prompt']);
    assert.deepEqual(binding(built, '58', 'width'), ['size']);
    assert.deepEqual(binding(built, '37', 'unet_name'), ['models.unet']);
    for (const b of built.bindings) {
      assert.ok(b.input in g[b.node].inputs, `${b.field} → ${b.node}.${b.input} exists`);
    }
  });

  it('passes the validation of a real ComfyUI 0.33 /object_info', () => {
    const problems = checkGraph(g, objectInfo).filter((p) => !isModelFile(p.input));
    assert.deepEqual(problems, []);
  });
});

/** Model file lists are those of the server that was recorded (empty or test-only files). */
function isModelFile(input?: string): boolean {
  return input !== undefined && /^(unet_name|clip_name|vae_name|ckpt_name|lora_name)$/.test(input);
}

describe('the other templates', () => {
  it("qwen-image uses the original weights and the example's defaults", () => {
    const s = specOf('model: qwen-image\nprompt: a cat\n');
    const b = buildGraph(s, jobOf(s, s.steps[0]));
    assert.equal(b.graph['37'].inputs.unet_name, 'qwen_image_fp8_e4m3fn.safetensors');
    assert.deepEqual([b.graph['3'].inputs.steps, b.graph['3'].inputs.cfg, b.graph['58'].inputs.width], [20, 2.5, 1328]);
  });

  it('a LoRA goes between the diffusion model and ModelSamplingAuraFlow', () => {
    const s = specOf(
      'prompt: a cat\nmodels:\n  lora: Qwen-Image-2512-Lightning-4steps-V1.0-fp32.safetensors\n  loraStrength: 0.8\nsteps: 4\ncfg: 1\n',
    );
    const b = buildGraph(s, jobOf(s, 4));
    assert.deepEqual(b.graph['73'], {
      class_type: 'LoraLoaderModelOnly',
      inputs: { model: ['37', 0], lora_name: 'Qwen-Image-2512-Lightning-4steps-V1.0-fp32.safetensors', strength_model: 0.8 },
      _meta: { title: 'LoraLoaderModelOnly' },
    });
    assert.deepEqual(b.graph['66'].inputs.model, ['73', 0]);
    assert.ok(b.loaderNodes.includes('73'));
    assert.deepEqual(
      checkGraph(b.graph, objectInfo).filter((p) => !isModelFile(p.input)),
      [],
    );
  });

  it('GGUF swaps only the loaders, which a server without ComfyUI-GGUF lacks', () => {
    const s = specOf(read('examples/cheaper-levers.qwenprompt').split('---\n')[1]);
    const b = buildGraph(s, jobOf(s, 20));
    assert.deepEqual(b.graph['37'], {
      class_type: 'UnetLoaderGGUF',
      inputs: { unet_name: 'qwen-image-2512-Q4_K_M.gguf' },
      _meta: { title: 'Unet Loader (GGUF)' },
    });
    assert.deepEqual(b.graph['38'].inputs, { type: 'qwen_image', clip_name: 'Qwen2.5-VL-7B-Instruct-Q4_K_M.gguf' });
    const { '37': unet, '38': clip, ...rest } = shape(b.graph);
    const { '37': u0, '38': c0, ...protocolRest } = shape(graphFixture('protocol-qwen-image.api.json'));
    assert.deepEqual([unet, clip, u0, c0], ['UnetLoaderGGUF()', 'CLIPLoaderGGUF()', 'UNETLoader()', 'CLIPLoader()']);
    assert.deepEqual(rest, protocolRest);
    // The recorded server had no GGUF pack: exactly what ComfyUI answers with missing_node_type.
    assert.deepEqual(
      checkGraph(b.graph, objectInfo)
        .filter((p) => !isModelFile(p.input))
        .map((p) => [p.node, p.kind]),
      [
        ['37', 'missing-node-type'],
        ['38', 'missing-node-type'],
      ],
    );
    // With the pack's loaders (inputs as ComfyUI-GGUF declares them) the graph validates.
    const withGguf: ObjectInfo = {
      ...objectInfo,
      UnetLoaderGGUF: { input: { required: { unet_name: [['qwen-image-2512-Q4_K_M.gguf']] } }, output: ['MODEL'] },
      CLIPLoaderGGUF: {
        input: { required: { clip_name: [['Qwen2.5-VL-7B-Instruct-Q4_K_M.gguf']], type: objectInfo.CLIPLoader.input.required!.type } },
        output: ['CLIP'],
      },
    };
    assert.deepEqual(
      checkGraph(b.graph, withGguf).filter((p) => !isModelFile(p.input)),
      [],
    );
  });

  it("sd-checkpoint has the shape of ComfyUI's basic API example (script_examples/basic_api_example.py) and validates", () => {
    const s = specOf(read('examples/sd15-quick.qwenprompt'));
    const b = buildGraph(s, jobOf(s, 8));
    assert.deepEqual(shape(b.graph), shape(graphFixture('protocol-sd15.api.json')));
    assert.deepEqual([b.graph['5'].inputs.width, b.graph['3'].inputs.steps, b.graph['3'].inputs.seed], [256, 8, 42]);
    assert.deepEqual(
      checkGraph(b.graph, objectInfo).filter((p) => !isModelFile(p.input)),
      [],
    );
    const named = buildGraph(s, jobOf(s, 8));
    named.graph['4'].inputs.ckpt_name = 'tiny_sd15_random.safetensors';
    assert.deepEqual(checkGraph(named.graph, objectInfo), [], 'with a file the server has, nothing at all is wrong');
  });

  it('sd-checkpoint takes a separate VAE when models.vae is set', () => {
    const s = specOf('model: sd-checkpoint\nprompt: a cat\nmodels:\n  vae: vae-ft-mse.safetensors\n');
    const b = buildGraph(s, jobOf(s, 20));
    assert.deepEqual(b.graph['8'].inputs.vae, ['10', 0]);
    assert.equal(b.graph['10'].inputs.vae_name, 'vae-ft-mse.safetensors');
    assert.deepEqual(b.loaderNodes, ['4', '10']);
  });

  it('every template builds a graph whose bindings and links point at real nodes', () => {
    for (const id of Object.keys(TEMPLATES) as TemplateId[]) {
      const s = specOf(`model: ${id}\nprompt: a cat\n`);
      const b = buildGraph(s, jobOf(s, s.steps[0]));
      for (const [nid, n] of Object.entries(b.graph)) {
        for (const v of Object.values(n.inputs)) {
          if (Array.isArray(v)) {
            assert.ok(b.graph[v[0] as string], `${id}: node ${nid} links to ${String(v[0])}`);
          }
        }
      }
      assert.ok(b.graph[b.samplerNode] && b.outputNodes.every((o) => b.graph[o]));
    }
  });
});

describe('sweeps and mapped inputs on a template', () => {
  it('finds template nodes by the titles the schema documents', () => {
    const t = specOf('prompt: a cat\ninputs:\n  Load CLIP.device: cpu\n  Empty Latent Image.batch_size: 2\n');
    const b = buildGraph(t, jobOf(t));
    assert.deepEqual([b.graph['38'].inputs.device, b.graph['58'].inputs.batch_size], ['cpu', 2]);
    const noLora = specOf('prompt: a cat\ninputs:\n  LoraLoaderModelOnly.strength_model: 0.5\n');
    assert.throws(
      () => buildGraph(noLora, jobOf(noLora)),
      (e: Error) => e instanceof GraphMappingError && e.field === 'inputs.LoraLoaderModelOnly.strength_model',
    );
  });

  const s = specOf(
    'prompt: a cat\nsize: 1024x1024\nsweep:\n  cfg: [6.5, 7.0]\n  size: [1024x1024, 1328x1328]\n  KSampler.denoise: [0.8, 1]\ninputs:\n  Save Image.filename_prefix: study/cat\n',
  );

  it('binds swept values to the sweep item they came from', () => {
    const cell = planCells(s, { includeSweep: true }).find(
      (c) => c.axes.cfg === 7 && c.axes.size === '1328x1328' && c.axes['KSampler.denoise'] === 0.8,
    );
    assert.ok(cell);
    const b = buildGraph(s, cell.settings);
    assert.deepEqual(binding(b, '3', 'cfg'), ['sweep.cfg.1']);
    assert.deepEqual(binding(b, '58', 'width'), ['sweep.size.1']);
    assert.equal(b.graph['3'].inputs.denoise, 0.8);
    assert.deepEqual(binding(b, '3', 'denoise'), ['sweep.KSampler.denoise.0'], 'the mapped value owns the input');
    assert.equal(b.graph['60'].inputs.filename_prefix, 'study/cat');
    assert.deepEqual(binding(b, '60', 'filename_prefix'), ['inputs.Save Image.filename_prefix']);
  });
});
