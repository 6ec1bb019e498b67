// One image of a run written back as a spec of its own: the run's resolved spec with the image's
// variant, axis values and seed fixed, steps a single number and one repeat. "Copy settings as spec"
// puts it on the clipboard and "Re-run this image" runs it. Pure: no vscode.
import { stringify } from 'yaml';
import type { CellRecord, RunRecord } from '../../shared/runRecord';

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : {});
const nonEmpty = (o: Obj): Obj | undefined => (Object.keys(o).length ? o : undefined);

/** Axes that set a spec field of the same name (see plan.ts); 'size', 'lora' and 'loraStrength' are spelled apart. */
const FIELD_AXES = new Set(['cfg', 'sampler', 'scheduler', 'shift', 'denoise', 'split', 'decoder']);
/** Stage 2's own settings, swept as 'refine.sampler' etc. */
const REFINE_AXES = new Set(['refine.sampler', 'refine.scheduler', 'refine.cfg']);

/** The spec value of one cell (undefined when the record has no such cell). */
export function cellSpecValue(record: RunRecord, key: string): Obj | undefined {
  const cell = record.cells.find((c) => c.key === key);
  if (!cell) return undefined;
  const resolved = obj(record.spec.resolved);
  // A variant runs the spec with its own fields laid over it (plan.ts: specOfCell).
  const variant = Array.isArray(resolved.variants)
    ? resolved.variants.map(obj).find((v) => v.name === cell.variant && cell.variant !== undefined)
    : undefined;
  const base: Obj = { ...resolved, ...obj(variant?.spec) };
  const steps = Array.isArray(base.steps) ? base.steps[0] : base.steps;
  const lora = base.lora === undefined ? undefined : { ...obj(base.lora) };
  const out: Obj = {
    name: `${record.spec.name} · ${cell.column} · seed ${cell.seed}`,
    model: base.model,
    workflow: base.workflow,
    models: nonEmpty({ ...obj(base.models) }),
    prompt: base.prompt,
    negative: base.negative || undefined,
    seed: cell.seed,
    size: base.width && base.height ? `${String(base.width)}x${String(base.height)}` : undefined,
    sampler: base.sampler,
    scheduler: base.scheduler,
    cfg: base.cfg,
    shift: base.shift,
    denoise: base.denoise,
    split: base.split,
    refine: nonEmpty(obj(base.refine)),
    decoder: base.decoder,
    lora,
    steps,
    repeats: 1,
  };
  const inputs: Obj = { ...obj(base.inputs) };
  for (const [axis, value] of Object.entries(cellAxes(cell))) {
    if (axis === 'steps') out.steps = value;
    else if (axis === 'size') out.size = value;
    else if (axis === 'lora') out.lora = value === 'off' ? undefined : { ...obj(out.lora), name: value };
    else if (axis === 'loraStrength') out.lora = { ...obj(out.lora), strength: value };
    else if (FIELD_AXES.has(axis)) out[axis] = value;
    else if (REFINE_AXES.has(axis)) out.refine = { ...obj(out.refine), [axis.slice('refine.'.length)]: value };
    else inputs[axis] = value;
  }
  out.inputs = nonEmpty(inputs);
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined && v !== null));
}

/** The cell's axis values but the ones its seed and variant already say. */
function cellAxes(cell: CellRecord): Obj {
  const { seed: _seed, variant: _variant, ...rest } = cell.axes;
  return rest;
}

/** The spec of one cell as YAML text, with a comment naming the run it came from. */
export function cellSpecYaml(record: RunRecord, key: string): string | undefined {
  const value = cellSpecValue(record, key);
  if (!value) return undefined;
  return `# One image of the run of ${record.createdAt}: its settings, seed and steps.\n${stringify(value, { lineWidth: 0 })}`;
}
