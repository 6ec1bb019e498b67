// The spec's keys, their meaning and their fixed values, read from the published JSON Schema, so that
// completions, hovers and the schema other YAML tools use never disagree. Pure: no vscode.
import schema from '../../schema/qwenprompt.schema.json';

export interface KeyDoc {
  name: string;
  description: string;
  /** True when the value is a nested mapping (models, sweep, inputs). */
  isMapping: boolean;
  /** Fixed or suggested values (enum or examples), as text. */
  values: string[];
  default?: unknown;
}

interface SchemaNode {
  type?: string | string[];
  description?: string;
  properties?: Record<string, SchemaNode>;
  enum?: unknown[];
  examples?: unknown[];
  default?: unknown;
  items?: SchemaNode;
  oneOf?: SchemaNode[];
}

const ROOT = schema as SchemaNode;

/** The schema node of a key path ([] = the spec itself). */
function nodeAt(path: readonly string[]): SchemaNode | undefined {
  let node: SchemaNode | undefined = ROOT;
  for (const key of path) {
    node = node?.properties?.[key];
  }
  return node;
}

function toDoc(name: string, node: SchemaNode): KeyDoc {
  const item = node.items ?? node.oneOf?.find((n) => n.enum || n.examples);
  const values = [...(node.enum ?? item?.enum ?? []), ...(node.examples ?? item?.examples ?? [])].map(String);
  return {
    name,
    description: node.description ?? '',
    isMapping: node.type === 'object',
    values: [...new Set(values)],
    default: node.default,
  };
}

/** Keys allowed in the mapping at `parent` ([] = top level, ['models'], ['sweep']). */
export function keysAt(parent: readonly string[]): KeyDoc[] {
  const props = nodeAt(parent)?.properties ?? {};
  return Object.entries(props).map(([name, node]) => toDoc(name, node));
}

/** The documentation of one key path, e.g. ['models', 'unet']. */
export function keyDoc(path: readonly string[]): KeyDoc | undefined {
  const node = nodeAt(path);
  return node && path.length ? toDoc(path[path.length - 1], node) : undefined;
}
