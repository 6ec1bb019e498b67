/**
 * The node schemas and model files the test server pretends to have: the real ComfyUI 0.33 /object_info
 * (fixture), with the model combos filled from MODEL_FILES and the ComfyUI-GGUF loaders added.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

export type InputSpec = [unknown, Record<string, unknown>?];
export interface NodeSchema {
  input: { required?: Record<string, InputSpec>; optional?: Record<string, InputSpec>; hidden?: Record<string, unknown> };
  input_order?: Record<string, string[]>;
  output: string[];
  output_node: boolean;
  name: string;
  [key: string]: unknown;
}
export type ObjectInfo = Record<string, NodeSchema>;

/** A file whose name contains this fails in its loader with a real-looking execution_error. */
export const FAIL_MARKER = '__fail__';

/** Model files per folder key, as /models/{folder} lists them. */
export const MODEL_FILES: Record<string, string[]> = {
  checkpoints: [
    'broken__fail__.safetensors',
    'tiny_sd15_random.safetensors',
    'v1-5-pruned-emaonly-fp16.safetensors',
    'v1-5-pruned-emaonly.safetensors',
  ],
  diffusion_models: ['broken__fail__.safetensors', 'qwen_image_2512_fp8_e4m3fn.safetensors', 'qwen_image_fp8_e4m3fn.safetensors'],
  text_encoders: ['broken__fail__.safetensors', 'qwen_2.5_vl_7b_fp8_scaled.safetensors'],
  vae: ['broken__fail__.safetensors', 'qwen_image_vae.safetensors'],
  loras: ['Qwen-Image-2512-Lightning-4steps-V1.0-fp32.safetensors', 'Qwen-Image-Lightning-8steps-V1.0.safetensors'],
  unet_gguf: ['broken__fail__.gguf', 'qwen-image-2512-Q4_K_M.gguf'],
  clip_gguf: ['Qwen2.5-VL-7B-Instruct-Q4_K_M.gguf'],
  embeddings: [],
  vae_approx: ['lighttaew2_1.safetensors', 'taesd_decoder.safetensors', 'taesd_encoder.safetensors'],
  upscale_models: [],
  controlnet: [],
  clip_vision: [],
  style_models: [],
  diffusers: [],
  gligen: [],
  hypernetworks: [],
  photomaker: [],
  classifiers: [],
  model_patches: [],
  audio_encoders: [],
  latent_upscale_models: [],
};

/** ComfyUI's VAELoader.video_taes and image_taes (nodes.py). */
export const VIDEO_TAES = ['taehv', 'lighttaew2_2', 'lighttaew2_1', 'lighttaehy1_5', 'taeltx_2'];
export const IMAGE_TAES = ['taesd', 'taesdxl', 'taesd3', 'taef1', 'taef2'];

/**
 * VAELoader's vae_name choices as its vae_list makes them: the VAE files; each vae_approx file that
 * starts with a video tiny decoder's name, by file name; each image tiny decoder with both halves
 * (<name>_encoder.*, <name>_decoder.*) by bare name (taef2 also as one taef2.safetensors); pixel_space.
 */
export function vaeList(vae: readonly string[], approx: readonly string[]): string[] {
  const out = [...vae];
  const halves = new Map<string, Set<string>>();
  for (const file of approx) {
    const [name, rest = ''] = file.split(/_(?=(?:encoder|decoder)\.)/);
    if (IMAGE_TAES.includes(name) && /^(encoder|decoder)\./.test(rest)) {
      halves.set(name, (halves.get(name) ?? new Set()).add(rest.split('.')[0]));
    } else if (file === 'taef2.safetensors') {
      halves.set('taef2', new Set(['encoder', 'decoder']));
    } else if (VIDEO_TAES.some((t) => file.startsWith(t))) {
      out.push(file);
    }
  }
  for (const name of IMAGE_TAES) if (halves.get(name)?.size === 2) out.push(name);
  out.push('pixel_space');
  return out;
}

/** Which folder a classic combo input lists, by input name (covers every core loader). */
const COMBO_FOLDERS: Record<string, () => string[]> = {
  ckpt_name: () => MODEL_FILES.checkpoints,
  unet_name: () => MODEL_FILES.diffusion_models,
  clip_name: () => MODEL_FILES.text_encoders,
  clip_name1: () => MODEL_FILES.text_encoders,
  clip_name2: () => MODEL_FILES.text_encoders,
  clip_name3: () => MODEL_FILES.text_encoders,
  clip_name4: () => MODEL_FILES.text_encoders,
  vae_name: () => vaeList(MODEL_FILES.vae, MODEL_FILES.vae_approx),
  lora_name: () => MODEL_FILES.loras,
};

/** Finds test/fixtures/comfy from wherever this file runs (sources or out/). */
export function fixturesDir(): string {
  let dir = __dirname;
  for (let i = 0; i < 6; i++) {
    const candidate = path.join(dir, 'test', 'fixtures', 'comfy');
    if (fs.existsSync(path.join(candidate, 'object_info.json.gz'))) {
      return candidate;
    }
    dir = path.dirname(dir);
  }
  throw new Error('test/fixtures/comfy/object_info.json.gz not found above ' + __dirname);
}

function ggufLoader(name: string, displayName: string, output: string, required: Record<string, InputSpec>): NodeSchema {
  return {
    input: { required },
    input_order: { required: Object.keys(required) },
    is_input_list: false,
    output: [output],
    output_is_list: [false],
    output_name: [output],
    name,
    display_name: displayName,
    description: '',
    python_module: 'custom_nodes.ComfyUI-GGUF',
    category: 'bootleg',
    output_node: false,
    has_intermediate_output: false,
    search_aliases: [],
  };
}

let cached: ObjectInfo | undefined;

/** A fresh deep copy each call: validation coerces values and callers may mutate. */
export function loadObjectInfo(): ObjectInfo {
  if (!cached) {
    const raw = zlib.gunzipSync(fs.readFileSync(path.join(fixturesDir(), 'object_info.json.gz'))).toString('utf8');
    const info = JSON.parse(raw) as ObjectInfo;
    for (const schema of Object.values(info)) {
      for (const group of [schema.input.required, schema.input.optional]) {
        for (const [name, spec] of Object.entries(group ?? {})) {
          const files = COMBO_FOLDERS[name];
          if (files && Array.isArray(spec[0])) {
            spec[0] = files();
          }
        }
      }
    }
    const clipTypes = info.CLIPLoader.input.required!.type;
    info.UnetLoaderGGUF = ggufLoader('UnetLoaderGGUF', 'Unet Loader (GGUF)', 'MODEL', { unet_name: [MODEL_FILES.unet_gguf] });
    info.CLIPLoaderGGUF = ggufLoader('CLIPLoaderGGUF', 'CLIPLoader (GGUF)', 'CLIP', {
      clip_name: [[...MODEL_FILES.text_encoders, ...MODEL_FILES.clip_gguf].sort()],
      type: clipTypes,
    });
    cached = info;
  }
  return structuredClone(cached);
}

/** JSON text of /object_info: JS numbers cannot hold the 64-bit seed maximum, so it is written back as sent. */
export function objectInfoJson(value: unknown): string {
  return JSON.stringify(value).replace(/18446744073709552000/g, '18446744073709551615');
}

export const FEATURES = {
  supports_preview_metadata: true,
  supports_model_type_tags: true,
  max_upload_size: 104857600,
  extension: { manager: { supports_v4: true } },
  node_replacements: true,
  assets: false,
};
