import type { ApiGraph, ApiNode } from '../types';

/** A link input: [source node id, output index]. */
export type Link = [string, number];

export function isLink(v: unknown): v is Link {
  return Array.isArray(v) && v.length === 2 && typeof v[0] === 'string' && typeof v[1] === 'number';
}

export function titleOf(node: ApiNode): string | undefined {
  return node._meta?.title;
}

/** "node 3 (KSampler 'Main')": how messages name a node. */
export function describeNode(graph: ApiGraph, id: string): string {
  const n = graph[id];
  if (!n) {
    return `node ${id}`;
  }
  const title = titleOf(n);
  return title && title !== n.class_type ? `node ${id} (${n.class_type} '${title}')` : `node ${id} (${n.class_type})`;
}

export function nodesOfClass(graph: ApiGraph, classes: readonly string[]): string[] {
  return Object.keys(graph).filter((id) => classes.includes(graph[id].class_type));
}
