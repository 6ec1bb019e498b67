// The UI-format workflow as ComfyUI's frontend saves it (Workflow → Save), read into plain shapes:
// nodes with slots and widget values, links (array or object form), legacy group node definitions
// (`extra.groupNodes`) and subgraph definitions (`definitions.subgraphs`).

/** litegraph's node modes: 0 always, 2 never (muted: left out of the prompt), 4 bypass (inputs passed through). */
export const MODE_NEVER = 2;
export const MODE_BYPASS = 4;
/** The ids of a subgraph's own input and output nodes inside its definition. */
export const SUBGRAPH_INPUT_ID = -10;
export const SUBGRAPH_OUTPUT_ID = -20;

export interface UiSlot {
  name: string;
  type: string;
  link?: number | null;
  links?: number[] | null;
  widget?: { name: string };
  label?: string;
}

export interface UiNode {
  id: number | string;
  type: string;
  title?: string;
  mode: number;
  order: number;
  inputs: UiSlot[];
  outputs: UiSlot[];
  widgets_values?: unknown[] | Record<string, unknown>;
  properties: Record<string, unknown>;
}

export interface UiLink {
  id: number;
  origin_id: number | string;
  origin_slot: number;
  target_id: number | string;
  target_slot: number;
  type: string;
}

export interface UiGraph {
  nodes: UiNode[];
  links: Map<number, UiLink>;
}

export interface UiSubgraphSlot {
  name: string;
  type: string;
  linkIds: number[];
  label?: string;
}

export interface UiSubgraph extends UiGraph {
  id: string;
  name: string;
  inputs: UiSubgraphSlot[];
  outputs: UiSubgraphSlot[];
}

export interface UiWorkflow extends UiGraph {
  subgraphs: Map<string, UiSubgraph>;
  /** Legacy group node definitions by name (node type `workflow>name` or `workflow/name`). */
  groupNodes: Record<string, unknown>;
}

export class UiWorkflowError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UiWorkflowError';
  }
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A UI workflow has `nodes` and `links` arrays (an API graph is an object of `{class_type, inputs}`). */
export function isUiWorkflow(data: unknown): boolean {
  return isObject(data) && Array.isArray(data.nodes) && (Array.isArray(data.links) || Array.isArray(data.definitions));
}

function readLinks(raw: unknown, where: string): Map<number, UiLink> {
  const links = new Map<number, UiLink>();
  if (raw === undefined || raw === null) return links;
  if (!Array.isArray(raw)) throw new UiWorkflowError(`${where}: "links" is not a list.`);
  for (const l of raw) {
    // Top-level links are saved as [id, origin_id, origin_slot, target_id, target_slot, type]; subgraph links as objects.
    const link: UiLink | undefined = Array.isArray(l)
      ? {
          id: Number(l[0]),
          origin_id: l[1],
          origin_slot: Number(l[2]),
          target_id: l[3],
          target_slot: Number(l[4]),
          type: String(l[5] ?? '*'),
        }
      : isObject(l)
        ? {
            id: Number(l.id),
            origin_id: l.origin_id as number,
            origin_slot: Number(l.origin_slot),
            target_id: l.target_id as number,
            target_slot: Number(l.target_slot),
            type: String(l.type ?? '*'),
          }
        : undefined;
    if (link && Number.isFinite(link.id)) links.set(link.id, link);
  }
  return links;
}

function readSlots(raw: unknown): UiSlot[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isObject).map((s) => ({
    name: String(s.name ?? ''),
    type: String(s.type ?? '*'),
    link: typeof s.link === 'number' ? s.link : null,
    links: Array.isArray(s.links) ? s.links.filter((x): x is number => typeof x === 'number') : null,
    ...(isObject(s.widget) && typeof s.widget.name === 'string' ? { widget: { name: s.widget.name } } : {}),
    ...(typeof s.label === 'string' ? { label: s.label } : {}),
  }));
}

function readNodes(raw: unknown, where: string): UiNode[] {
  if (!Array.isArray(raw)) throw new UiWorkflowError(`${where}: "nodes" is not a list.`);
  return raw.map((n, i) => {
    if (!isObject(n) || (typeof n.id !== 'number' && typeof n.id !== 'string') || typeof n.type !== 'string') {
      throw new UiWorkflowError(`${where}: node #${i + 1} has no id or type.`);
    }
    return {
      id: n.id,
      type: n.type,
      ...(typeof n.title === 'string' ? { title: n.title } : {}),
      mode: typeof n.mode === 'number' ? n.mode : 0,
      order: typeof n.order === 'number' ? n.order : i,
      inputs: readSlots(n.inputs),
      outputs: readSlots(n.outputs),
      ...(Array.isArray(n.widgets_values) || isObject(n.widgets_values) ? { widgets_values: n.widgets_values as unknown[] } : {}),
      properties: isObject(n.properties) ? n.properties : {},
    };
  });
}

function readSubgraphSlots(raw: unknown): UiSubgraphSlot[] {
  if (!Array.isArray(raw)) return [];
  return raw.filter(isObject).map((s) => ({
    name: String(s.name ?? ''),
    type: String(s.type ?? '*'),
    linkIds: Array.isArray(s.linkIds) ? s.linkIds.filter((x): x is number => typeof x === 'number') : [],
    ...(typeof s.label === 'string' ? { label: s.label } : {}),
  }));
}

/** Reads a parsed UI workflow; throws UiWorkflowError naming what is malformed. */
export function readUiWorkflow(data: unknown): UiWorkflow {
  if (!isObject(data)) throw new UiWorkflowError('The workflow is not a JSON object.');
  const subgraphs = new Map<string, UiSubgraph>();
  const defs = isObject(data.definitions) && Array.isArray(data.definitions.subgraphs) ? data.definitions.subgraphs : [];
  for (const d of defs) {
    if (!isObject(d) || typeof d.id !== 'string') throw new UiWorkflowError('A subgraph definition has no id.');
    const where = `subgraph "${String(d.name ?? d.id)}"`;
    subgraphs.set(d.id, {
      id: d.id,
      name: String(d.name ?? d.id),
      nodes: readNodes(d.nodes ?? [], where),
      links: readLinks(d.links, where),
      inputs: readSubgraphSlots(d.inputs),
      outputs: readSubgraphSlots(d.outputs),
    });
  }
  const extra = isObject(data.extra) ? data.extra : {};
  return {
    nodes: readNodes(data.nodes, 'the workflow'),
    links: readLinks(data.links, 'the workflow'),
    subgraphs,
    groupNodes: isObject(extra.groupNodes) ? extra.groupNodes : {},
  };
}
