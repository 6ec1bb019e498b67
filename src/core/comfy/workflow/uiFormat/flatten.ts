// The frontend's execution DTOs (ExecutableNodeDTO): every node of the workflow with its execution
// id (subgraph instances expanded, inner ids `instance:inner`, nested as `197:12:5`), and the
// resolution of an input link to the real node output it reads (through reroutes, bypassed nodes and
// subgraph inputs/outputs) or to a subgraph instance's widget value.
import {
  MODE_BYPASS,
  MODE_NEVER,
  SUBGRAPH_INPUT_ID,
  type UiGraph,
  type UiNode,
  type UiSlot,
  type UiSubgraph,
  type UiWorkflow,
  UiWorkflowError,
} from './uiTypes';

/** Frontend-only node classes: never sent; a virtual node with an input passes it through. */
export const VIRTUAL_CLASSES = new Set(['Reroute', 'PrimitiveNode', 'Note', 'MarkdownNote']);

export interface FlatNode {
  id: string;
  node: UiNode;
  /** The graph the node lives in and the instance ids leading to it. */
  graph: UiGraph;
  path: string[];
  /** The subgraph instance containing this node, if any. */
  parent?: FlatNode;
  /** The node's mode, or its instance's mute/bypass when the node itself is on. */
  mode: number;
  /** For a subgraph instance: its definition. */
  def?: UiSubgraph;
}

export type Resolved = { link: [string, number] } | { value: unknown };

/** The frontend's LiteGraph.isValidConnection: '*' and '' match anything; comma lists match when any pair does. */
export function validConnection(a: string, b: string): boolean {
  const x = a === '' || a === '*' ? '' : a;
  const y = b === '' || b === '*' ? '' : b;
  if (!x || !y || x === y) return true;
  const p = x.toLowerCase();
  const q = y.toLowerCase();
  if (!p.includes(',') && !q.includes(',')) return p === q;
  return p.split(',').some((s) => q.split(',').some((t) => validConnection(s, t)));
}

const sameId = (a: number | string, b: number | string) => String(a) === String(b);

export class Flattener {
  readonly nodes = new Map<string, FlatNode>();
  readonly notes: string[] = [];

  constructor(
    readonly workflow: UiWorkflow,
    /** A subgraph instance's promoted widget value for one of its inputs, or undefined. */
    private readonly promoted: (instance: FlatNode, inputIndex: number) => unknown,
  ) {
    this.#add(workflow, [], undefined);
  }

  #add(graph: UiGraph, path: string[], parent: FlatNode | undefined, depth = 0): void {
    if (depth > 32) throw new UiWorkflowError('Subgraphs nest more than 32 deep (a subgraph that contains itself?).');
    for (const node of [...graph.nodes].sort((a, b) => a.order - b.order)) {
      const own = node.mode;
      const inherited = parent && own === 0 && (parent.mode === MODE_NEVER || parent.mode === MODE_BYPASS) ? parent.mode : own;
      const flat: FlatNode = { id: [...path, String(node.id)].join(':'), node, graph, path, mode: inherited };
      if (parent) flat.parent = parent;
      const def = this.workflow.subgraphs.get(node.type);
      if (def) {
        flat.def = def;
        this.#add(def, [...path, String(node.id)], flat, depth + 1);
      }
      this.nodes.set(flat.id, flat);
    }
  }

  isVirtual(flat: FlatNode): boolean {
    return !!flat.def || VIRTUAL_CLASSES.has(flat.node.type);
  }

  /** The input slots as the DTO sees them: an instance has its definition's inputs. */
  inputsOf(flat: FlatNode): { name: string; type: string }[] {
    return flat.def ? flat.def.inputs : flat.node.inputs;
  }

  #outputType(flat: FlatNode, slot: number): string {
    return (flat.def ? flat.def.outputs[slot]?.type : flat.node.outputs[slot]?.type) ?? '*';
  }

  /** What input `slot` of a node reads: a real node's output, a widget value, or nothing. */
  resolveInput(flat: FlatNode, slot: number, visited = new Set<string>(), type?: string): Resolved | undefined {
    this.#guard(visited, `${flat.id}[I]${slot}`);
    if (flat.def) return this.#resolveInstanceInput(flat, slot, visited, type);
    const input: UiSlot | undefined = flat.node.inputs[slot];
    if (!input || input.link == null) return undefined;
    return this.#resolveLink(flat, flat.node, input.link, type ?? input.type, visited);
  }

  #resolveLink(flat: FlatNode, target: UiNode, linkId: number, type: string, visited: Set<string>): Resolved | undefined {
    const link = flat.graph.links.get(linkId);
    if (!link) {
      this.notes.push(`node ${flat.id} (${target.type}): link ${linkId} is not in the workflow; the input is left unconnected`);
      return undefined;
    }
    if (flat.parent && sameId(link.origin_id, SUBGRAPH_INPUT_ID)) {
      return this.#resolveInstanceInput(flat.parent, link.origin_slot, visited, type);
    }
    const origin = this.nodes.get([...flat.path, String(link.origin_id)].join(':'));
    if (!origin) {
      this.notes.push(`node ${flat.id} (${target.type}): link ${linkId} comes from node ${link.origin_id}, which is not in the workflow`);
      return undefined;
    }
    return this.resolveOutput(origin, link.origin_slot, type, visited);
  }

  /** An instance's input: the outer link into it, else its widget value, else nothing. */
  #resolveInstanceInput(instance: FlatNode, index: number, visited: Set<string>, type?: string): Resolved | undefined {
    this.#guard(visited, `${instance.id}[SI]${index}`);
    const slot = instance.def!.inputs[index];
    if (!slot) return undefined;
    const outer = instance.node.inputs.find((i) => i.name === slot.name);
    if (outer?.link != null) return this.#resolveLink(instance, instance.node, outer.link, type ?? slot.type, visited);
    const value = this.promoted(instance, index);
    return value === undefined ? undefined : { value };
  }

  /** Where output `slot` of a node really comes from (ExecutableNodeDTO.resolveOutput). */
  resolveOutput(flat: FlatNode, slot: number, type: string, visited: Set<string>): Resolved | undefined {
    this.#guard(visited, `${flat.id}[O]${slot}`);
    if (flat.mode === MODE_BYPASS) {
      const index = this.#bypassIndex(flat, slot, type);
      if (index === -1) {
        this.notes.push(`node ${flat.id} (${flat.node.type}) is bypassed but has no input of type ${type} to pass through`);
        return undefined;
      }
      return this.resolveInput(flat, index, visited);
    }
    if (flat.def) {
      const out = flat.def.outputs[slot];
      const link = out?.linkIds[0] !== undefined ? flat.def.links.get(out.linkIds[0]) : undefined;
      if (!link) return undefined;
      if (sameId(link.origin_id, SUBGRAPH_INPUT_ID)) return this.#resolveInstanceInput(flat, link.origin_slot, visited, type);
      const inner = this.nodes.get(`${flat.id}:${link.origin_id}`);
      return inner ? this.resolveOutput(inner, link.origin_slot, type, visited) : undefined;
    }
    if (this.isVirtual(flat)) {
      return flat.node.inputs[slot] ? this.resolveInput(flat, slot, visited, type) : undefined;
    }
    return { link: [flat.id, slot] };
  }

  /** The input a bypassed node passes to output `slot`: same index if it fits, an exact type, else the first that fits. */
  #bypassIndex(flat: FlatNode, slot: number, type: string): number {
    const inputs = this.inputsOf(flat);
    if (type === '*' || type === '') return inputs.length > slot ? slot : 0;
    const outType = this.#outputType(flat, slot);
    const fits = (t: string) => validConnection(t, outType) && validConnection(t, type);
    if (inputs[slot] && fits(inputs[slot].type)) return slot;
    const exact = inputs.findIndex((i) => i.type === type);
    return exact !== -1 ? exact : inputs.findIndex((i) => fits(i.type));
  }

  #guard(visited: Set<string>, key: string): void {
    if (visited.has(key)) throw new UiWorkflowError(`The workflow's links go round in a circle at ${key.replace(/\[.*$/, '')}.`);
    visited.add(key);
  }
}
