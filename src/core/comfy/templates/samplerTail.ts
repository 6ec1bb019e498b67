import type { JobSettings, Spec } from '../../spec/types';
import { fieldPath, sizeOf } from '../workflow/fieldPath';
import type { GraphBuilder } from '../workflow/graphBuilder';

/** Node ids of the part every built-in template shares (ids as in ComfyUI's own examples). */
export interface TailIds {
  positive: string;
  negative: string;
  latent: string;
  sampler: string;
  decode: string;
  save: string;
}

/** Adds the text encoders, empty latent, KSampler, VAEDecode and SaveImage, and binds the job's
 * settings into them. `model`, `clip` and `vae` are links to the loaders' outputs. */
export function addSamplerTail(
  b: GraphBuilder,
  spec: Spec,
  settings: JobSettings,
  ids: TailIds,
  links: { model: [string, number]; clip: [string, number]; vae: [string, number]; latentClass: string },
): void {
  b.add(ids.positive, 'CLIPTextEncode', { clip: links.clip }, 'Positive Prompt');
  b.bind('prompt', ids.positive, 'text', settings.prompt);
  b.add(ids.negative, 'CLIPTextEncode', { clip: links.clip }, 'Negative Prompt');
  b.bind('negative', ids.negative, 'text', settings.negative);

  b.add(ids.latent, links.latentClass, { batch_size: 1 }, 'Empty Latent Image');
  const size = fieldPath(spec, 'size', sizeOf(settings));
  b.bind(size, ids.latent, 'width', settings.width);
  b.bind(size, ids.latent, 'height', settings.height);

  b.add(
    ids.sampler,
    'KSampler',
    { model: links.model, positive: [ids.positive, 0], negative: [ids.negative, 0], latent_image: [ids.latent, 0] },
    'KSampler',
  );
  b.bind(fieldPath(spec, 'seed', settings.seed), ids.sampler, 'seed', settings.seed);
  b.bind(fieldPath(spec, 'steps', settings.steps), ids.sampler, 'steps', settings.steps);
  b.bind(fieldPath(spec, 'cfg', settings.cfg), ids.sampler, 'cfg', settings.cfg);
  b.bind(fieldPath(spec, 'sampler', settings.sampler), ids.sampler, 'sampler_name', settings.sampler);
  b.bind(fieldPath(spec, 'scheduler', settings.scheduler), ids.sampler, 'scheduler', settings.scheduler);
  b.bind(fieldPath(spec, 'denoise', settings.denoise), ids.sampler, 'denoise', settings.denoise);

  b.add(ids.decode, 'VAEDecode', { samples: [ids.sampler, 0], vae: links.vae }, 'VAE Decode');
  // A sub-folder per spec keeps a study's images together in ComfyUI's output folder.
  b.add(ids.save, 'SaveImage', { filename_prefix: `qwenprompt/${spec.id}`, images: [ids.decode, 0] }, 'Save Image');
}

/** Inserts LoraLoaderModelOnly after `model` when the spec names a LoRA; returns the model link to use. */
export function addLora(b: GraphBuilder, spec: Spec, id: string, model: [string, number]): [string, number] {
  if (!spec.models.lora) {
    return model;
  }
  b.add(id, 'LoraLoaderModelOnly', { model }, 'LoraLoaderModelOnly');
  b.bind('models.lora', id, 'lora_name', spec.models.lora);
  b.bind('models.loraStrength', id, 'strength_model', spec.models.loraStrength ?? 1);
  return [id, 0];
}
