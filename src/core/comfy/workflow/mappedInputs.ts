import type { AxisValue } from '../../spec/types';
import type { ApiGraph, GraphBinding } from '../types';
import { didYouMean } from '../../spec/didYouMean';
import { GraphMappingError } from './graphMappingError';
import { describeNode, titleOf } from './graphQueries';
import { valueHolder, type ValueHolder } from './linkedValue';

/** Finds the node and input that `Node.input` names. The node is a node id (`3`, or a subgraph path
 * such as `197:192` as ComfyUI's API export numbers a subgraph's nodes), else an exact title, else a
 * class type, else a title ignoring case. The input name is after the last dot (titles may hold
 * dots). A linked input is followed to the widget that supplies it (a primitive, a switch's
 * selected branch). */
export function resolveNodeInput(graph: ApiGraph, key: string, field: string): ValueHolder {
  const dot = key.lastIndexOf('.');
  const ref = key.slice(0, dot);
  const input = key.slice(dot + 1);
  const ids = Object.keys(graph);
  const matchers = [
    (id: string) => id === ref,
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
      `No node has the id, title or class '${ref}' (for ${key}).${didYouMean(ref, names)} Address a node by its id (as in the API export, e.g. 197:192.value), its title or its class.`,
    );
  }
  if (found.length > 1) {
    throw new GraphMappingError(
      field,
      found[0],
      `${found.length} nodes match '${ref}': ${found.map((id) => `${describeNode(graph, id)} → write \`${id}.${input}\``).join('; ')}. Address the one ${key} is for by its id, or give it a unique title.`,
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
  return valueHolder(graph, node, input, field);
}

/** Whether a binding's spec field is one the spec drives: steps, seeds and the prompt always (a run
 * varies them), any other field only when the spec writes it or sweeps it. */
export type DrivenField = (field: string) => boolean;

/** Records that `field` sets node.input, or throws when something else already drives that input:
 * two settings for one widget would leave one of them silently unused (`inputs: {KSampler.steps: 30}`
 * beside `steps: [20, 40]` ran 30 steps in both columns). A binding of a field the spec does not
 * drive (a template's default) gives way. */
export function claim(bindings: GraphBinding[], next: GraphBinding, driven: DrivenField, describe: string): void {
  const i = bindings.findIndex((b) => b.node === next.node && b.input === next.input);
  if (i >= 0) {
    const earlier = bindings[i];
    if (driven(earlier.field) && driven(next.field) && earlier.field !== next.field) {
      throw new GraphMappingError(
        next.field,
        next.node,
        `${fieldLabel(next.field)} and ${fieldLabel(earlier.field)} both set ${describe}; one of them would be silently unused in every image. Keep one.`,
        [earlier.field],
      );
    }
    bindings.splice(i, 1);
  }
  bindings.push(next);
}

/** Writes `inputs`/sweep values `Node.input` into the graph and records their bindings; a mapped
 * input that a spec field also drives is an error on both. */
export function applyMappedInputs(
  graph: ApiGraph,
  values: Record<string, AxisValue>,
  fieldOf: (key: string, value: AxisValue) => string,
  bindings: GraphBinding[],
  driven: DrivenField,
): void {
  for (const [key, value] of Object.entries(values)) {
    const field = fieldOf(key, value);
    const { node, input, chain } = resolveNodeInput(graph, key, field);
    claim(bindings, { field, node, input }, (f) => f === field || driven(f), chain);
    graph[node].inputs[input] = value;
  }
}

/** How a message names a spec field path: `steps` for 'steps.1', `sweep: KSampler.cfg` for 'sweep.KSampler.cfg.0'. */
export function fieldLabel(field: string): string {
  const m = /^(inputs|sweep)\.(.+?)(\.\d+)?$/.exec(field);
  if (m) {
    return m[1] === 'inputs' ? `\`inputs: ${m[2]}\`` : `\`sweep: ${m[2]}\``;
  }
  return `\`${field.replace(/\.\d+$/, '')}\``;
}
