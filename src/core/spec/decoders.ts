/**
 * VAE decoders a spec can choose, and which latent each one decodes. ComfyUI's VAELoader (nodes.py,
 * its image_taes and video_taes) offers the image tiny decoders by bare name (taesd, taesdxl, taesd3,
 * taef1: when both halves <name>_encoder.* and <name>_decoder.* are in models/vae_approx; taef2 also
 * as one taef2.safetensors) and the video ones by their vae_approx file name (lighttaew2_1.safetensors,
 * …), which it loads from vae_approx. Qwen-Image makes Wan 2.1 latents (16 channels), whose tiny
 * decoder is lighttaew2_1.
 */

/** A model family's latent: what a decoder must have been trained on. */
export type LatentFormat = 'sd1' | 'sdxl' | 'sd3' | 'flux' | 'flux2' | 'wan21' | 'wan22' | 'hunyuanVideo' | 'hunyuanVideo15' | 'ltx2';

export const LATENT_LABEL: Readonly<Record<LatentFormat, string>> = {
  sd1: 'SD 1.5 latents (4 channels)',
  sdxl: 'SDXL latents (4 channels)',
  sd3: 'SD3 latents (16 channels)',
  flux: 'Flux latents (16 channels)',
  flux2: 'Flux.2 latents (32 channels)',
  wan21: 'Wan 2.1 latents (16 channels)',
  wan22: 'Wan 2.2 latents (48 channels)',
  hunyuanVideo: 'HunyuanVideo latents (16 channels)',
  hunyuanVideo15: 'HunyuanVideo 1.5 latents (32 channels)',
  ltx2: 'LTX-2 latents (128 channels)',
};

interface TinyDecoder {
  latent: LatentFormat;
  /** Listed by VAELoader under its vae_approx file name, not the bare name. */
  video: boolean;
}

/** The tiny decoders ComfyUI's VAELoader knows (its image_taes and video_taes). */
export const TINY_DECODERS: Readonly<Record<string, TinyDecoder>> = {
  taesd: { latent: 'sd1', video: false },
  taesdxl: { latent: 'sdxl', video: false },
  taesd3: { latent: 'sd3', video: false },
  taef1: { latent: 'flux', video: false },
  taef2: { latent: 'flux2', video: false },
  lighttaew2_1: { latent: 'wan21', video: true },
  lighttaew2_2: { latent: 'wan22', video: true },
  taehv: { latent: 'hunyuanVideo', video: true },
  lighttaehy1_5: { latent: 'hunyuanVideo15', video: true },
  taeltx_2: { latent: 'ltx2', video: true },
};

/** The tiny decoder a name stands for: `lighttaew2_1` or its file `lighttaew2_1.safetensors`. */
export function tinyDecoderOf(name: string): { name: string; decoder: TinyDecoder } | undefined {
  const bare = name.replace(/\.(safetensors|pth|pt)$/i, '');
  const decoder = TINY_DECODERS[bare];
  return decoder ? { name: bare, decoder } : undefined;
}

/** The VAELoader vae_name for a decoder: image tiny decoders by name, video ones by file, anything else as written. */
export function decoderFile(name: string): string {
  const tiny = tinyDecoderOf(name);
  return tiny?.decoder.video && tiny.name === name ? `${name}.safetensors` : name;
}

/** Why a decoder cannot decode a model's latent, with the one that can; undefined when it fits or is not a known tiny decoder. */
export function decoderMismatch(name: string, latents: readonly LatentFormat[], templateId: string): string | undefined {
  const tiny = tinyDecoderOf(name);
  if (!tiny || !latents.length || latents.includes(tiny.decoder.latent)) return undefined;
  const fits = Object.entries(TINY_DECODERS)
    .filter(([, d]) => latents.includes(d.latent))
    .map(([n]) => n);
  const latent = latents.map((l) => LATENT_LABEL[l]).join(' or ');
  const instead = fits.length ? ` Use ${fits.join(' or ')} (or vae, the model's own).` : ' Use vae (the model’s own).';
  return `${tiny.name} decodes ${LATENT_LABEL[tiny.decoder.latent]}, but ${templateId} makes ${latent}.${instead}`;
}
