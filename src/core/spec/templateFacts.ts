import type { LatentFormat } from './decoders';
import type { JobSettings, SpecModels, TemplateId } from './types';

/** Sampling defaults a template fills in for fields a spec leaves out. */
export type TemplateDefaults = Pick<JobSettings, 'negative' | 'cfg' | 'sampler' | 'scheduler' | 'width' | 'height' | 'shift' | 'denoise'>;

/**
 * What the spec language knows of a built-in template: its defaults and rules. The graph each one
 * builds lives with the ComfyUI code (core/comfy/templates), which depends on the spec, not the
 * other way round.
 */
export interface TemplateFacts {
  id: TemplateId;
  description: string;
  defaults: TemplateDefaults;
  /** Default model file names; `models` keys this template has no node for are absent. */
  models: SpecModels;
  /** The model keys a spec may set for this template (others would be silently ignored). */
  modelKeys: readonly (keyof SpecModels)[];
  /** Width and height must be multiples of this (the latent node's `step`). */
  sizeStep: number;
  /** Sizes the model was trained at, as `WxH`; others work but are worth a hint. */
  nativeSizes?: readonly string[];
  /** The latents its model can make (the first is its own): which tiny decoders fit. */
  latent: readonly LatentFormat[];
}

/** Qwen-Image-2512's documented default negative prompt (Comfy-Org docs, blueprint "Text to Image (Qwen-Image 2512)"). */
export const QWEN_2512_NEGATIVE =
  '低分辨率，低画质，肢体畸形，手指畸形，画面过饱和，蜡像感，人脸无细节，过度光滑，画面具有AI感。构图混乱。文字模糊，扭曲';

const QWEN_CLIP = 'qwen_2.5_vl_7b_fp8_scaled.safetensors';
const QWEN_VAE = 'qwen_image_vae.safetensors';

/** Qwen-Image's supported sizes per the Comfy-Org docs (1:1, 16:9, 9:16, 4:3, 3:4, 3:2, 2:3). */
const QWEN_SIZES = ['1328x1328', '1664x928', '928x1664', '1472x1104', '1104x1472', '1584x1056', '1056x1584'];

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

function qwenFacts(
  id: TemplateId,
  description: string,
  gguf: boolean,
  unet: string,
  clip: string,
  defaults: TemplateDefaults,
): TemplateFacts {
  return {
    id,
    description,
    defaults,
    models: { unet, clip, vae: QWEN_VAE },
    modelKeys: gguf ? ['unet', 'clip', 'vae', 'lora', 'loraStrength'] : ['unet', 'clip', 'vae', 'lora', 'loraStrength', 'weightDtype'],
    sizeStep: 16,
    nativeSizes: QWEN_SIZES,
    // comfy/supported_models.py QwenImage: latent_format = latent_formats.Wan21
    latent: ['wan21'],
  };
}

/** The built-in workflow templates a spec's `model` names. */
export const TEMPLATE_FACTS: Readonly<Record<TemplateId, TemplateFacts>> = {
  'qwen-image-2512': qwenFacts(
    'qwen-image-2512',
    'Qwen-Image-2512, native ComfyUI nodes (UNETLoader + CLIPLoader qwen_image + VAELoader + ModelSamplingAuraFlow).',
    false,
    'qwen_image_2512_fp8_e4m3fn.safetensors',
    QWEN_CLIP,
    DEFAULTS_2512,
  ),
  'qwen-image': qwenFacts(
    'qwen-image',
    'Qwen-Image (original release), native ComfyUI nodes.',
    false,
    'qwen_image_fp8_e4m3fn.safetensors',
    QWEN_CLIP,
    DEFAULTS_QWEN,
  ),
  'qwen-image-gguf': qwenFacts(
    'qwen-image-gguf',
    'Qwen-Image-2512 quantised to GGUF (UnetLoaderGGUF + CLIPLoaderGGUF from the ComfyUI-GGUF node pack).',
    true,
    'qwen-image-2512-Q4_K_M.gguf',
    'Qwen2.5-VL-7B-Instruct-Q4_K_M.gguf',
    DEFAULTS_2512,
  ),
  'sd-checkpoint': {
    id: 'sd-checkpoint',
    description: 'A classic checkpoint (e.g. SD 1.5) with CheckpointLoaderSimple + EmptyLatentImage.',
    defaults: { negative: '', cfg: 8, sampler: 'euler', scheduler: 'normal', width: 512, height: 512, denoise: 1 },
    models: { checkpoint: 'v1-5-pruned-emaonly.safetensors' },
    modelKeys: ['checkpoint', 'vae', 'lora', 'loraStrength'],
    sizeStep: 8,
    // Its EmptyLatentImage makes 4-channel latents: an SD 1.5 or an SDXL checkpoint.
    latent: ['sd1', 'sdxl'],
  },
};

export const DEFAULT_TEMPLATE: TemplateId = 'qwen-image-2512';

export function isTemplateId(id: string): id is TemplateId {
  return Object.prototype.hasOwnProperty.call(TEMPLATE_FACTS, id);
}
