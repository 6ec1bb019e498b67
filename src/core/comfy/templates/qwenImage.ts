import type { JobSettings, Spec, TemplateId } from '../../spec/types';
import type { BuiltGraph } from '../types';
import { fieldPath } from '../workflow/fieldPath';
import { GraphBuilder } from '../workflow/graphBuilder';
import { addLora, addSamplerTail } from './samplerTail';
import type { TemplateDefaults, WorkflowTemplate } from './templateTypes';

/** Qwen-Image-2512's documented default negative prompt (Comfy-Org docs, blueprint "Text to Image (Qwen-Image 2512)"). */
export const QWEN_2512_NEGATIVE =
  '低分辨率，低画质，肢体畸形，手指畸形，画面过饱和，蜡像感，人脸无细节，过度光滑，画面具有AI感。构图混乱。文字模糊，扭曲';

const QWEN_CLIP = 'qwen_2.5_vl_7b_fp8_scaled.safetensors';
const QWEN_VAE = 'qwen_image_vae.safetensors';

/** Qwen-Image's supported sizes per the Comfy-Org docs (1:1, 16:9, 9:16, 4:3, 3:4, 3:2, 2:3). */
const QWEN_SIZES = ['1328x1328', '1664x928', '928x1664', '1472x1104', '1104x1472', '1584x1056', '1056x1584'];

/** The native Qwen-Image graph of ComfyUI's example (PROTOCOL.md §4.1), with the same node ids;
 * the GGUF variant swaps only the two loaders. */
function buildQwenGraph(gguf: boolean, tpl: WorkflowTemplate, spec: Spec, settings: JobSettings): BuiltGraph {
  const b = new GraphBuilder();
  const unet = spec.models.unet ?? tpl.models.unet;
  const clip = spec.models.clip ?? tpl.models.clip;
  if (gguf) {
    b.add('37', 'UnetLoaderGGUF', {}, 'Unet Loader (GGUF)');
    b.bind('models.unet', '37', 'unet_name', unet);
    b.add('38', 'CLIPLoaderGGUF', { type: 'qwen_image' }, 'CLIPLoader (GGUF)');
    b.bind('models.clip', '38', 'clip_name', clip);
  } else {
    b.add('37', 'UNETLoader', {}, 'Load Diffusion Model');
    b.bind('models.unet', '37', 'unet_name', unet);
    b.bind('models.weightDtype', '37', 'weight_dtype', spec.models.weightDtype ?? 'default');
    b.add('38', 'CLIPLoader', { type: 'qwen_image', device: 'default' }, 'Load CLIP');
    b.bind('models.clip', '38', 'clip_name', clip);
  }
  b.add('39', 'VAELoader', {}, 'Load VAE');
  b.bind('models.vae', '39', 'vae_name', spec.models.vae ?? tpl.models.vae);

  const model = addLora(b, spec, '73', ['37', 0]);
  b.add('66', 'ModelSamplingAuraFlow', { model }, 'ModelSamplingAuraFlow');
  const shift = settings.shift ?? tpl.defaults.shift ?? 3.1;
  b.bind(fieldPath(spec, 'shift', shift), '66', 'shift', shift);

  addSamplerTail(b, spec, settings, { positive: '6', negative: '7', latent: '58', sampler: '3', decode: '8', save: '60' }, {
    model: ['66', 0],
    clip: ['38', 0],
    vae: ['39', 0],
    latentClass: 'EmptySD3LatentImage',
  });
  return {
    graph: b.graph,
    samplerNode: '3',
    outputNodes: ['60'],
    loaderNodes: spec.models.lora ? ['37', '38', '39', '73'] : ['37', '38', '39'],
    bindings: b.bindings,
  };
}

function qwenTemplate(
  id: TemplateId,
  description: string,
  gguf: boolean,
  unet: string,
  clip: string,
  defaults: TemplateDefaults,
): WorkflowTemplate {
  const tpl: WorkflowTemplate = {
    id,
    description,
    defaults,
    models: { unet, clip, vae: QWEN_VAE },
    modelKeys: gguf ? ['unet', 'clip', 'vae', 'lora', 'loraStrength'] : ['unet', 'clip', 'vae', 'lora', 'loraStrength', 'weightDtype'],
    sizeStep: 16,
    nativeSizes: QWEN_SIZES,
    build: (spec, settings) => buildQwenGraph(gguf, tpl, spec, settings),
  };
  return tpl;
}

/** Sampling defaults of the Qwen-Image-2512 blueprint and docs (which suggest 50 steps): cfg 4, euler/simple, shift 3.1, 1328². */
const DEFAULTS_2512: TemplateDefaults = {
  negative: QWEN_2512_NEGATIVE,
  cfg: 4,
  sampler: 'euler',
  scheduler: 'simple',
  width: 1328,
  height: 1328,
  shift: 3.1,
  denoise: 1,
};

/** ComfyUI's Qwen-Image example: cfg 2.5, euler/simple, shift 3.1, 1328², blank negative. */
const DEFAULTS_QWEN: TemplateDefaults = { ...DEFAULTS_2512, negative: '', cfg: 2.5 };

export const QWEN_IMAGE_2512 = qwenTemplate(
  'qwen-image-2512',
  'Qwen-Image-2512, native ComfyUI nodes (UNETLoader + CLIPLoader qwen_image + VAELoader + ModelSamplingAuraFlow).',
  false,
  'qwen_image_2512_fp8_e4m3fn.safetensors',
  QWEN_CLIP,
  DEFAULTS_2512,
);

export const QWEN_IMAGE = qwenTemplate(
  'qwen-image',
  'Qwen-Image (original release), native ComfyUI nodes.',
  false,
  'qwen_image_fp8_e4m3fn.safetensors',
  QWEN_CLIP,
  DEFAULTS_QWEN,
);

export const QWEN_IMAGE_GGUF = qwenTemplate(
  'qwen-image-gguf',
  'Qwen-Image-2512 quantised to GGUF (UnetLoaderGGUF + CLIPLoaderGGUF from the ComfyUI-GGUF node pack).',
  true,
  'qwen-image-2512-Q4_K_M.gguf',
  'Qwen2.5-VL-7B-Instruct-Q4_K_M.gguf',
  DEFAULTS_2512,
);
