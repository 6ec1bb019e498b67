import type { AxisValue, JobSettings, Spec, SpecModels } from '../../spec/types';
import type { ApiGraph, ApiNode, BuiltGraph, GraphBinding } from '../types';
import { fieldPath, sizeOf } from './fieldPath';
import { GraphMappingError } from './graphMappingError';
import { describeNode, isLink, nodesOfClass, titleOf, type Link } from './graphQueries';
import { valueHolder, type ValueHolder } from './linkedValue';
import { applyMappedInputs, claim, type DrivenField } from './mappedInputs';

/** Sampler classes qwenprompt can drive; SamplerCustom(Advanced) keep steps, sampler and cfg on
 * the nodes linked into them (BasicScheduler, KSamplerSelect, CFGGuider, RandomNoise). */
export const SAMPLER_CLASSES: readonly string[] = ['KSampler', 'KSamplerAdvanced', 'SamplerCustom', 'SamplerCustomAdvanced'];

/** The inputs of a custom sampler that lead to the nodes holding its settings. */
const SIDE_INPUTS = ['guider', 'sampler', 'sigmas', 'noise'];

/** Loader classes for each `models` key, and the input that takes the file name. */
const MODEL_LOADERS: Record<keyof SpecModels, { classes: string[]; input: string }> = {
  unet: { classes: ['UNETLoader', 'UnetLoaderGGUF', 'UnetLoaderGGUFAdvanced'], input: 'unet_name' },
  clip: { classes: ['CLIPLoader', 'CLIPLoaderGGUF'], input: 'clip_name' },
  vae: { classes: ['VAELoader'], input: 'vae_name' },
  checkpoint: { classes: ['CheckpointLoaderSimple'], input: 'ckpt_name' },
  lora: { classes: ['LoraLoaderModelOnly', 'LoraLoader'], input: 'lora_name' },
  loraStrength: { classes: ['LoraLoaderModelOnly', 'LoraLoader'], input: 'strength_model' },
  weightDtype: { classes: ['UNETLoader'], input: 'weight_dtype' },
};

const PREFERRED_TITLES = ['qwenprompt', 'sampler'];

/**
 * Parses a user's graph file. It must be ComfyUI's API format (Workflow → Export (API)); the UI
 * format (with `nodes` and `links` arrays) gets an error that says how to export the right one.
 */
export function loadUserGraph(json: string, fileLabel: string): ApiGraph {
  let data: unknown;
  try {
    data = JSON.parse(json);
  } catch (e) {
    throw new GraphMappingError('workflow', '', `${fileLabel} is not valid JSON: ${(e as Error).message}`);
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) {
    throw new GraphMappingError('workflow', '', `${fileLabel} is not a ComfyUI API-format graph (expected an object of nodes).`);
  }
  const obj = data as Record<string, unknown>;
  if (Array.isArray(obj.nodes) && Array.isArray(obj.links)) {
    throw new GraphMappingError(
      'workflow',
      '',
      `${fileLabel} is a UI workflow; in ComfyUI use Workflow → Export (API) and point \`workflow:\` at that file.`,
    );
  }
  // A saved POST /prompt body wraps the graph in `prompt`.
  const graph = isPlainObject(obj.prompt) && !('class_type' in obj.prompt) ? (obj.prompt as Record<string, unknown>) : obj;
  const ids = Object.keys(graph);
  if (ids.length === 0) {
    throw new GraphMappingError('workflow', '', `${fileLabel} has no nodes.`);
  }
  for (const id of ids) {
    const n = graph[id];
    if (!isPlainObject(n) || typeof n.class_type !== 'string' || !isPlainObject(n.inputs)) {
      throw new GraphMappingError(
        'workflow',
        id,
        `${fileLabel}: node ${id} has no class_type/inputs, so this is not an API-format graph; in ComfyUI use Workflow → Export (API).`,
      );
    }
  }
  return graph as ApiGraph;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The sampler to drive: the node titled "qwenprompt" (or else "sampler"), which may be a custom
 * sampler node of any class as long as it takes steps or a seed; else the graph's only sampler. */
export function findSampler(graph: ApiGraph): string {
  const samplers = nodesOfClass(graph, SAMPLER_CLASSES);
  const canSample = (id: string) => samplers.includes(id) || ['steps', 'seed', 'noise_seed'].some((k) => k in graph[id].inputs);
  for (const title of PREFERRED_TITLES) {
    const titled = Object.keys(graph).filter((id) => titleOf(graph[id])?.trim().toLowerCase() === title && canSample(id));
    if (titled.length === 1) {
      return titled[0];
    }
  }
  if (samplers.length === 1) {
    return samplers[0];
  }
  if (samplers.length === 0) {
    throw new GraphMappingError(
      'workflow',
      '',
      `The graph has no sampler node (${SAMPLER_CLASSES.join(', ')}); title the sampling node "qwenprompt" so qwenprompt can find it.`,
    );
  }
  throw new GraphMappingError(
    'workflow',
    samplers[0],
    `The graph has ${samplers.length} samplers (${samplers.map((id) => describeNode(graph, id)).join(', ')}); title the one qwenprompt should drive "qwenprompt" and export the graph again.`,
  );
}

/** Maps a job onto a copy of the user's graph. Fields the spec does not write keep the graph's own
 * values; prompt, seed and steps are always written (they are what a run varies). A field whose
 * input is linked is written where the link leads (a primitive, the selected branch of a switch). */
export function mapUserGraph(spec: Spec, settings: JobSettings, userGraph: ApiGraph): BuiltGraph {
  const graph = structuredClone(userGraph);
  const sampler = findSampler(graph);
  const bindings: GraphBinding[] = [];
  const driven = drivenFields(spec);
  const written = (field: string) =>
    field in spec.fieldRanges ||
    spec.sweep.some((a) => a.name === field) ||
    (field === 'size' && ('width' in spec.fieldRanges || 'height' in spec.fieldRanges));
  const set = (field: string, holder: ValueHolder, value: unknown) => {
    claim(bindings, { field, node: holder.node, input: holder.input }, driven, holder.chain);
    graph[holder.node].inputs[holder.input] = value;
  };

  // Mapped inputs first, so that a switch selects its branch by the spec's own booleans (the
  // 2512 template's turbo toggle) when the fields below are followed through it.
  applyMappedInputs(graph, settings.inputs, (key, value) => fieldPath(spec, key, value), bindings, driven);

  // The sampler itself, then the nodes feeding its guider/sampler/sigmas/noise inputs.
  const holders = [sampler];
  for (let i = 0; i < holders.length && holders.length < 16; i++) {
    for (const name of SIDE_INPUTS) {
      const v = graph[holders[i]].inputs[name];
      if (isLink(v) && graph[v[0]] && !holders.includes(v[0])) {
        holders.push(v[0]);
      }
    }
  }
  const put = (field: string, inputs: string[], value: AxisValue | undefined, always = false) => {
    if (!always && !written(field)) {
      return;
    }
    const path = fieldPath(spec, field, value);
    const node = holders.find((id) => inputs.some((name) => name in graph[id].inputs));
    if (!node) {
      throw new GraphMappingError(
        path,
        sampler,
        always
          ? `${describeNode(graph, sampler)} has no ${inputs.join('/')} input (nor do the nodes linked into its guider, sampler, sigmas or noise), and qwenprompt varies \`${field}\` in every run; title the sampling node that has it "qwenprompt".`
          : `${describeNode(graph, sampler)} has no ${inputs.join('/')} input for \`${field}\` (nor do the nodes linked into its guider, sampler, sigmas or noise); remove \`${field}\` from the spec, the graph decides it.`,
      );
    }
    const input = inputs.find((name) => name in graph[node].inputs)!;
    set(path, valueHolder(graph, node, input, path), value);
  };

  put('seed', ['seed', 'noise_seed'], settings.seed, true);
  put('steps', ['steps'], settings.steps, true);
  put('cfg', ['cfg'], settings.cfg);
  put('sampler', ['sampler_name'], settings.sampler);
  put('scheduler', ['scheduler'], settings.scheduler);
  put('denoise', ['denoise'], settings.denoise);

  const positive = textNode(graph, holders, 'positive', 'prompt');
  set('prompt', positive, settings.prompt);
  if (written('negative')) {
    const negative = textNode(graph, holders, 'negative', 'negative');
    if (negative.node === positive.node) {
      throw new GraphMappingError(
        'negative',
        negative.node,
        `The sampler's positive and negative inputs both take their text from ${describeNode(graph, negative.node)}; give the negative its own CLIPTextEncode node.`,
      );
    }
    set('negative', negative, settings.negative);
  }

  if (written('size')) {
    const latent = latentNode(graph, holders, sampler, spec);
    const field = fieldPath(spec, 'size', sizeOf(settings));
    const width = valueHolder(graph, latent, 'width', field);
    const height = valueHolder(graph, latent, 'height', field);
    if (width.node === height.node && width.input === height.input && settings.width !== settings.height) {
      throw new GraphMappingError(
        field,
        width.node,
        `Width and height of ${describeNode(graph, latent)} both come from ${describeNode(graph, width.node)}, so the graph only makes square images; ${sizeOf(settings)} needs them apart.`,
      );
    }
    set(field, width, settings.width);
    set(field, height, settings.height);
  }
  if (written('shift') && settings.shift !== undefined) {
    const field = fieldPath(spec, 'shift', settings.shift);
    set(field, valueHolder(graph, shiftNode(graph, holders), 'shift', field), settings.shift);
  }

  for (const key of Object.keys(spec.models) as (keyof SpecModels)[]) {
    const { classes, input } = MODEL_LOADERS[key];
    const loaders = nodesOfClass(graph, classes);
    if (loaders.length !== 1) {
      throw new GraphMappingError(
        `models.${key}`,
        loaders[0] ?? '',
        loaders.length === 0
          ? `models.${key} has no node to go to: the graph has no ${classes.join(' or ')} node. Remove it from the spec or add the loader to the graph.`
          : `models.${key} is ambiguous: the graph has ${loaders.length} ${classes.join('/')} nodes (${loaders.map((id) => describeNode(graph, id)).join(', ')}); set the file with \`inputs: {"<node id or title>.${input}": …}\` instead.`,
      );
    }
    set(`models.${key}`, valueHolder(graph, loaders[0], input, `models.${key}`), spec.models[key]);
  }

  return {
    graph,
    samplerNode: sampler,
    outputNodes: outputNodes(graph),
    loaderNodes: Object.keys(graph).filter((id) => /Loader/.test(graph[id].class_type)),
    bindings,
  };
}

/** Follows the sampler's (or guider's) positive/negative link back through conditioning nodes to
 * the widget holding the text (the encoder's own, or a primitive linked into it). */
function textNode(graph: ApiGraph, holders: string[], side: 'positive' | 'negative', field: string): ValueHolder {
  const from = holders.find((id) => isLink(graph[id].inputs[side]));
  if (!from) {
    throw new GraphMappingError(field, holders[0], `${describeNode(graph, holders[0])} has no ${side} input to take the ${field} from.`);
  }
  let link = graph[from].inputs[side] as Link;
  for (let hop = 0; hop < 8; hop++) {
    const node: ApiNode | undefined = graph[link[0]];
    if (!node) {
      throw new GraphMappingError(
        field,
        link[0],
        `The ${side} input of ${describeNode(graph, from)} links to node ${link[0]}, which is not in the graph.`,
      );
    }
    const input = ['text', 'prompt'].find((name) => typeof node.inputs[name] === 'string' || isLink(node.inputs[name]));
    if (input) {
      const holder = valueHolder(graph, link[0], input, field);
      if (typeof graph[holder.node].inputs[holder.input] === 'string') {
        return holder;
      }
    }
    const next = Object.entries(node.inputs).find(([name, v]) => /conditioning/i.test(name) && isLink(v));
    if (!next) {
      throw new GraphMappingError(
        field,
        link[0],
        `The sampler's ${side} input comes from ${describeNode(graph, link[0])}, which has no text to write the ${field} into; connect it to a CLIPTextEncode node.`,
      );
    }
    link = next[1] as Link;
  }
  throw new GraphMappingError(field, link[0], `Could not find the ${side} text node within 8 links of the sampler.`);
}

/** Which bindings' fields the spec drives: steps, seeds and the prompt always (every run varies
 * them), mapped inputs and sweep axes, and any field the spec writes. */
export function drivenFields(spec: Spec): DrivenField {
  return (field) =>
    /^(steps|seed|seeds|prompt)(\.|$)/.test(field) ||
    field.startsWith('sweep.') ||
    field.startsWith('inputs.') ||
    field in spec.fieldRanges ||
    (field === 'size' && ('width' in spec.fieldRanges || 'height' in spec.fieldRanges));
}

/** The empty-latent node linked into the sampler's latent_image, which sets the image size. */
function latentNode(graph: ApiGraph, holders: string[], sampler: string, spec: Spec): string {
  const field = fieldPath(spec, 'size');
  const from = holders.find((id) => isLink(graph[id].inputs.latent_image));
  const link = from ? (graph[from].inputs.latent_image as Link) : undefined;
  const node = link ? graph[link[0]] : undefined;
  if (!link || !node) {
    throw new GraphMappingError(
      field,
      sampler,
      `${describeNode(graph, sampler)} has no latent_image link, so there is no node to set the size on.`,
    );
  }
  if (!('width' in node.inputs) || !('height' in node.inputs)) {
    throw new GraphMappingError(
      field,
      link[0],
      `The sampler's latent_image comes from ${describeNode(graph, link[0])}, which has no width/height to set; remove \`size\` from the spec (the graph decides it) or use an Empty Latent Image node.`,
    );
  }
  return link[0];
}

/** The ModelSampling* node with a shift on the model path of the sampler (or of its guider). */
function shiftNode(graph: ApiGraph, holders: string[]): string {
  for (const start of holders) {
    let id = start;
    for (let hop = 0; hop < 12; hop++) {
      const model = graph[id]?.inputs.model;
      if (!isLink(model) || !graph[model[0]]) {
        break;
      }
      id = model[0];
      if (/^ModelSampling/.test(graph[id].class_type) && 'shift' in graph[id].inputs) {
        return id;
      }
    }
  }
  throw new GraphMappingError(
    'shift',
    '',
    `shift has no node to go to: no ModelSamplingAuraFlow (or other ModelSampling node with a shift) feeds the model of ${describeNode(graph, holders[0])}. Remove \`shift\` or add the node.`,
  );
}

/** SaveImage nodes if there are any, else every other saving or previewing node. */
function outputNodes(graph: ApiGraph): string[] {
  const saves = nodesOfClass(graph, ['SaveImage']);
  const outputs = saves.length ? saves : Object.keys(graph).filter((id) => /^(Save|Preview)/.test(graph[id].class_type));
  if (outputs.length === 0) {
    throw new GraphMappingError(
      'workflow',
      '',
      'The graph has no output node (SaveImage or PreviewImage), so a run would have no image; add a SaveImage node.',
    );
  }
  return outputs;
}
