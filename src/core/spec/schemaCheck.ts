import type { ErrorObject, ValidateFunction } from 'ajv';
import { suggestion } from './didYouMean';
import type { SpecFix } from './types';
import { validate as precompiled } from './schemaValidator.generated';

/** A schema problem, placed by field path; `onKey` puts it on the key rather than the value. */
export interface SchemaIssue {
  path: string;
  onKey: boolean;
  message: string;
  code: string;
  fixes?: SpecFix[];
}

/** Compiled at build time (schema/generate-validator.cjs): compiling cost ~80 ms on the first keystroke. */
function validate(): ValidateFunction {
  return precompiled as ValidateFunction;
}

/** Validates one spec's plain value against schema/qwenprompt.schema.json, in words a user reads. */
export function checkSchema(value: unknown): SchemaIssue[] {
  const v = validate();
  if (v(value)) {
    return [];
  }
  const issues: SchemaIssue[] = [];
  const seen = new Set<string>();
  // 'propertyNames' only repeats the per-name error that follows it.
  for (const e of pickBranches(v.errors ?? []).filter((x) => x.keyword !== 'propertyNames')) {
    if (e.keyword === 'additionalProperties' && e.params.additionalProperty === '') {
      continue; // a key YAML could not read; its syntax error says more
    }
    const issue = humanize(e);
    const id = `${issue.path}|${issue.onKey}|${issue.code}`;
    if (!seen.has(id)) {
      seen.add(id);
      issues.push(issue);
    }
  }
  return issues;
}

/** 'steps.1' from '/steps/1' (JSON pointer unescaped). */
function toPath(pointer: string): string {
  return pointer
    .split('/')
    .slice(1)
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

/** For oneOf/anyOf, ajv reports every branch's failure. Keep the branches whose type matched the
 * value (their errors are the real ones); when none did, say which types would do. */
function pickBranches(errors: ErrorObject[]): ErrorObject[] {
  let out = errors;
  for (const alt of errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf')) {
    const prefix = `${alt.schemaPath}/`;
    const branchOf = (e: ErrorObject) => e.schemaPath.slice(prefix.length).split('/')[0];
    const inAlt = out.filter((e) => e.schemaPath.startsWith(prefix));
    const wrongType = new Set(inAlt.filter((e) => e.keyword === 'type' && e.instancePath === alt.instancePath).map(branchOf));
    const kept = inAlt.filter((e) => !wrongType.has(branchOf(e)));
    const types = inAlt
      .filter((e) => e.keyword === 'type' && e.instancePath === alt.instancePath)
      .flatMap((e) => [e.params.type].flat() as string[]);
    const replacement: ErrorObject[] = kept.length > 0 ? kept : [{ ...alt, keyword: 'type', params: { type: types } }];
    out = out.filter((e) => e !== alt && !inAlt.includes(e)).concat(replacement);
  }
  return out;
}

const TYPE_WORDS: Record<string, string> = {
  integer: 'a whole number',
  number: 'a number',
  string: 'text',
  array: 'a list',
  object: 'a mapping (key: value lines)',
  boolean: 'true or false',
};

function typePhrase(types: string[]): string {
  let ts = [...new Set(types)];
  if (ts.includes('number')) {
    ts = ts.filter((t) => t !== 'integer');
  }
  const words = ts.map((t) => TYPE_WORDS[t] ?? t);
  if (ts.length === 2 && ts.includes('array')) {
    // "a whole number or a list of them" reads better than two bare types.
    const scalar = words[ts.indexOf('array') === 0 ? 1 : 0];
    return `${scalar} or a list of them`;
  }
  return words.join(' or ');
}

function describe(data: unknown): string {
  if (data === null || data === undefined) {
    return 'nothing';
  }
  if (Array.isArray(data)) {
    return 'a list';
  }
  if (typeof data === 'object') {
    return 'a mapping';
  }
  if (typeof data === 'string') {
    return data.length > 40 ? `'${data.slice(0, 37)}…'` : `'${data}'`;
  }
  return String(data);
}

/** The field's name without list indexes: 'steps.1' → 'steps'. */
function label(path: string): string {
  return path
    .split('.')
    .filter((s) => !/^\d+$/.test(s))
    .join('.');
}

const COMPARE: Record<string, string> = {
  minimum: '≥',
  maximum: '≤',
  exclusiveMinimum: '>',
  exclusiveMaximum: '<',
};

function humanize(e: ErrorObject): SchemaIssue {
  const path = toPath(e.instancePath);
  const name = label(path);
  const at = (message: string, code: string, onKey = false, p = path, fixes?: SpecFix[]): SchemaIssue => ({
    path: p,
    onKey,
    message,
    code,
    ...(fixes ? { fixes } : {}),
  });
  const isPrompt = path === 'prompt';

  if (e.propertyName !== undefined) {
    return at(
      `'${e.propertyName}' is not a node input: write inputs as NodeTitleOrClass.input, e.g. KSampler.denoise.`,
      'invalid-input-key',
      true,
      `${path}.${e.propertyName}`,
    );
  }
  switch (e.keyword) {
    case 'required':
      if (e.params.missingProperty === 'name') {
        return at('This variant has no name: start it with `- name: <its column header>`.', 'missing-variant-name');
      }
      return at('This spec has no prompt: add `prompt: <what the image should show>`.', 'missing-prompt');
    case 'additionalProperties': {
      const key = String(e.params.additionalProperty);
      const keyPath = path ? `${path}.${key}` : key;
      const known = Object.keys((e.parentSchema as { properties?: object }).properties ?? {});
      if (path === 'sweep' && key === 'steps') {
        return at(
          'steps is not a sweep axis: list step counts in `steps: [20, 40, 60]`; they are always crossed with the sweep.',
          'unknown-key',
          true,
          keyPath,
        );
      }
      const s = suggestion(key, known);
      if (/^variants\.\d+$/.test(path)) {
        return at(
          `Unknown key '${key}' in a variant.${s.text} A variant sets spec fields: ${known.join(', ')}.`,
          'unknown-variant-key',
          true,
          keyPath,
          s.fixes,
        );
      }
      const where = path ? ` in ${path}` : '';
      const axes =
        path === 'sweep' || path === 'pair'
          ? ` ${path === 'pair' ? 'Paired' : 'Sweep'} axes: ${known.join(', ')}, or NodeTitleOrClass.input.`
          : '';
      return at(`Unknown key '${key}'${where}.${s.text}${axes}`, 'unknown-key', true, keyPath, s.fixes);
    }
    case 'type':
      if (isPrompt && (e.data === null || e.data === '')) {
        return at('The prompt is empty: write what the image should show.', 'empty-prompt');
      }
      return at(`${name} must be ${typePhrase([e.params.type].flat() as string[])} (got ${describe(e.data)}).`, 'wrong-type');
    case 'minimum':
    case 'maximum':
    case 'exclusiveMinimum':
    case 'exclusiveMaximum':
      return at(`${name} must be ${COMPARE[e.keyword]} ${e.params.limit} (got ${describe(e.data)}).`, 'out-of-range');
    case 'minLength':
    case 'pattern':
      if (isPrompt) {
        return at('The prompt is empty: write what the image should show.', 'empty-prompt');
      }
      if (name === 'size' || name === 'sweep.size') {
        return at(`${name} must be WIDTHxHEIGHT in pixels, e.g. 1024x1024 (got ${describe(e.data)}).`, 'size-format');
      }
      return at(`${name} must not be empty.`, 'wrong-type');
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map(String);
      const s = suggestion(String(e.data), allowed);
      if (path === 'model') {
        return at(
          `Unknown template ${describe(e.data)}.${s.text} Built-in templates: ${allowed.join(', ')}; or use \`workflow:\` for your own graph.`,
          'unknown-template',
          false,
          path,
          s.fixes,
        );
      }
      return at(`${name} must be one of ${allowed.join(', ')}.${s.text}`, 'out-of-range', false, path, s.fixes);
    }
    case 'minItems':
      if (path === 'variants') return at('variants needs at least one variant, e.g. `- name: base`.', 'empty-variants');
      return at(`${name} needs at least one value.`, 'out-of-range');
    case 'minProperties':
      if (name.startsWith('scenarios')) return at(`${name} needs at least one requirement, e.g. \`minSsim: 0.95\`.`, 'out-of-range');
      return at(`${name} needs at least one axis, e.g. \`cfg: [6.5, 7.0]\`.`, 'out-of-range');
    default:
      return at(`${name || 'spec'} ${e.message ?? 'is not valid'}.`, 'schema');
  }
}
