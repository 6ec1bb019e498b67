import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildGraph } from '../../src/core/comfy/graph';
import { checkGraph } from '../../src/core/comfy/workflow/checkGraph';
import { nodeSignatures } from '../../src/core/comfy/workflow/graphCache';
import { decoderFile, TINY_DECODERS } from '../../src/core/spec/decoders';
import { IMAGE_TAES, VIDEO_TAES, vaeList } from '../fakes/objectInfo';
import { planCells } from '../../src/core/runs/plan';
import { parseSpecs } from '../../src/core/spec/parse';
import { readRepoFile, realObjectInfo, specOf } from './helpers/specJobs';

const STUDY = readRepoFile('examples/steps-study.qwenprompt')
  .replace(/^steps:.*$/m, 'steps: [40]')
  .replace(/^repeats:.*$/m, 'repeats: 1');
const spec = (extra: string) => specOf(`${STUDY}\n${extra}`);
const graphs = (text: string) => planCells(spec(text), { includeSweep: true }).map((c) => buildGraph(spec(text), c.settings));
const errors = (text: string) => parseSpecs(`${STUDY}\n${text}`).diagnostics.filter((d) => d.severity === 'error');

test('split makes a KSamplerAdvanced pair: stage 1 adds noise and keeps the leftover for stage 2', () => {
  const [built] = graphs('split: 25\nrefine: {sampler: euler, cfg: 6.5}');
  const g = built.graph;
  const [s1, s2] = [g['3'], g['76']];
  assert.equal(s1.class_type, 'KSamplerAdvanced');
  assert.equal(s2.class_type, 'KSamplerAdvanced');
  assert.deepEqual(
    [s1.inputs.add_noise, s1.inputs.return_with_leftover_noise, s1.inputs.start_at_step, s1.inputs.end_at_step, s1.inputs.steps],
    ['enable', 'enable', 0, 25, 40],
  );
  assert.deepEqual(
    [s2.inputs.add_noise, s2.inputs.return_with_leftover_noise, s2.inputs.start_at_step, s2.inputs.end_at_step, s2.inputs.steps],
    ['disable', 'disable', 25, 10000, 40],
  );
  assert.deepEqual(s2.inputs.latent_image, ['3', 0], 'stage 2 continues from stage 1');
  assert.deepEqual(g['8'].inputs.samples, ['76', 0], 'the image is decoded after stage 2');
  assert.deepEqual([s1.inputs.sampler_name, s1.inputs.cfg], ['dpmpp_2m', 7]);
  assert.deepEqual([s2.inputs.sampler_name, s2.inputs.cfg, s2.inputs.scheduler], ['euler', 6.5, 'karras']);
  assert.equal(s1.inputs.noise_seed, 123456789);
  // ComfyUI's own /object_info accepts every input of both stages.
  const problems = checkGraph(g, realObjectInfo()).filter((p) => !/_name$/.test(p.input ?? ''));
  assert.deepEqual(problems, []);
});

test('the split is a sweepable field: one graph per split, stage 1 changes with it', () => {
  const built = graphs('split: 20\nsweep:\n  split: [20, 25, 30]');
  assert.deepEqual(
    built.map((b) => b.graph['3'].inputs.end_at_step),
    [20, 25, 30],
  );
  assert.deepEqual(
    built.map((b) => b.graph['76'].inputs.start_at_step),
    [20, 25, 30],
  );
});

test('a split not below every step count is an error on that value', () => {
  const [e] = errors('split: 40');
  assert.equal(e.code, 'split-not-below-steps');
  assert.match(e.message, /split 40 leaves nothing for stage 2 at 40 steps/);
  assert.equal(errors('sweep:\n  split: [20, 45]')[0].code, 'split-not-below-steps');
  assert.deepEqual(errors('split: 39'), []);
});

test('decoder: the tiny decoder of the Wan 2.1 latent is loaded by its file; one that does not fit is an error', () => {
  const [tiny, full] = graphs('sweep:\n  decoder: [lighttaew2_1, vae]');
  assert.equal(tiny.graph['39'].inputs.vae_name, 'lighttaew2_1.safetensors');
  assert.equal(full.graph['39'].inputs.vae_name, 'qwen_image_vae.safetensors');
  // Only the decode depends on the decoder: ComfyUI can reuse the sampled latent.
  assert.deepEqual(tiny.graph['3'], full.graph['3']);
  const [e] = errors('decoder: taesd');
  assert.equal(e.code, 'decoder-latent-mismatch');
  assert.match(
    e.message,
    /taesd decodes SD 1\.5 latents \(4 channels\), but qwen-image-2512 makes Wan 2\.1 latents \(16 channels\)\. Use lighttaew2_1/,
  );
  assert.equal(errors('sweep:\n  decoder: [vae, taef1]')[0].code, 'decoder-latent-mismatch');
  const sd = parseSpecs('model: sd-checkpoint\nprompt: a lighthouse\ndecoder: taesd\nsteps: 8').specs[0];
  assert.equal(buildGraph(sd, planCells(sd)[0].settings).graph['10'].inputs.vae_name, 'taesd', 'image tiny decoders go by their bare name');
});

test('lora: a LoraLoaderModelOnly between the model loader and the sampler; off means no LoRA node at all', () => {
  const [off, on] = graphs(
    'lora: {name: Qwen-Image-Lightning-8steps-V1.0.safetensors, strength: 0.8}\nsweep:\n  lora: [off, Qwen-Image-Lightning-8steps-V1.0.safetensors]',
  );
  assert.equal(off.graph['73'], undefined, 'off: no node, not strength 0');
  assert.deepEqual(off.graph['66'].inputs.model, ['37', 0]);
  assert.deepEqual(on.graph['73'].inputs, {
    model: ['37', 0],
    lora_name: 'Qwen-Image-Lightning-8steps-V1.0.safetensors',
    strength_model: 0.8,
  });
  assert.deepEqual(on.graph['66'].inputs.model, ['73', 0]);
  assert.ok(on.loaderNodes.includes('73') && !off.loaderNodes.includes('73'));
  const strengths = graphs('lora: Qwen-Image-Lightning-8steps-V1.0.safetensors\nsweep:\n  loraStrength: [0.5, 1]');
  assert.deepEqual(
    strengths.map((b) => b.graph['73'].inputs.strength_model),
    [0.5, 1],
  );
  assert.equal(graphs('lora: off')[0].graph['73'], undefined);
  // The older spelling still works.
  assert.equal(graphs('models:\n  lora: Qwen-Image-Lightning-8steps-V1.0.safetensors')[0].graph['73'].inputs.strength_model, 1);
});

test('refine is sweepable: each stage 2 value has its own stage 2, stage 1 is the same graph node in all', () => {
  const built = graphs('split: 25\nsweep:\n  refine.cfg: [7, 4]\n  refine.sampler: [euler, dpmpp_2m]');
  assert.equal(built.length, 4);
  assert.deepEqual(
    built.map((b) => [b.graph['76'].inputs.cfg, b.graph['76'].inputs.sampler_name]),
    [
      [7, 'euler'],
      [7, 'dpmpp_2m'],
      [4, 'euler'],
      [4, 'dpmpp_2m'],
    ],
  );
  // Stage 1 keeps the spec's own settings, so ComfyUI's cache key of it is the same in every job.
  const stage1 = new Set(built.map((b) => nodeSignatures(b.graph).get('3')));
  assert.equal(stage1.size, 1);
  assert.deepEqual([built[0].graph['3'].inputs.cfg, built[0].graph['3'].inputs.sampler_name], [7, 'dpmpp_2m']);
  // A server error on stage 2's cfg points at the swept value that made it.
  assert.equal(built[2].bindings.find((b) => b.node === '76' && b.input === 'cfg')?.field, 'sweep.refine.cfg.1');
  const paired = graphs('split: 25\npair:\n  refine.scheduler: [simple, karras]\n  refine.cfg: [6, 3]');
  assert.deepEqual(
    paired.map((b) => [b.graph['76'].inputs.scheduler, b.graph['76'].inputs.cfg]),
    [
      ['simple', 6],
      ['karras', 3],
    ],
  );
});

test('a refine axis without a split is a warning on it; an unknown stage 2 sampler is named', () => {
  const all = (text: string) => parseSpecs(`${STUDY}\n${text}`).diagnostics.filter((d) => d.severity !== 'hint');
  const [w] = all('sweep:\n  refine.cfg: [7, 4]');
  assert.equal(w.code, 'refine-without-split');
  assert.equal(w.severity, 'warning');
  assert.equal(w.range.start.line, STUDY.split('\n').length + 1, 'on the refine.cfg line');
  assert.deepEqual(all('split: 25\nsweep:\n  refine.cfg: [7, 4]'), []);
  const [u] = all('split: 25\nsweep:\n  refine.sampler: [euler, eulr_a]');
  assert.equal(u.code, 'unknown-sampler');
  assert.match(u.message, /eulr_a/);
  assert.equal(all('split: 25\nrefine: {sampler: dpmpp_9m}')[0].code, 'unknown-sampler');
});

test('every tiny decoder is written as ComfyUI’s VAELoader lists it once its files are in models/vae_approx', () => {
  // The test server's vae_name choices follow VAELoader.vae_list; the names and lists are ComfyUI's own.
  assert.deepEqual(
    vaeList(
      ['qwen_image_vae.safetensors'],
      [
        'lighttaew2_1.safetensors',
        'taesd_decoder.pth',
        'taesd_encoder.pth',
        'taesd3_decoder.safetensors',
        'taef2.safetensors',
        'notes.txt',
      ],
    ),
    ['qwen_image_vae.safetensors', 'lighttaew2_1.safetensors', 'taesd', 'taef2', 'pixel_space'],
    'taesd3 has only its decoder half, so it is not offered',
  );
  assert.deepEqual(Object.keys(TINY_DECODERS).sort(), [...IMAGE_TAES, ...VIDEO_TAES].sort(), 'the tiny decoders ComfyUI knows');
  for (const [name, d] of Object.entries(TINY_DECODERS)) {
    const files = d.video ? [`${name}.safetensors`] : [`${name}_encoder.safetensors`, `${name}_decoder.safetensors`];
    assert.ok(vaeList([], files).includes(decoderFile(name)), `${name} → ${decoderFile(name)}`);
  }
  // A video decoder's file in another format is sent as written.
  assert.equal(decoderFile('lighttaew2_1.pth'), 'lighttaew2_1.pth');
});
