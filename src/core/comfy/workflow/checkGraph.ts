import { comboValues, inputRange, inputSpec, inputType, type ObjectInfo } from '../objectInfo';
import type { ApiGraph } from '../types';
import { isLink } from './graphQueries';

/** ComfyUI's rule for a link's types: equal, a V3 match type (COMFY_MATCHTYPE_V3) or '*' on either
 * side, or comma-separated unions that share a type. */
export function linkTypesMatch(out: string, wanted: string): boolean {
  if (out === wanted || isWildcard(out) || isWildcard(wanted)) return true;
  const theirs = new Set(out.split(',').map((t) => t.trim()));
  return wanted.split(',').some((t) => theirs.has(t.trim()));
}

export interface GraphProblem {
  node: string;
  input?: string;
  /** 'missing-node-type' | 'required-input-missing' | 'bad-link' | 'return-type-mismatch' | 'value-not-in-list' | 'out-of-range' */
  kind: string;
  message: string;
}

/** Checks a graph against a server's /object_info the way ComfyUI validates a prompt (classes,
 * required inputs, links and their types, combo values, number bounds), before sending it. */
export function checkGraph(graph: ApiGraph, info: ObjectInfo): GraphProblem[] {
  const problems: GraphProblem[] = [];
  for (const [id, node] of Object.entries(graph)) {
    const schema = info[node.class_type];
    if (!schema) {
      problems.push({
        node: id,
        kind: 'missing-node-type',
        message: `node ${id}: class ${node.class_type} is not installed on the server`,
      });
      continue;
    }
    for (const name of Object.keys(schema.input.required ?? {})) {
      if (!(name in node.inputs)) {
        problems.push({
          node: id,
          input: name,
          kind: 'required-input-missing',
          message: `node ${id} (${node.class_type}): required input ${name} is missing`,
        });
      }
    }
    for (const [name, value] of Object.entries(node.inputs)) {
      const spec = inputSpec(info, node.class_type, name);
      if (!spec) {
        continue; // ComfyUI ignores inputs a class does not declare.
      }
      const type = inputType(spec);
      const at = { node: id, input: name };
      if (isLink(value)) {
        const source = graph[value[0]];
        const outType = source ? info[source.class_type]?.output?.[value[1]] : undefined;
        if (!source || (info[source.class_type] && outType === undefined)) {
          problems.push({ ...at, kind: 'bad-link', message: `node ${id}.${name} links to ${value[0]}:${value[1]}, which does not exist` });
        } else if (outType !== undefined && !linkTypesMatch(outType, type)) {
          problems.push({
            ...at,
            kind: 'return-type-mismatch',
            message: `node ${id}.${name} expects ${type} but ${value[0]}:${value[1]} gives ${outType}`,
          });
        }
        continue;
      }
      const allowed = comboValues(info, node.class_type, name);
      if (allowed && !allowed.includes(String(value))) {
        problems.push({
          ...at,
          kind: 'value-not-in-list',
          message: `node ${id}.${name}: '${String(value)}' is not one of the server's ${allowed.length} values`,
        });
      }
      const range = inputRange(info, node.class_type, name);
      if (typeof value === 'number' && range) {
        if ((range.min !== undefined && value < range.min) || (range.max !== undefined && value > range.max)) {
          problems.push({ ...at, kind: 'out-of-range', message: `node ${id}.${name}: ${value} is outside ${range.min}…${range.max}` });
        }
      }
    }
  }
  return problems;
}

/** '*' and match types (ComfySwitchNode's COMFY_MATCHTYPE_V3: the type of whatever is linked in)
 * accept and give any type, as ComfyUI's validation lets them. */
function isWildcard(type: string): boolean {
  return type === '*' || type.startsWith('COMFY_MATCHTYPE');
}
