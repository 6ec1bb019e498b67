import type { AxisValue } from '../../spec/types';
import type { ApiGraph, GraphBinding } from '../types';
import { didYouMean } from '../../spec/didYouMean';
import { GraphMappingError } from './graphMappingError';
import { describeNode, isLink, titleOf } from './graphQueries';

/** Finds the node and input that `NodeTitleOrClass.input` names: by exact title first, then by class
 * type, then by title ignoring case. The input name is after the last dot (titles may hold dots). */
export function resolveNodeInput(graph: ApiGraph, key: string, field: string): { node: string; input: string } {
  const dot = key.lastIndexOf('.');
  const ref = key.slice(0, dot);
  const input = key.slice(dot + 1);
  const ids = Object.keys(graph);
  const matchers = [
    (id: string) => titleOf(graph[id]) === ref,
    (id: string) => graph[id].class_type === ref,
    (id: string) => titleOf(graph[id])?.toLowerCase() === ref.toLowerCase(),
  ];
  let found: string[] = [];
  for (const m of matchers) {
    found = ids.filter(m);
    if (found.length) {
      break;
    }
  }
  if (found.length === 0) {
    const names = ids.flatMap((id) => [titleOf(graph[id]) ?? '', graph[id].class_type]).filter(Boolean);
    throw new GraphMappingError(
      field,
      '',
      `No node is titled or of class '${ref}' (for ${key}).${didYouMean(ref, names)} Set the node's title in ComfyUI (right-click → Title) and export the graph again.`,
    );
  }
  if (found.length > 1) {
    throw new GraphMappingError(
      field,
      found[0],
      `${found.length} nodes match '${ref}' (${found.map((id) => describeNode(graph, id)).join(', ')}): give the one ${key} is for a unique title and export the graph again.`,
    );
  }
  const node = found[0];
  const inputs = graph[node].inputs;
  if (!(input in inputs)) {
    throw new GraphMappingError(
      field,
      node,
      `${describeNode(graph, node)} has no input '${input}'.${didYouMean(input, Object.keys(inputs))} Its inputs: ${Object.keys(inputs).join(', ') || 'none'}.`,
    );
  }
  if (isLink(inputs[input])) {
    throw new GraphMappingError(
      field,
      node,
      `Input '${input}' of ${describeNode(graph, node)} is connected to node ${(inputs[input] as [string, number])[0]}; qwenprompt only sets widget values. Convert it back to a widget in ComfyUI, or set the value on the node it comes from.`,
    );
  }
  return { node, input };
}

/** Writes `inputs`/sweep values `NodeTitleOrClass.input` into the graph and records their bindings.
 * A mapped value overrides what a spec field wrote into the same input, and so does its binding:
 * a server error on that input is about the mapped value. */
export function applyMappedInputs(
  graph: ApiGraph,
  values: Record<string, AxisValue>,
  fieldOf: (key: string, value: AxisValue) => string,
  bindings: GraphBinding[],
): void {
  for (const [key, value] of Object.entries(values)) {
    const field = fieldOf(key, value);
    const { node, input } = resolveNodeInput(graph, key, field);
    graph[node].inputs[input] = value;
    const earlier = bindings.findIndex((b) => b.node === node && b.input === input);
    if (earlier >= 0) {
      bindings.splice(earlier, 1);
    }
    bindings.push({ field, node, input });
  }
}
