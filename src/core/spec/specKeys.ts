import schema from '../../../schema/qwenprompt.schema.json';

/** What completions and hovers say about a key; taken from the shipped JSON schema so the two never disagree. */
export interface SpecKeyInfo {
  description: string;
  /** 'string', 'number', 'integer', 'list', 'mapping', or 'integer | list'. */
  type: string;
  default?: unknown;
  /** Allowed or suggested values (templates, samplers, schedulers, sizes). */
  values?: readonly string[];
  /** Keys of a nested mapping (models, sweep). */
  children?: Readonly<Record<string, SpecKeyInfo>>;
}

interface SchemaNode {
  $ref?: string;
  items?: SchemaNode;
  description?: string;
  type?: string | string[];
  default?: unknown;
  enum?: unknown[];
  examples?: unknown[];
  oneOf?: SchemaNode[];
  properties?: Record<string, SchemaNode>;
}

function typeName(s: SchemaNode): string {
  if (s.oneOf) {
    return s.oneOf.map(typeName).join(' | ');
  }
  const t = [s.type ?? 'any'].flat();
  return t.map((x) => (x === 'array' ? 'list' : x === 'object' ? 'mapping' : x)).join(' | ');
}

const ROOT = schema as unknown as SchemaNode;

/** The node a local `$ref` ('#/properties/cfg') points at: a variant's keys are the spec's own. */
function resolve(s: SchemaNode): SchemaNode {
  if (!s.$ref?.startsWith('#/')) return s;
  let node: unknown = ROOT;
  for (const part of s.$ref.slice(2).split('/')) node = (node as Record<string, unknown> | undefined)?.[part];
  return (node as SchemaNode | undefined) ?? s;
}

function info(node: SchemaNode): SpecKeyInfo {
  const s = resolve(node);
  // A list of mappings (variants) completes the keys of its items; a value that may be a mapping (a
  // scenario: its needs, or false) completes the mapping's keys.
  const props = s.properties ?? s.items?.properties ?? s.oneOf?.find((o) => o.properties)?.properties;
  const values = (s.enum ?? s.examples)?.map(String);
  return {
    description: s.description ?? '',
    type: typeName(s),
    ...(s.default !== undefined ? { default: s.default } : {}),
    ...(values ? { values } : {}),
    ...(props ? { children: keysOf(props) } : {}),
  };
}

function keysOf(props: Record<string, SchemaNode>): Record<string, SpecKeyInfo> {
  return Object.fromEntries(Object.entries(props).map(([k, s]) => [k, info(s)]));
}

/** Every top-level key of a spec, in the schema's order. */
export const SPEC_KEYS: Readonly<Record<string, SpecKeyInfo>> = keysOf(
  (schema as unknown as { properties: Record<string, SchemaNode> }).properties,
);
