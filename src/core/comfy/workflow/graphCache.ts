/**
 * What ComfyUI's cache sees of a graph. ComfyUI keys a node's cached output on its class, its literal
 * inputs and, recursively, the keys of the nodes its links come from (the input signature), never on
 * the node id: a node whose key is unchanged from an earlier prompt is not run again.
 */
import type { ApiGraph } from '../types';
import { isLink } from './graphQueries';
import { SAMPLER_CLASSES } from './userGraph';

/** Every node's cache key, `Class(input=value,…)` with links replaced by what they compute. `omit` drops inputs (e.g. an output's file prefix). */
export function nodeSignatures(graph: ApiGraph, omit: readonly string[] = []): Map<string, string> {
  const sigs = new Map<string, string>();
  const sig = (id: string, seen: Set<string>): string => {
    const known = sigs.get(id);
    if (known !== undefined) return known;
    const node = graph[id];
    if (!node || seen.has(id)) return '?';
    seen.add(id);
    const parts = Object.keys(node.inputs ?? {})
      .filter((k) => !omit.includes(k))
      .sort()
      .map((k) => {
        const v = node.inputs[k];
        return `${k}=${isLink(v) ? `${v[1]}:${sig(v[0], seen)}` : JSON.stringify(v)}`;
      });
    seen.delete(id);
    const s = `${node.class_type}(${parts.join(',')})`;
    sigs.set(id, s);
    return s;
  };
  for (const id of Object.keys(graph)) sig(id, new Set());
  return sigs;
}

/** The nodes the outputs need (the outputs and all their ancestors); every node when no output is named. */
export function neededNodes(graph: ApiGraph, outputs?: readonly string[]): string[] {
  const roots = outputs?.filter((id) => graph[id]) ?? [];
  if (!roots.length) return Object.keys(graph);
  const seen = new Set<string>();
  const stack = [...roots];
  while (stack.length) {
    const id = stack.pop()!;
    if (seen.has(id) || !graph[id]) continue;
    seen.add(id);
    for (const v of Object.values(graph[id].inputs ?? {})) if (isLink(v)) stack.push(v[0]);
  }
  return Object.keys(graph).filter((id) => seen.has(id));
}

/** A sampling node: its `progress` messages are denoising steps. */
export function isSamplerClass(classType: string | undefined): boolean {
  return classType !== undefined && SAMPLER_CLASSES.includes(classType);
}

/** A model loader (checkpoint, diffusion model, text encoder, VAE, LoRA): running it is the cold part of a job. */
export function isLoaderClass(classType: string | undefined): boolean {
  return classType !== undefined && /Loader/.test(classType);
}

/** A VAE decode node (tiled or not): the decoder's time. */
export function isDecodeClass(classType: string | undefined): boolean {
  return classType !== undefined && /^VAEDecode/.test(classType);
}
