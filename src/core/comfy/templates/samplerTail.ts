import type { AxisValue, JobSettings, Spec } from '../../spec/types';
import { fieldPath, sizeOf } from '../workflow/fieldPath';
import type { GraphBuilder } from '../workflow/graphBuilder';
import { decoderFile } from '../../spec/decoders';

/** Node ids of the part every built-in template shares (ids as in ComfyUI's own examples). */
export interface TailIds {
  positive: string;
  negative: string;
  latent: string;
  sampler: string;
  /** Stage 2 of two-stage sampling. */
  refine: string;
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

  const latent = addSampling(b, spec, settings, ids, links.model);

  b.add(ids.decode, 'VAEDecode', { samples: latent, vae: links.vae }, 'VAE Decode');
  // A sub-folder per spec keeps a study's images together in ComfyUI's output folder.
  b.add(ids.save, 'SaveImage', { filename_prefix: `qwenprompt/${spec.id}`, images: [ids.decode, 0] }, 'Save Image');
}

/**
 * One KSampler, or with `split` a KSamplerAdvanced pair (ComfyUI's two-pass pattern): stage 1 adds the
 * noise, runs steps 0..split and returns the leftover noise; stage 2 adds none and runs split..steps
 * of the same schedule, with its own sampler, scheduler or cfg from `refine`. Returns the latent link.
 */
function addSampling(b: GraphBuilder, spec: Spec, settings: JobSettings, ids: TailIds, model: [string, number]): [string, number] {
  const wired = { model, positive: [ids.positive, 0], negative: [ids.negative, 0] };
  const seed = fieldPath(spec, 'seed', settings.seed);
  const steps = fieldPath(spec, 'steps', settings.steps);
  if (settings.split === undefined) {
    b.add(ids.sampler, 'KSampler', { ...wired, latent_image: [ids.latent, 0] }, 'KSampler');
    b.bind(seed, ids.sampler, 'seed', settings.seed);
    b.bind(steps, ids.sampler, 'steps', settings.steps);
    b.bind(fieldPath(spec, 'cfg', settings.cfg), ids.sampler, 'cfg', settings.cfg);
    b.bind(fieldPath(spec, 'sampler', settings.sampler), ids.sampler, 'sampler_name', settings.sampler);
    b.bind(fieldPath(spec, 'scheduler', settings.scheduler), ids.sampler, 'scheduler', settings.scheduler);
    b.bind(fieldPath(spec, 'denoise', settings.denoise), ids.sampler, 'denoise', settings.denoise);
    return [ids.sampler, 0];
  }
  const split = fieldPath(spec, 'split', settings.split);
  const stage = (id: string, title: string, first: boolean) => {
    b.add(
      id,
      'KSamplerAdvanced',
      {
        ...wired,
        latent_image: first ? [ids.latent, 0] : [ids.sampler, 0],
        add_noise: first ? 'enable' : 'disable',
        return_with_leftover_noise: first ? 'enable' : 'disable',
      },
      title,
    );
    b.bind(seed, id, 'noise_seed', settings.seed);
    b.bind(steps, id, 'steps', settings.steps);
    const r = first ? {} : (settings.refine ?? {});
    const field = (name: 'cfg' | 'sampler' | 'scheduler', own: AxisValue | undefined) =>
      own === undefined ? fieldPath(spec, name, settings[name]) : fieldPath(spec, `refine.${name}`, own);
    b.bind(field('cfg', r.cfg), id, 'cfg', r.cfg ?? settings.cfg);
    b.bind(field('sampler', r.sampler), id, 'sampler_name', r.sampler ?? settings.sampler);
    b.bind(field('scheduler', r.scheduler), id, 'scheduler', r.scheduler ?? settings.scheduler);
    b.bind(first ? 'steps' : split, id, 'start_at_step', first ? 0 : settings.split);
    b.bind(first ? split : 'steps', id, 'end_at_step', first ? settings.split : 10000);
  };
  stage(ids.sampler, 'KSampler (stage 1)', true);
  stage(ids.refine, 'KSampler (stage 2)', false);
  return [ids.refine, 0];
}

/** Inserts LoraLoaderModelOnly after `model` when the job has a LoRA ("off" has no node at all); returns the model link to use. */
export function addLora(b: GraphBuilder, spec: Spec, settings: JobSettings, id: string, model: [string, number]): [string, number] {
  if (!settings.lora) {
    return model;
  }
  // The older models.lora spelling points errors at its own lines.
  const old = !spec.fieldRanges.lora && !spec.sweep.some((a) => a.name === 'lora') && spec.models.lora !== undefined;
  b.add(id, 'LoraLoaderModelOnly', { model }, 'LoraLoaderModelOnly');
  b.bind(old ? 'models.lora' : fieldPath(spec, 'lora', settings.lora.name), id, 'lora_name', settings.lora.name);
  const strengthField = old
    ? 'models.loraStrength'
    : spec.sweep.some((a) => a.name === 'loraStrength')
      ? fieldPath(spec, 'loraStrength', settings.lora.strength)
      : 'lora';
  b.bind(strengthField, id, 'strength_model', settings.lora.strength);
  return [id, 0];
}

/** The VAE the decode uses: the job's decoder (a tiny decoder or another VAE file), else the model's VAE. */
export function vaeChoice(spec: Spec, settings: JobSettings, modelVae: string): { field: string; file: string } {
  if (settings.decoder === undefined) return { field: 'models.vae', file: modelVae };
  return { field: fieldPath(spec, 'decoder', settings.decoder), file: decoderFile(settings.decoder) };
}
