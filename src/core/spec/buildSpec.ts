import { parseLayoutChoice } from '../../shared/gridLayout';
import { DEFAULT_TEMPLATE, isTemplateId, TEMPLATE_FACTS as TEMPLATES } from './templateFacts';
import { SPEC_KEYS } from './specKeys';
import type { AxisValue, Spec, SpecModels, SweepAxis } from './types';

const MODEL_KEYS = Object.keys(SPEC_KEYS.models.children ?? {});

/** A spec's plain YAML value, as far as it is an object. */
export type SpecValue = Record<string, unknown>;

/** Fills in a Spec from the YAML value, taking a field only when `valid(path)` (the schema found
 * nothing wrong with it) and the template's default otherwise. Ranges, id and index are set by the
 * caller. */
/** Steps of a spec that names none: the study's 20, 40 and 60. */
export const DEFAULT_STEPS: readonly number[] = [20, 40, 60];

export function buildSpec(
  v: SpecValue,
  valid: (path: string) => boolean,
): Omit<Spec, 'index' | 'id' | 'range' | 'lensLine' | 'fieldRanges' | 'errorCount'> {
  const has = (k: string) => v[k] !== undefined && v[k] !== null && valid(k);
  const str = (k: string) => (has(k) && typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const num = (k: string) => (has(k) && typeof v[k] === 'number' ? (v[k] as number) : undefined);

  const modelName = str('model');
  const workflow = str('workflow');
  const model = modelName && isTemplateId(modelName) ? modelName : workflow ? undefined : DEFAULT_TEMPLATE;
  // A user's graph keeps its own negative unless the spec writes one.
  const d = model ? TEMPLATES[model].defaults : { ...TEMPLATES[DEFAULT_TEMPLATE].defaults, negative: '' };

  const models: SpecModels = {};
  const m = v.models;
  if (m && typeof m === 'object' && !Array.isArray(m)) {
    for (const [k, val] of Object.entries(m as Record<string, unknown>)) {
      if (
        MODEL_KEYS.includes(k) &&
        valid(`models.${k}`) &&
        (typeof val === 'string' || (k === 'loraStrength' && typeof val === 'number'))
      ) {
        (models as Record<string, unknown>)[k] = val;
      }
    }
  }

  const list = <T>(k: string, ok: (x: unknown) => x is T): T[] | undefined => {
    const raw = v[k];
    if (!Array.isArray(raw)) {
      return undefined;
    }
    const items = raw.filter((x, i): x is T => ok(x) && valid(`${k}.${i}`));
    return items.length ? items : undefined;
  };
  const isInt = (x: unknown): x is number => Number.isInteger(x);

  let steps = list('steps', isInt) ?? (num('steps') !== undefined ? [num('steps') as number] : [...DEFAULT_STEPS]);
  steps = steps.filter((s) => s >= 1);
  const seeds = list('seeds', isInt);

  let width = num('width') ?? d.width;
  let height = num('height') ?? d.height;
  const size = str('size')?.match(/^(\d+)x(\d+)$/);
  if (size) {
    width = Number(size[1]);
    height = Number(size[2]);
  }

  const sweep = axesOf(v, 'sweep', valid);
  const pair = axesOf(v, 'pair', valid);
  const reference = referenceOf(v.reference, valid);

  const inputs: Record<string, AxisValue> = {};
  if (v.inputs && typeof v.inputs === 'object' && !Array.isArray(v.inputs)) {
    for (const [k, x] of Object.entries(v.inputs as Record<string, unknown>)) {
      if (isAxisValue(x) && valid(`inputs.${k}`)) {
        inputs[k] = x;
      }
    }
  }

  const layout = has('layout') ? parseLayoutChoice(v.layout) : undefined;
  const repeats = seeds ? seeds.length : (num('repeats') ?? 1);
  return {
    name: str('name')?.trim() ?? '',
    ...(model ? { model } : {}),
    ...(workflow ? { workflow } : {}),
    models,
    prompt: str('prompt')?.trim() ?? '',
    negative: str('negative')?.trim() ?? d.negative,
    seed: num('seed') ?? 0,
    ...(seeds ? { seeds } : {}),
    width,
    height,
    sampler: str('sampler') ?? d.sampler,
    scheduler: str('scheduler') ?? d.scheduler,
    cfg: num('cfg') ?? d.cfg,
    ...(num('shift') !== undefined ? { shift: num('shift') } : {}),
    denoise: num('denoise') ?? d.denoise,
    // No steps named: the product's question, 20 / 40 / 60 (the extension's qwenprompt.defaultSteps may override).
    steps: steps.length ? steps : [...DEFAULT_STEPS],
    repeats,
    sweep,
    ...(layout ? { layout } : {}),
    ...(pair.length ? { pair } : {}),
    ...(reference !== undefined ? { reference } : {}),
    inputs,
  };
}

/** The axes of a `sweep:` or `pair:` mapping: each a list of names or numbers. */
function axesOf(v: SpecValue, key: 'sweep' | 'pair', valid: (path: string) => boolean): SweepAxis[] {
  const raw = v[key];
  const axes: SweepAxis[] = [];
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return axes;
  for (const [name, list] of Object.entries(raw as Record<string, unknown>)) {
    if (!Array.isArray(list)) continue;
    const values = list.filter((x, i): x is AxisValue => isAxisValue(x) && valid(`${key}.${name}.${i}`));
    if (values.length && valid(`${key}.${name}`)) axes.push({ name, values });
  }
  return axes;
}

function referenceOf(raw: unknown, valid: (path: string) => boolean): Spec['reference'] {
  if (!valid('reference')) return undefined;
  if (typeof raw === 'string' && raw.trim()) return raw.trim();
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const out: Record<string, AxisValue> = {};
  for (const [k, x] of Object.entries(raw as Record<string, unknown>)) if (isAxisValue(x)) out[k] = x;
  return Object.keys(out).length ? out : undefined;
}

/** A value a node input can take from a spec: text, a number or a boolean (a PrimitiveBoolean, a switch). */
function isAxisValue(x: unknown): x is AxisValue {
  return typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean';
}
