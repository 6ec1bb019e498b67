import type { ApiGraph, GraphBinding } from '../types';

/** Accumulates an API graph and the bindings of the spec fields written into it. */
export class GraphBuilder {
  readonly graph: ApiGraph = {};
  readonly bindings: GraphBinding[] = [];

  add(id: string, classType: string, inputs: Record<string, unknown>, title?: string): string {
    this.graph[id] = { class_type: classType, inputs, ...(title ? { _meta: { title } } : {}) };
    return id;
  }

  /** Writes `value` into `node.input` and records that `field` went there. */
  bind(field: string, node: string, input: string, value: unknown): void {
    this.graph[node].inputs[input] = value;
    this.bindings.push({ field, node, input });
  }
}
