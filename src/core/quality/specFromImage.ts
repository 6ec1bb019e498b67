// "Create spec from image": the graph ComfyUI embedded in a PNG (`prompt` text chunk, API format)
// becomes a .qwenprompt that reproduces the image. When a built-in template rebuilt from the
// extracted settings gives the very same graph, the spec names the template; otherwise it points
// `workflow:` at the graph, saved beside the spec, and writes only what a run varies.
import { stringify } from 'yaml';
import { buildGraph } from '../comfy/graph';
import { TEMPLATE_FACTS as TEMPLATES } from '../spec/templateFacts';
import type { ApiGraph, ApiNode } from '../comfy/types';
import { valueHolder } from '../comfy/workflow/linkedValue';
import { findSampler, loadUserGraph } from '../comfy/workflow/userGraph';
import { planCells } from '../runs/plan';
import { parseSpecs } from '../spec/parse';
import type { TemplateId } from '../spec/types';
import { readPngText } from './pngText';

export interface SpecFromImage {
  /** The .qwenprompt text. */
  text: string;
  /** 'template': reproduced by a built-in template; 'workflow': references the graph file. */
  kind: 'template' | 'workflow';
  /** For 'workflow': the API graph to save as `workflowFile` beside the spec. */
  graph?: ApiGraph;
  workflowFile?: string;
  /** Why the template did not fit, for the user ('workflow' only). */
  reason?: string;
}

export class NoGraphInImageError extends Error {
  constructor() {
    super('This PNG carries no ComfyUI graph (no "prompt" text chunk). Only images saved by ComfyUI\u2019s SaveImage node have one.');
    this.name = 'NoGraphInImageError';
  }
}

type Link = [string, number];
const isLink = (v: unknown): v is Link => Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'number';

/** The API graph in a PNG's text chunks (the `prompt` chunk ComfyUI writes). */
export function graphFromPng(bytes: Uint8Array): ApiGraph {
  const text = readPngText(bytes).get('prompt');
  if (!text) throw new NoGraphInImageError();
  return loadUserGraph(text, 'The image\u2019s graph');
}

/** Follows a link to its node; undefined for a literal or a dangling link. */
function linked(graph: ApiGraph, v: unknown): { id: string; node: ApiNode } | undefined {
  return isLink(v) && graph[v[0]] ? { id: v[0], node: graph[v[0]] } : undefined;
}

/** The first node of one of `classes` upstream of `v` along `input` links (model → model → …). */
function upstream(graph: ApiGraph, v: unknown, classes: readonly string[], via = 'model'): ApiNode | undefined {
  for (let hop = 0, cur = linked(graph, v); cur && hop < 32; hop++, cur = linked(graph, cur.node.inputs[via])) {
    if (classes.includes(cur.node.class_type)) return cur.node;
  }
  return undefined;
}

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The value `node.input` has when the graph runs: its widget, or the one its links lead to (a
 * primitive, the branch a switch selects); undefined when a computing node makes it. */
function valueAt(graph: ApiGraph, node: string, input: string): unknown {
  try {
    const h = valueHolder(graph, node, input, '');
    return graph[h.node].inputs[h.input];
  } catch {
    return undefined;
  }
}

function textOf(graph: ApiGraph, v: unknown): string | undefined {
  const n = linked(graph, v);
  return n?.node.class_type === 'CLIPTextEncode' ? str(valueAt(graph, n.id, 'text')) : undefined;
}

/** The spec fields the graph states, read around its sampler (through linked widgets). */
function extract(graph: ApiGraph, sampler: string): Record<string, unknown> {
  const s = graph[sampler].inputs;
  const at = (input: string) => valueAt(graph, sampler, input);
  const fields: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => {
    if (v !== undefined) fields[k] = v;
  };
  const models: Record<string, unknown> = {};
  const unet = upstream(graph, s.model, ['UNETLoader', 'UnetLoaderGGUF']);
  const ckpt = upstream(graph, s.model, ['CheckpointLoaderSimple']);
  const lora = upstream(graph, s.model, ['LoraLoaderModelOnly']);
  const aura = upstream(graph, s.model, ['ModelSamplingAuraFlow']);
  if (unet) {
    models.unet = str(unet.inputs.unet_name);
    if (unet.class_type === 'UNETLoader' && unet.inputs.weight_dtype !== 'default') models.weightDtype = str(unet.inputs.weight_dtype);
  }
  if (ckpt) models.checkpoint = str(ckpt.inputs.ckpt_name);
  if (lora) {
    models.lora = str(lora.inputs.lora_name);
    models.loraStrength = num(lora.inputs.strength_model);
  }
  const positive = linked(graph, s.positive)?.node;
  const clip = positive && upstream(graph, positive.inputs.clip, ['CLIPLoader', 'CLIPLoaderGGUF'], 'clip');
  if (clip) models.clip = str(clip.inputs.clip_name);
  for (const n of Object.values(graph)) {
    if (n.class_type === 'VAELoader' && typeof n.inputs.vae_name === 'string') models.vae = n.inputs.vae_name;
  }
  put('prompt', textOf(graph, s.positive));
  put('negative', textOf(graph, s.negative));
  put('seed', num(at('seed')) ?? num(at('noise_seed')));
  const latent = linked(graph, s.latent_image);
  const w = latent && num(valueAt(graph, latent.id, 'width'));
  const h = latent && num(valueAt(graph, latent.id, 'height'));
  if (w && h) put('size', `${w}x${h}`);
  put('sampler', str(at('sampler_name')));
  put('scheduler', str(at('scheduler')));
  put('cfg', num(at('cfg')));
  put('shift', num(aura?.inputs.shift));
  put('denoise', num(at('denoise')));
  const steps = num(at('steps'));
  if (steps !== undefined) put('steps', [steps]);
  const m = Object.fromEntries(Object.entries(models).filter(([, v]) => v !== undefined));
  if (Object.keys(m).length) fields.models = m;
  return fields;
}

/** Which built-in template the graph looks like; the exact rebuild decides whether it really is one. */
function templateGuess(graph: ApiGraph): TemplateId | undefined {
  const classes = new Set(Object.values(graph).map((n) => n.class_type));
  if (classes.has('UnetLoaderGGUF')) return 'qwen-image-gguf';
  if (classes.has('UNETLoader') && classes.has('ModelSamplingAuraFlow')) {
    const unet = Object.values(graph).find((n) => n.class_type === 'UNETLoader');
    return String(unet?.inputs.unet_name ?? '').includes('2512') ? 'qwen-image-2512' : 'qwen-image';
  }
  if (classes.has('CheckpointLoaderSimple')) return 'sd-checkpoint';
  return undefined;
}

/**
 * A canonical form of what an output node computes: class, literal inputs and, recursively, what
 * its links compute. Node ids, titles and the output file prefix do not change the image.
 */
function signature(graph: ApiGraph, id: string, seen = new Set<string>()): string {
  const node = graph[id];
  if (!node || seen.has(id)) return '?';
  seen.add(id);
  const parts = Object.keys(node.inputs)
    .filter((k) => k !== 'filename_prefix')
    .sort()
    .map((k) => {
      const v = node.inputs[k];
      return `${k}=${isLink(v) ? `${v[1]}:${signature(graph, v[0], new Set(seen))}` : JSON.stringify(v)}`;
    });
  return `${node.class_type}(${parts.join(',')})`;
}

function outputSignatures(graph: ApiGraph): string[] {
  return Object.keys(graph)
    .filter((id) => graph[id].class_type === 'SaveImage' || graph[id].class_type === 'PreviewImage')
    .map((id) => signature(graph, id).replace(/^PreviewImage/, 'SaveImage'))
    .sort();
}

function specText(header: string, fields: Record<string, unknown>): string {
  return `${header}\n${stringify(fields, { lineWidth: 0 })}`;
}

/** Turns a graph into a spec named `name`; `workflowFile` is where the caller saves the graph if needed. */
export function specFromGraph(graph: ApiGraph, name: string, workflowFile: string): SpecFromImage {
  let sampler: string;
  try {
    sampler = findSampler(graph);
  } catch (e) {
    return fallback(graph, name, workflowFile, {}, (e as Error).message);
  }
  const fields = extract(graph, sampler);
  const model = templateGuess(graph);
  if (!model) return fallback(graph, name, workflowFile, fields, 'its loaders match no built-in template');
  const { models: found, ...rest } = fields;
  // Model files the template uses anyway are left out, so the spec reads like one written by hand.
  const defaults = TEMPLATES[model].models as Record<string, unknown>;
  const own = Object.entries((found ?? {}) as Record<string, unknown>).filter(([k, v]) => defaults[k] !== v);
  const models = own.length ? Object.fromEntries(own) : undefined;
  const candidate = { name, model, ...(models ? { models } : {}), ...rest, repeats: 1 };
  const text = specText('# Recreated from the graph ComfyUI embedded in an image.', candidate);
  const why = mismatch(text, graph);
  return why ? fallback(graph, name, workflowFile, fields, why) : { text, kind: 'template' };
}

/** Undefined when the spec rebuilds exactly the graph, else what differs. */
function mismatch(text: string, graph: ApiGraph): string | undefined {
  const parsed = parseSpecs(text);
  const spec = parsed.specs[0];
  const errors = parsed.diagnostics.filter((d) => d.severity === 'error');
  if (!spec || errors.length) return `the settings do not make a valid spec (${errors[0]?.message ?? 'no spec'})`;
  const cell = planCells(spec, { repeats: 1 })[0];
  if (!cell) return 'nothing to plan';
  const rebuilt = buildGraph(spec, cell.settings).graph;
  const same = JSON.stringify(outputSignatures(rebuilt)) === JSON.stringify(outputSignatures(graph));
  return same ? undefined : `the graph has nodes or inputs the ${spec.model} template does not`;
}

function fallback(graph: ApiGraph, name: string, workflowFile: string, fields: Record<string, unknown>, reason: string): SpecFromImage {
  // With `workflow:` the graph keeps its own values for every field the spec leaves out; prompt,
  // seed and steps are always written by a run, so they come from the image too.
  const keep: Record<string, unknown> = { name, workflow: workflowFile };
  for (const k of ['prompt', 'seed', 'steps'] as const) if (fields[k] !== undefined) keep[k] = fields[k];
  keep.repeats = 1;
  const text = specText(`# Recreated from an image: its graph is ${workflowFile} (${reason}).`, keep);
  return { text, kind: 'workflow', graph, workflowFile, reason };
}

/** Reads the PNG and makes the spec (see specFromGraph). */
export function specFromPng(bytes: Uint8Array, name: string, workflowFile: string): SpecFromImage {
  return specFromGraph(graphFromPng(bytes), name, workflowFile);
}
