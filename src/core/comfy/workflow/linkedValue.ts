import type { ApiGraph, ApiNode } from '../types';
import { GraphMappingError } from './graphMappingError';
import { describeNode, isLink } from './graphQueries';

/** Where a node input's value is set: the input itself when it is a widget, else the widget at the
 * end of its links (a primitive, the selected branch of a switch, through reroutes). */
export interface ValueHolder {
  node: string;
  input: string;
  /** How the value got there, for messages: "node 3 (KSampler).steps ← node 7 (PrimitiveInt).value". */
  chain: string;
}

const MAX_HOPS = 16;

/** Classes whose output is their one widget's value: ComfyUI's Primitive* nodes and custom packs'
 * constants (INTConstant, "Int", "Seed (rgthree)", …). */
const CONSTANT_CLASS = /primitive|constant|^(easy )?(int|integer|float|boolean|bool|string|number|seed)\b/i;

/** A switch's boolean input and the inputs it selects between, by the names switch nodes use
 * (ComfySwitchNode: switch, on_true, on_false). */
const SELECTORS = ['switch', 'boolean', 'select', 'condition', 'cond'];
const BRANCHES: [onTrue: string, onFalse: string][] = [
  ['on_true', 'on_false'],
  ['true', 'false'],
  ['if_true', 'if_false'],
];

/**
 * Follows `node.input` to the widget that decides its value. Linked widgets (ComfyUI's "convert to
 * input", primitives, switch nodes such as the official Qwen-Image-2512 template's turbo switches)
 * are set where the value comes from; a switch is followed down the branch its boolean selects now.
 * Throws a GraphMappingError on `field` naming the node chain when the value is computed by a node
 * that has no widget to set (a math node, a loader's output, …).
 */
export function valueHolder(graph: ApiGraph, node: string, input: string, field: string): ValueHolder {
  let at = { node, input };
  let chain = `${describeNode(graph, node)}.${input}`;
  for (let hop = 0; hop < MAX_HOPS; hop++) {
    const v = graph[at.node].inputs[at.input];
    if (!isLink(v)) {
      return { ...at, chain };
    }
    const [from] = v;
    const source: ApiNode | undefined = graph[from];
    if (!source) {
      throw new GraphMappingError(field, at.node, `${chain} links to node ${from}, which is not in the graph.`);
    }
    const next = stepInto(graph, from, source, field, chain);
    if (!next) {
      throw new GraphMappingError(
        field,
        from,
        `${chain} ← ${describeNode(graph, from)}: that node computes the value and has no widget qwenprompt can set. Set it with \`inputs:\` on a node that holds it, or make it a widget again in ComfyUI.`,
      );
    }
    chain += ` ← ${describeNode(graph, from)}.${next.input}${next.note ?? ''}`;
    at = { node: from, input: next.input };
  }
  throw new GraphMappingError(field, at.node, `${chain}: more than ${MAX_HOPS} links to follow (a loop?).`);
}

/** Which input of `source` supplies its output, or undefined when none does (a computing node). */
function stepInto(
  graph: ApiGraph,
  id: string,
  source: ApiNode,
  field: string,
  chain: string,
): { input: string; note?: string } | undefined {
  const entries = Object.entries(source.inputs);
  if (/reroute/i.test(source.class_type)) {
    const linked = entries.find(([, v]) => isLink(v));
    return linked ? { input: linked[0] } : undefined;
  }
  const sw = switchOf(source);
  if (sw) {
    const selected = valueHolder(graph, id, sw.selector, field);
    const on = graph[selected.node].inputs[selected.input];
    if (typeof on !== 'boolean') {
      throw new GraphMappingError(
        field,
        id,
        `${chain} comes from the switch ${describeNode(graph, id)}, whose ${sw.selector} is not a true/false value qwenprompt can read (${selected.chain}).`,
      );
    }
    return { input: on ? sw.onTrue : sw.onFalse, note: ` (${sw.selector} ${on ? 'on' : 'off'})` };
  }
  // A primitive or constant: one widget and no links (PrimitiveInt, PrimitiveFloat, INTConstant, …).
  // Its class must say so: a loader also has one widget, and its output is a model, not the widget.
  const widgets = entries.filter(([, v]) => !isLink(v) && v !== null && typeof v !== 'object');
  if (CONSTANT_CLASS.test(source.class_type) && widgets.length === 1 && entries.length === 1) {
    return { input: widgets[0][0] };
  }
  return undefined;
}

function switchOf(node: ApiNode): { selector: string; onTrue: string; onFalse: string } | undefined {
  if (!/switch/i.test(node.class_type)) {
    return undefined;
  }
  const selector = SELECTORS.find((s) => s in node.inputs);
  const branches = BRANCHES.find(([t, f]) => t in node.inputs && f in node.inputs);
  return selector && branches ? { selector, onTrue: branches[0], onFalse: branches[1] } : undefined;
}
