// The inpaint graph of a job: the graph that made the image, with its empty latent replaced by the
// uploaded image encoded by the graph's own VAE under a noise mask (LoadImage → VAEEncode →
// SetLatentNoiseMask), so the sampler redraws only the masked region. Works for every built-in
// template (checkpoint, Qwen-Image native and GGUF) and for a user's graph of the same shape.
import type { ApiGraph } from '../../shared/runRecord';

export interface InpaintOptions {
  /** LoadImage's value for the uploaded image with the mask as alpha ('sub/name.png [input]'). */
  image: string;
  /** Sampling steps of the redo: a two-stage pair samples them all, split where it split before (scaled). */
  steps: number;
  /** SaveImage's prefix, so the result is told apart on the server. */
  filenamePrefix?: string;
}

const SAMPLERS = new Set(['KSampler', 'KSamplerAdvanced', 'SamplerCustom', 'SamplerCustomAdvanced']);

type Link = [string, number];
const isLink = (v: unknown): v is Link => Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'number';

/** A node id not yet in the graph: 'qp_<base>', then with a number. */
function freshId(graph: ApiGraph, base: string): string {
  let id = `qp_${base}`;
  for (let i = 2; graph[id]; i++) id = `qp_${base}${i}`;
  return id;
}

/**
 * Builds the redo graph, or throws saying what the graph lacks. The first sampler in the graph
 * whose latent does not come from another sampler is the one that starts from noise; its latent
 * input becomes the masked encode of the image, and the VAE is the one the graph decodes with.
 */
export function inpaintGraph(graph: ApiGraph, opts: InpaintOptions): ApiGraph {
  const g: ApiGraph = structuredClone(graph);
  const samplers = Object.entries(g).filter(([, n]) => SAMPLERS.has(n.class_type));
  const first = samplers.find(([, n]) => {
    const src = n.inputs['latent_image'];
    return isLink(src) && !SAMPLERS.has(g[src[0]]?.class_type ?? '');
  });
  if (!first) throw new Error('The graph has no sampler starting from a latent image, so there is nothing to inpaint into.');
  const decode = Object.values(g).find((n) => n.class_type === 'VAEDecode' && isLink(n.inputs.vae));
  if (!decode) throw new Error('The graph has no VAEDecode with a VAE, so the image cannot be encoded for the inpaint.');
  const [id, sampler] = first;
  const empty = (sampler.inputs['latent_image'] as Link)[0];
  const load = freshId(g, 'load_image');
  g[load] = { class_type: 'LoadImage', inputs: { image: opts.image }, _meta: { title: 'Image to redo (mask in alpha)' } };
  const encode = freshId(g, 'encode');
  g[encode] = { class_type: 'VAEEncode', inputs: { pixels: [load, 0], vae: decode.inputs.vae }, _meta: { title: 'VAE Encode' } };
  const mask = freshId(g, 'noise_mask');
  g[mask] = { class_type: 'SetLatentNoiseMask', inputs: { samples: [encode, 0], mask: [load, 1] }, _meta: { title: 'Redo only the mask' } };
  sampler.inputs['latent_image'] = [mask, 0];
  rescaleSteps(g, id, opts.steps);
  // The empty latent goes when nothing else reads it (ComfyUI would not run it anyway).
  const used = Object.values(g).some((n) => Object.values(n.inputs).some((v) => isLink(v) && v[0] === empty));
  if (!used) delete g[empty];
  if (opts.filenamePrefix) {
    for (const n of Object.values(g)) if (n.class_type === 'SaveImage') n.inputs.filename_prefix = opts.filenamePrefix;
  }
  return g;
}

/**
 * Sets the steps of the sampler `first` and of every sampler that continues its latent. Stages of one
 * KSamplerAdvanced chain share one schedule (`steps`) and hand over at a step: the hand-over moves in
 * proportion (25 of 40 becomes 12 of 20), kept inside the schedule so each stage still samples.
 */
function rescaleSteps(g: ApiGraph, first: string, steps: number): void {
  const chain = [first];
  for (let i = 0; i < chain.length; i++) {
    for (const [id, n] of Object.entries(g)) {
      const src = n.inputs['latent_image'];
      if (SAMPLERS.has(n.class_type) && isLink(src) && src[0] === chain[i] && !chain.includes(id)) chain.push(id);
    }
  }
  for (const id of chain) {
    const inputs = g[id].inputs;
    const before = inputs.steps;
    if (typeof before !== 'number') continue;
    inputs.steps = steps;
    const scale = (k: 'start_at_step' | 'end_at_step') => {
      const at = inputs[k];
      if (typeof at !== 'number' || at <= 0 || at >= before) return; // 0 and 10000 (to the end) stay
      inputs[k] = Math.min(steps - 1, Math.max(1, Math.round((at * steps) / before)));
    };
    scale('start_at_step');
    scale('end_at_step');
  }
}
