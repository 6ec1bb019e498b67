import { parseLayoutChoice } from '../../shared/gridLayout';
import { parseScenarioLayer, type ScenarioLayer } from '../../shared/scenarios';
import { DEFAULT_TEMPLATE, isTemplateId, TEMPLATE_FACTS as TEMPLATES } from './templateFacts';
import { isLoraOff } from './loraOff';
import { SPEC_KEYS } from './specKeys';
import type { AxisValue, LoraChoice, RefineStage, Spec, SpecModels, SweepAxis } from './types';

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
  const scenarios = scenariosOf(v.scenarios, valid);
  const repeats = seeds ? seeds.length : (num('repeats') ?? 1);
  const split = num('split');
  const refine = refineOf(v.refine, valid);
  const decoder = str('decoder');
  const lora = loraOf(v.lora, valid, models);
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
    ...(split !== undefined ? { split } : {}),
    ...(refine ? { refine } : {}),
    ...(decoder && decoder !== 'vae' ? { decoder } : {}),
    ...(lora ? { lora } : {}),
    // No steps named: the product's question, 20 / 40 / 60 (the extension's qwenprompt.defaultSteps may override).
    steps: steps.length ? steps : [...DEFAULT_STEPS],
    repeats,
    sweep,
    ...(layout ? { layout } : {}),
    ...(pair.length ? { pair } : {}),
    ...(reference !== undefined ? { reference } : {}),
    ...(scenarios ? { scenarios } : {}),
    inputs,
  };
}

/** `refine:` as far as the schema accepted it. */
function refineOf(raw: unknown, valid: (path: string) => boolean): RefineStage | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw) || !valid('refine')) return undefined;
  const r = raw as Record<string, unknown>;
  const out: RefineStage = {};
  if (typeof r.sampler === 'string' && valid('refine.sampler')) out.sampler = r.sampler;
  if (typeof r.scheduler === 'string' && valid('refine.scheduler')) out.scheduler = r.scheduler;
  if (typeof r.cfg === 'number' && valid('refine.cfg')) out.cfg = r.cfg;
  return Object.keys(out).length ? out : undefined;
}

/** `lora: file`, `lora: {name, strength}` or `lora: off`; without one, the older `models.lora`. */
function loraOf(raw: unknown, valid: (path: string) => boolean, models: SpecModels): LoraChoice | undefined {
  if (raw === undefined || raw === null || !valid('lora')) {
    return models.lora ? { name: models.lora, strength: models.loraStrength ?? 1 } : undefined;
  }
  const name = typeof raw === 'string' ? raw : raw && typeof raw === 'object' ? (raw as Record<string, unknown>).name : undefined;
  const strength = raw && typeof raw === 'object' ? (raw as Record<string, unknown>).strength : undefined;
  if (typeof name !== 'string' || isLoraOff(name)) return undefined;
  return { name, strength: typeof strength === 'number' ? strength : 1 };
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

/** `scenarios:`, each named entry taken only when the schema found nothing wrong in it. */
function scenariosOf(raw: unknown, valid: (path: string) => boolean): ScenarioLayer | undefined {
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const ok = Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter(([name]) => valid(`scenarios.${name}`)));
  const { layer } = parseScenarioLayer(ok);
  return Object.keys(layer).length ? layer : undefined;
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
