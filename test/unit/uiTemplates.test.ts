// The official templates (Comfy-Org/workflow_templates, saved by ComfyUI's frontend in the UI format)
// converted node for node. Each expected graph is written by hand from the frontend's rules, as its
// Export (API) would give it: notes dropped, subgraph instances flattened into `instance:inner` ids,
// every widget value named by the class's /object_info inputs (control_after_generate and other
// frontend-only widgets left out), links resolved through the subgraph's inputs and outputs, and an
// instance's own (promoted) widget values given to the inner widgets its inputs feed.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readRepoFile, realObjectInfo } from './helpers/specJobs';
import { convertUiWorkflow } from '../../src/core/comfy/workflow/uiFormat/convert';
import type { ApiGraph } from '../../src/core/comfy/types';

const info = realObjectInfo();
const template = (name: string) => JSON.parse(readRepoFile(`test/fixtures/workflows/${name}`)) as Record<string, unknown>;
const node = (class_type: string, title: string, inputs: Record<string, unknown>) => ({ inputs, class_type, _meta: { title } });

/** A KSampler with sampler euler and denoise 1: [seed, steps, cfg, scheduler], then the ids feeding
 * model, positive, negative and latent_image (output 0 each). */
const ksampler = ([seed, steps, cfg, scheduler]: [number, number, number, string], [m, p, n, l]: string[]) =>
  node('KSampler', 'KSampler', {
    seed,
    steps,
    cfg,
    sampler_name: 'euler',
    scheduler,
    denoise: 1,
    model: [m, 0],
    positive: [p, 0],
    negative: [n, 0],
    latent_image: [l, 0],
  });

/** Compares node for node, so a failure names the node that differs. */
function assertSameGraph(actual: ApiGraph, expected: ApiGraph): void {
  assert.deepEqual(Object.keys(actual).sort(), Object.keys(expected).sort(), 'the same node ids');
  for (const id of Object.keys(expected)) assert.deepEqual(actual[id], expected[id], `node ${id}`);
}

describe('official template image_qwen_Image_2512.json (a subgraph with switches and primitives)', () => {
  const wf = template('image_qwen_Image_2512.json');
  // The instance (node 197) saves its promoted widget values in the order of properties.proxyWidgets:
  // text, width, height, value (turbo toggle), 194.seed, 194.control_after_generate, unet, clip, vae, lora.
  const saved = (wf.nodes as { id: number; widgets_values: unknown[] }[]).find((n) => n.id === 197)!.widgets_values;
  const prompt = saved[0];
  const negative = '低分辨率，低画质，肢体畸形，手指畸形，画面过饱和，蜡像感，人脸无细节，过度光滑，画面具有AI感。构图混乱。文字模糊，扭曲';
  const l = (id: string): [string, number] => [`197:${id}`, 0];
  const expected: ApiGraph = {
    // 67, 94 and 121 are MarkdownNotes (frontend-only) and 197 is the subgraph instance: none is sent.
    '60': node('SaveImage', 'Save Image', { filename_prefix: 'Qwen-Image-2512', images: l('181') }),
    '197:184': node('PrimitiveFloat', 'CFG', { value: 1 }),
    '197:183': node('PrimitiveFloat', 'CFG', { value: 4 }),
    // PrimitiveInt's second value ("fixed") is its control_after_generate widget, not an input.
    '197:192': node('PrimitiveInt', 'Steps', { value: 50 }),
    '197:191': node('PrimitiveInt', 'Steps', { value: 4 }),
    // clip_name, vae_name, unet_name, lora_name, width, height, text and value come from the instance's
    // widget values through the subgraph inputs; the other widgets are the inner nodes' own.
    '197:187': node('CLIPLoader', 'Load CLIP', { clip_name: saved[7], type: 'qwen_image', device: 'default' }),
    '197:188': node('VAELoader', 'Load VAE', { vae_name: saved[8] }),
    '197:189': node('LoraLoaderModelOnly', 'Load LoRA', { lora_name: saved[9], strength_model: 1, model: l('186') }),
    '197:182': node('ModelSamplingAuraFlow', 'ModelSamplingAuraFlow', { shift: 3.1000000000000005, model: l('185') }),
    '197:186': node('UNETLoader', 'Load Diffusion Model', { unet_name: saved[6], weight_dtype: 'default' }),
    '197:180': node('CLIPTextEncode', 'CLIP Text Encode (Positive Prompt)', { text: prompt, clip: l('187') }),
    '197:195': node('CLIPTextEncode', 'CLIP Text Encode (Negative Prompt)', { text: negative, clip: l('187') }),
    '197:196': node('PrimitiveBoolean', 'Enable 4 Steps LoRA?', { value: saved[3] }),
    // The KSampler's widget values are seed, control_after_generate, steps, cfg, sampler, scheduler, denoise;
    // steps and cfg are linked from the switches, so the links replace the saved 50 and 4. The instance's
    // 194.seed proxy holds null, so the seed is the inner node's own.
    '197:194': node('KSampler', 'KSampler', {
      seed: 264521152135582,
      steps: l('193'),
      cfg: l('190'),
      sampler_name: 'euler',
      scheduler: 'simple',
      denoise: 1,
      model: l('182'),
      positive: l('180'),
      negative: l('195'),
      latent_image: l('179'),
    }),
    '197:181': node('VAEDecode', 'VAE Decode', { samples: l('194'), vae: l('188') }),
    // EmptySD3LatentImage has no display name in /object_info, so its title is the class name.
    '197:179': node('EmptySD3LatentImage', 'EmptySD3LatentImage', { width: saved[1], height: saved[2], batch_size: 1 }),
    // ComfySwitchNode's one widget is `switch`; on_false/on_true are COMFY_MATCHTYPE_V3 sockets.
    '197:185': node('ComfySwitchNode', 'Switch (Model)', { switch: l('196'), on_false: l('186'), on_true: l('189') }),
    '197:193': node('ComfySwitchNode', 'Switch (Steps)', { switch: l('196'), on_false: l('192'), on_true: l('191') }),
    '197:190': node('ComfySwitchNode', 'Switch (CFG)', { switch: l('196'), on_false: l('183'), on_true: l('184') }),
  };

  it('converts to the graph the frontend queues, node for node', () => {
    const { graph, notes } = convertUiWorkflow(wf, info);
    assertSameGraph(graph, expected);
    assert.deepEqual(notes, []);
  });

  it("takes the prompt, size and turbo toggle from the instance's widgets, not the inner nodes' stale copies", () => {
    const edited = structuredClone(wf) as typeof wf;
    const instance = (edited.nodes as { id: number; widgets_values: unknown[] }[]).find((n) => n.id === 197)!;
    instance.widgets_values = ['a red bicycle', 1664, 928, true, 7, 'fixed', ...saved.slice(6)];
    const { graph } = convertUiWorkflow(edited, info);
    assert.equal(graph['197:180'].inputs.text, 'a red bicycle');
    assert.deepEqual([graph['197:179'].inputs.width, graph['197:179'].inputs.height], [1664, 928]);
    assert.equal(graph['197:196'].inputs.value, true);
    // A non-null value in a proxy entry of an inner widget (194.seed) is this instance's value.
    assert.equal(graph['197:194'].inputs.seed, 7);
  });
});

describe('official template image_qwen_image.json (a flat graph)', () => {
  const wf = template('image_qwen_image.json');
  const text = (id: number) => (wf.nodes as { id: number; widgets_values: string[] }[]).find((n) => n.id === id)!.widgets_values[0];

  it('converts to the graph the frontend queues, node for node', () => {
    // Links are [id, origin, origin slot, target, target slot, type]; each becomes [origin id, slot] on the
    // target's input of that slot's name. The MarkdownNote 67 is not sent.
    const expected: ApiGraph = {
      '39': node('VAELoader', 'Load VAE', { vae_name: 'qwen_image_vae.safetensors' }),
      '38': node('CLIPLoader', 'Load CLIP', { clip_name: 'qwen_2.5_vl_7b_fp8_scaled.safetensors', type: 'qwen_image', device: 'default' }),
      '37': node('UNETLoader', 'Load Diffusion Model', { unet_name: 'qwen_image_fp8_e4m3fn.safetensors', weight_dtype: 'default' }),
      '60': node('SaveImage', 'Save Image', { filename_prefix: 'ComfyUI', images: ['8', 0] }),
      '58': node('EmptySD3LatentImage', 'EmptySD3LatentImage', { width: 1328, height: 1328, batch_size: 1 }),
      '7': node('CLIPTextEncode', 'CLIP Text Encode (Negative Prompt)', { text: text(7), clip: ['38', 0] }),
      '8': node('VAEDecode', 'VAE Decode', { samples: ['3', 0], vae: ['39', 0] }),
      '66': node('ModelSamplingAuraFlow', 'ModelSamplingAuraFlow', { shift: 3.5, model: ['37', 0] }),
      '6': node('CLIPTextEncode', 'CLIP Text Encode (Positive Prompt)', { text: text(6), clip: ['38', 0] }),
      // seed, control_after_generate ("randomize": not sent), steps, cfg, sampler_name, scheduler, denoise.
      '3': ksampler([360061445559465, 20, 4, 'simple'], ['66', '6', '7', '58']),
    };
    const { graph, notes } = convertUiWorkflow(wf, info);
    assertSameGraph(graph, expected);
    assert.deepEqual(notes, []);
  });
});

describe('official template default.json (SD1.5, the frontend’s default graph)', () => {
  it('converts to the graph the frontend queues, node for node', () => {
    // Four MarkdownNotes (11, 13, 14, 15) are not sent; SaveImage 9 has no title and no S&R name, so its
    // title is the class's display name.
    const expected: ApiGraph = {
      '4': node('CheckpointLoaderSimple', 'Load Checkpoint', { ckpt_name: 'v1-5-pruned-emaonly-fp16.safetensors' }),
      '3': ksampler([685468484323813, 20, 8, 'normal'], ['4', '6', '7', '5']),
      '8': node('VAEDecode', 'VAE Decode', { samples: ['3', 0], vae: ['4', 2] }),
      '9': node('SaveImage', 'Save Image', { filename_prefix: 'SD1.5', images: ['8', 0] }),
      '7': node('CLIPTextEncode', 'CLIP Text Encode (Prompt)', { text: 'text, watermark', clip: ['4', 1] }),
      '5': node('EmptyLatentImage', 'Empty Latent Image', { width: 512, height: 512, batch_size: 1 }),
      '6': node('CLIPTextEncode', 'CLIP Text Encode (Prompt)', {
        text: 'beautiful scenery nature glass bottle landscape, purple galaxy bottle,',
        clip: ['4', 1],
      }),
    };
    const { graph, notes } = convertUiWorkflow(template('default.json'), info);
    assertSameGraph(graph, expected);
    assert.deepEqual(notes, []);
  });
});
