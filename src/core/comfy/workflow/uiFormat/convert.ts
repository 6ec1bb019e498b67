// UI-format workflow → API graph, as the frontend's graphToPrompt does it: every real node of the
// expanded graph (subgraph instances flattened, muted and bypassed nodes left out, notes, reroutes and
// primitives being frontend-only), its widget values named by the class's /object_info inputs, then
// its links resolved to the real nodes they read; links to nodes left out are dropped.
import type { NodeInfo, ObjectInfo } from '../../objectInfo';
import type { ApiGraph } from '../../types';
import { type FlatNode, Flattener } from './flatten';
import { expandGroupNodes } from './groupNodes';
import { MODE_BYPASS, MODE_NEVER, readUiWorkflow, type UiWorkflow } from './uiTypes';
import { widgetLayout, type WidgetSlot } from './widgetLayout';
import { applyTextReplacements, defaultValue, processDynamicPrompt, type ReplacementNode, SAVE_NODES } from './widgetValues';

export interface ConvertOptions {
  /** For `{a|b}` choices in dynamic prompts (the frontend uses Math.random). */
  random?: () => number;
  /** For `%date:…%` in file name prefixes. */
  now?: Date;
}

export interface ConvertedWorkflow {
  graph: ApiGraph;
  /** What the conversion could not do as the frontend would, or did by a fallback. */
  notes: string[];
}

const wrap = (v: unknown) => (Array.isArray(v) ? { __value__: v } : v);

class Converter {
  readonly #flat: Flattener;
  readonly #widgets = new Map<string, Map<string, unknown>>();
  /** Values primitives copy onto the widgets they feed (PrimitiveNode.applyToGraph), by node id. */
  readonly #applied = new Map<string, Map<string, unknown>>();
  readonly notes: string[] = [];

  constructor(
    readonly wf: UiWorkflow,
    readonly info: ObjectInfo,
    readonly opts: ConvertOptions,
  ) {
    this.#flat = new Flattener(wf, (instance, index) => this.#promoted(instance, index));
    this.#applyPrimitives();
  }

  #layout(flat: FlatNode): WidgetSlot[] {
    const schema: NodeInfo | undefined = this.info[flat.node.type];
    return schema ? widgetLayout(schema) : [];
  }

  /** A node's widget values by name, as configure() gives them from `widgets_values`. */
  widgets(flat: FlatNode): Map<string, unknown> {
    let map = this.#widgets.get(flat.id);
    if (map) return map;
    map = new Map();
    const saved = flat.node.widgets_values;
    if (flat.node.type === 'PrimitiveNode') {
      if (Array.isArray(saved)) map.set('value', saved[0]);
    } else if (!this.#flat.isVirtual(flat)) {
      const layout = this.#layout(flat);
      if (Array.isArray(saved)) {
        if (this.info[flat.node.type] && saved.length !== layout.length) {
          this.notes.push(
            `node ${flat.id} (${flat.node.type}) saved ${saved.length} widget values but the server's class has ${layout.length} widgets; the node may have changed since the workflow was saved`,
          );
        }
        layout.forEach((w, i) => map!.set(w.name, saved[i] ?? defaultValue(w.spec)));
      } else {
        for (const w of layout) map.set(w.name, saved && w.name in saved ? saved[w.name] : defaultValue(w.spec));
      }
      for (const [name, value] of this.#applied.get(flat.id) ?? []) map.set(name, value);
      for (const [name, value] of this.#proxied(flat)) map.set(name, value);
    }
    this.#widgets.set(flat.id, map);
    return map;
  }

  /** Values an instance holds for widgets of its inner nodes (`proxyWidgets` entries naming an inner node). */
  #proxied(flat: FlatNode): [string, unknown][] {
    const instance = flat.parent;
    const proxies = instance?.node.properties.proxyWidgets;
    const saved = instance?.node.widgets_values;
    if (!Array.isArray(proxies) || !Array.isArray(saved)) return [];
    const own = String(flat.node.id);
    return proxies.flatMap((p, i) =>
      Array.isArray(p) && String(p[0]) === own && typeof p[1] === 'string' && saved[i] != null
        ? [[p[1], saved[i]] as [string, unknown]]
        : [],
    );
  }

  /** The inner node and widget a subgraph input feeds, when it feeds a widget. */
  #innerWidget(instance: FlatNode, index: number): { node: FlatNode; widget: string } | undefined {
    const def = instance.def!;
    for (const linkId of def.inputs[index]?.linkIds ?? []) {
      const link = def.links.get(linkId);
      const node = link ? this.#flat.nodes.get(`${instance.id}:${link.target_id}`) : undefined;
      const widget = link && node?.node.inputs[link.target_slot]?.widget?.name;
      if (node && widget) return { node, widget };
    }
    return undefined;
  }

  /** The value a subgraph instance gives an unconnected input that feeds a widget inside. */
  #promoted(instance: FlatNode, index: number): unknown {
    const def = instance.def!;
    const name = def.inputs[index].name;
    const applied = this.#applied.get(instance.id);
    if (applied?.has(name)) return applied.get(name);
    const inner = this.#innerWidget(instance, index);
    if (!inner) return undefined;
    const saved = instance.node.widgets_values;
    const proxies = instance.node.properties.proxyWidgets;
    let value: unknown;
    if (Array.isArray(saved) && Array.isArray(proxies)) {
      const i = proxies.findIndex((p) => Array.isArray(p) && String(p[0]) === '-1' && p[1] === name);
      value = i >= 0 ? saved[i] : undefined;
    } else if (Array.isArray(saved)) {
      // One value per promoted input, in definition order; legacy files also hold a slot for each control widget.
      const promotedInputs = def.inputs.map((_, i) => i).filter((i) => this.#innerWidget(instance, i));
      const withControls = saved.length > promotedInputs.length;
      let at = 0;
      for (const i of promotedInputs) {
        if (i === index) break;
        at += 1;
        const w = this.#innerWidget(instance, i)!;
        const layout = this.#layout(w.node);
        const k = layout.findIndex((s) => s.name === w.widget);
        if (withControls && k >= 0 && layout[k + 1] && !layout[k + 1].toPrompt) at += 1;
      }
      value = saved[at];
    }
    return value ?? this.widgets(inner.node).get(inner.widget);
  }

  /** PrimitiveNode.applyToGraph: each primitive's value goes onto every widget it is linked to. */
  #applyPrimitives(): void {
    for (const flat of this.#flat.nodes.values()) {
      if (flat.node.type !== 'PrimitiveNode') continue;
      let value = this.widgets(flat).get('value');
      if (typeof value === 'string' && value && flat.node.properties['Run widget replace on values']) {
        value = applyTextReplacements(value, this.#replacementNodes(), this.opts.now);
      }
      for (const linkId of flat.node.outputs[0]?.links ?? []) {
        const link = flat.graph.links.get(linkId);
        const target = link ? this.#flat.nodes.get([...flat.path, String(link.target_id)].join(':')) : undefined;
        const input = link ? target?.node.inputs[link.target_slot] : undefined;
        const name = target?.def ? input?.name : input?.widget?.name;
        if (!target || !name) {
          this.notes.push(`primitive node ${flat.id} is linked to something that is not a widget input; its value is not applied there`);
          continue;
        }
        if (!this.#applied.has(target.id)) this.#applied.set(target.id, new Map());
        this.#applied.get(target.id)!.set(name, value);
        this.#widgets.delete(target.id);
      }
    }
  }

  #replacementNodes(): ReplacementNode[] {
    return [...this.#flat.nodes.values()]
      .filter((f) => f.path.length === 0)
      .map((f) => ({
        srName: typeof f.node.properties['Node name for S&R'] === 'string' ? (f.node.properties['Node name for S&R'] as string) : undefined,
        title: f.node.title ?? (this.info[f.node.type]?.display_name || f.node.type),
        widgets: this.widgets(f),
      }));
  }

  /** The prompt value of one widget (widget.serializeValue). */
  #serialize(flat: FlatNode, slot: WidgetSlot, value: unknown): unknown {
    if (typeof value !== 'string') return value;
    if (slot.spec?.[0] === 'STRING' && slot.spec[1]?.dynamicPrompts === true) return processDynamicPrompt(value, this.opts.random);
    if (slot.name === 'filename_prefix' && SAVE_NODES.has(flat.node.type)) {
      return applyTextReplacements(value, this.#replacementNodes(), this.opts.now);
    }
    return value;
  }

  convert(): ApiGraph {
    const graph: ApiGraph = {};
    for (const flat of this.#flat.nodes.values()) {
      if (this.#flat.isVirtual(flat) || flat.mode === MODE_NEVER || flat.mode === MODE_BYPASS) continue;
      const schema = this.info[flat.node.type];
      if (!schema) {
        this.notes.push(
          `node ${flat.id}: class ${flat.node.type} is not in the server's /object_info, so its widget values cannot be named`,
        );
      }
      const inputs: Record<string, unknown> = {};
      const values = this.widgets(flat);
      for (const slot of this.#layout(flat)) {
        const value = this.#serialize(flat, slot, values.get(slot.name));
        if (slot.toPrompt && value !== undefined) inputs[slot.name] = wrap(value);
      }
      flat.node.inputs.forEach((input, i) => {
        const r = this.#flat.resolveInput(flat, i);
        if (!r) return;
        if ('value' in r) {
          if (r.value !== undefined) inputs[input.name] = wrap(r.value);
        } else inputs[input.name] = r.link;
      });
      graph[flat.id] = {
        inputs,
        class_type: flat.node.type,
        _meta: { title: flat.node.title ?? (schema?.display_name || flat.node.type) },
      };
    }
    // Inputs linked to nodes that are not sent (muted) are dropped, as the frontend does.
    for (const node of Object.values(graph)) {
      for (const [name, v] of Object.entries(node.inputs)) {
        if (Array.isArray(v) && v.length === 2 && !graph[String(v[0])]) delete node.inputs[name];
      }
    }
    this.notes.unshift(...this.#flat.notes);
    return graph;
  }
}

/** Converts a parsed UI workflow into the API graph the frontend would queue, with notes on what it could not follow. */
export function convertUiWorkflow(data: unknown, info: ObjectInfo, opts: ConvertOptions = {}): ConvertedWorkflow {
  const wf = expandGroupNodes(readUiWorkflow(data), info);
  const converter = new Converter(wf.workflow, info, opts);
  const graph = converter.convert();
  return { graph, notes: [...wf.notes, ...converter.notes] };
}
