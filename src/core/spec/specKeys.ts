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

function info(s: SchemaNode): SpecKeyInfo {
  const values = (s.enum ?? s.examples)?.map(String);
  return {
    description: s.description ?? '',
    type: typeName(s),
    ...(s.default !== undefined ? { default: s.default } : {}),
    ...(values ? { values } : {}),
    ...(s.properties ? { children: keysOf(s.properties) } : {}),
  };
}

function keysOf(props: Record<string, SchemaNode>): Record<string, SpecKeyInfo> {
  return Object.fromEntries(Object.entries(props).map(([k, s]) => [k, info(s)]));
}

/** Every top-level key of a spec, in the schema's order. */
export const SPEC_KEYS: Readonly<Record<string, SpecKeyInfo>> = keysOf(
  (schema as unknown as { properties: Record<string, SchemaNode> }).properties,
);
