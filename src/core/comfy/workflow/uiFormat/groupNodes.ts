// Legacy group nodes (`extra.groupNodes[name]`, instances typed `workflow>name` or `workflow/name`),
// expanded as the frontend runs them: inner node i of instance g gets the id `g:i`; the group's inputs
// are its inner nodes' unlinked sockets (node order), then their unlinked converted widgets; its
// widgets are the inner nodes' other widgets in node order; its outputs are the inner outputs used
// outside the group or not linked inside. Each definition becomes a subgraph definition with numbered
// slots, so subgraph flattening does the rest.
import type { ObjectInfo } from '../../objectInfo';
import {
  SUBGRAPH_INPUT_ID,
  SUBGRAPH_OUTPUT_ID,
  type UiLink,
  type UiNode,
  type UiSlot,
  type UiSubgraph,
  type UiSubgraphSlot,
  type UiWorkflow,
} from './uiTypes';
import { isWidgetInput } from './widgetLayout';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const GROUP_TYPE = /^workflow[>/](.+)$/;

interface GroupData {
  nodes: UiNode[];
  /** [origin index, origin slot, target index, target slot, …] */
  links: unknown[][];
  /** [node index, output slot, type]: outputs linked outside the group when it was made. */
  external: unknown[][];
  config: Record<string, { input?: Record<string, { visible?: boolean }>; output?: Record<string, { visible?: boolean }> }>;
}

function readGroup(raw: unknown): GroupData | undefined {
  if (!isObject(raw) || !Array.isArray(raw.nodes)) return undefined;
  const nodes = raw.nodes.filter(isObject).map((n, i) => ({
    id: i,
    type: String(n.type ?? ''),
    ...(typeof n.title === 'string' ? { title: n.title } : {}),
    mode: typeof n.mode === 'number' ? n.mode : 0,
    order: i,
    inputs: (Array.isArray(n.inputs) ? n.inputs : []).filter(isObject).map((s) => ({
      name: String(s.name),
      type: String(s.type ?? '*'),
      link: null,
      ...(isObject(s.widget) ? { widget: { name: String(s.widget.name) } } : {}),
    })) as UiSlot[],
    outputs: (Array.isArray(n.outputs) ? n.outputs : [])
      .filter(isObject)
      .map((s) => ({ name: String(s.name), type: String(s.type ?? '*'), links: [] })) as UiSlot[],
    ...(Array.isArray(n.widgets_values) ? { widgets_values: n.widgets_values } : {}),
    properties: isObject(n.properties) ? n.properties : {},
  }));
  const arrays = (v: unknown) => (Array.isArray(v) ? v.filter(Array.isArray) : []);
  return {
    nodes,
    links: arrays(raw.links),
    external: arrays(raw.external),
    config: isObject(raw.config) ? (raw.config as GroupData['config']) : {},
  };
}

/** Builds the subgraph definition standing for one group node type. */
function definitionOf(id: string, name: string, g: GroupData, info: ObjectInfo, notes: string[]): UiSubgraph {
  const links = new Map<number, UiLink>();
  let nextLink = 1;
  const link = (origin: number, originSlot: number, target: number, targetSlot: number, type: string) => {
    const l: UiLink = { id: nextLink++, origin_id: origin, origin_slot: originSlot, target_id: target, target_slot: targetSlot, type };
    links.set(l.id, l);
    return l.id;
  };
  const internal = new Set<string>();
  for (const [from, fromSlot, to, toSlot] of g.links) {
    if (from == null || to == null) continue;
    const target = g.nodes[Number(to)];
    const input = target?.inputs[Number(toSlot)];
    if (!input) continue;
    input.link = link(Number(from), Number(fromSlot), Number(to), Number(toSlot), input.type);
    g.nodes[Number(from)]?.outputs[Number(fromSlot)]?.links?.push(input.link);
    internal.add(`${to}:${toSlot}`);
  }
  const sockets: UiSubgraphSlot[] = [];
  const converted: UiSubgraphSlot[] = [];
  const widgets: UiSubgraphSlot[] = [];
  const outputs: UiSubgraphSlot[] = [];
  for (const node of g.nodes) {
    const i = Number(node.id);
    const def = info[node.type];
    if (!def) {
      notes.push(`group node ${name}: inner node ${i} (${node.type}) is not expanded (a primitive, reroute or unknown class)`);
      continue;
    }
    const hidden = (kind: 'input' | 'output', key: string) => g.config[String(i)]?.[kind]?.[key]?.visible === false;
    node.inputs.forEach((input, slot) => {
      if (internal.has(`${i}:${slot}`) || hidden('input', input.name)) return;
      (input.widget ? converted : sockets).push({
        name: '',
        type: input.type,
        linkIds: [link(SUBGRAPH_INPUT_ID, -1, i, slot, input.type)],
      });
    });
    const specs = { ...def.input?.required, ...def.input?.optional };
    for (const [inputName, spec] of Object.entries(specs)) {
      if (!isWidgetInput(spec) || node.inputs.some((s) => s.widget?.name === inputName) || hidden('input', inputName)) continue;
      // The inner node gets a widget input slot for the group widget to feed.
      node.inputs.push({ name: inputName, type: String(spec[0]), link: null, widget: { name: inputName } });
      const slot = node.inputs.length - 1;
      widgets.push({
        name: `widget ${widgets.length}`,
        type: String(spec[0]),
        linkIds: [link(SUBGRAPH_INPUT_ID, -1, i, slot, String(spec[0]))],
      });
    }
    node.outputs.forEach((output, slot) => {
      const external = g.external.some(([n, s]) => Number(n) === i && Number(s) === slot);
      if ((!external && output.links?.length) || hidden('output', String(slot))) return;
      outputs.push({ name: output.name, type: output.type, linkIds: [link(i, slot, SUBGRAPH_OUTPUT_ID, outputs.length, output.type)] });
    });
  }
  // Instance slots are named by position (sockets, then converted widgets); the group's widget values
  // are the plain widgets, then the converted ones, which is the order the inputs are listed in here.
  const slots = [...sockets, ...converted].map((s, k) => ({ ...s, name: `#${k}` }));
  const inputs = [...slots.slice(0, sockets.length), ...widgets, ...slots.slice(sockets.length)];
  inputs.forEach((s, k) => {
    const l = links.get(s.linkIds[0])!;
    l.origin_slot = k;
    g.nodes[Number(l.target_id)].inputs[l.target_slot].link = l.id;
  });
  return { id, name, nodes: g.nodes, links, inputs, outputs };
}

/** Replaces group node instances with subgraph instances of generated definitions. */
export function expandGroupNodes(workflow: UiWorkflow, info: ObjectInfo): { workflow: UiWorkflow; notes: string[] } {
  const notes: string[] = [];
  const types = new Map<string, string>();
  for (const node of workflow.nodes) {
    const name = GROUP_TYPE.exec(node.type)?.[1];
    if (!name || types.has(node.type)) continue;
    const data = readGroup(workflow.groupNodes[name]);
    if (!data) {
      notes.push(`node ${node.id} is the group node "${name}", whose definition is not in the workflow's extra.groupNodes`);
      continue;
    }
    const id = `group node ${name}`;
    workflow.subgraphs.set(id, definitionOf(id, name, data, info, notes));
    types.set(node.type, id);
  }
  for (const node of workflow.nodes) {
    const id = types.get(node.type);
    if (!id) continue;
    node.type = id;
    // The group's input slots are positional: name them as the definition does.
    node.inputs = node.inputs.map((s, k) => ({ ...s, name: `#${k}` }));
  }
  return { workflow, notes };
}
