import { columnLabel } from '../../shared/format';
import type { AxisValue, JobSettings, Spec, SpecSettings, SpecVariant } from '../spec/types';
import type { Cell } from './types';
import { isLoraOff } from '../spec/loraOff';

export interface PlanOptions {
  /** Only these step counts; default: every value of spec.steps (a paired spec: its rows at these steps). */
  steps?: number[];
  /** Cross with the spec's sweep axes and pair (a variant is always crossed with its own). */
  includeSweep?: boolean;
  /** Overrides spec.repeats (ignored when the spec lists explicit seeds). */
  repeats?: number;
  /** Only these variants, by name; default: all of them. Ignored by a spec without variants. */
  variants?: string[];
}

/** Spec fields a sweep axis may set directly; any other axis name is a mapped node input. */
const FIELD_AXES = new Set([
  'cfg',
  'sampler',
  'scheduler',
  'size',
  'shift',
  'denoise',
  'seed',
  'split',
  'refine.sampler',
  'refine.scheduler',
  'refine.cfg',
  'decoder',
  'lora',
  'loraStrength',
]);

type Combo = Record<string, AxisValue>;

/** What one spec (or one variant) expands to before the seeds. */
interface Part {
  spec: SpecSettings;
  variant?: string;
  combos: Combo[];
  seeds: number[];
}

/**
 * Expands a spec into its jobs: steps (or the rows of its pair) × sweep axes × repeats, for each
 * variant when it has variants. Repeat k uses seed + k (or seeds[k]) so every job re-executes and no
 * comparison rests on one seed. Jobs are ordered repeat-major (all settings of repeat 0, then
 * repeat 1, …) so slow drift on the GPU spreads over every column.
 */
export function planCells(spec: Spec, opts: PlanOptions = {}): Cell[] {
  const parts: Part[] = spec.variants?.length
    ? chosenVariants(spec, opts.variants).map((v) => part(v.spec, opts, true, v.name))
    : [part(spec, opts, !!opts.includeSweep)];
  const cells: Cell[] = [];
  const rows = Math.max(0, ...parts.map((p) => p.seeds.length));
  for (let repeat = 0; repeat < rows; repeat++) {
    for (const p of parts) {
      const seed = p.seeds[repeat];
      if (seed === undefined) continue;
      for (const combo of p.combos) {
        const axes = p.variant !== undefined ? { variant: p.variant, ...combo } : combo;
        cells.push({
          key: `${axisKey(axes)}#r${repeat}`,
          axes,
          column: columnLabel(axes),
          repeat,
          settings: settingsFor(p.spec, combo, seed),
          ...(p.variant !== undefined ? { variant: p.variant } : {}),
        });
      }
    }
  }
  return cells;
}

/** The variants `names` asks for, in the spec's order; an unknown name is an error that lists the known. */
export function chosenVariants(spec: Spec, names: string[] | undefined): SpecVariant[] {
  const all = spec.variants ?? [];
  if (!names?.length) return all;
  const unknown = names.filter((n) => !all.some((v) => v.name === n));
  if (unknown.length) {
    const known = all.length ? `its variants: ${all.map((v) => v.name).join(', ')}` : 'it has no variants';
    throw new Error(`"${spec.name}" has no variant ${unknown.map((n) => `'${n}'`).join(', ')} (${known}).`);
  }
  return all.filter((v) => names.includes(v.name));
}

/** The spec a cell runs: its variant's, or the spec itself. */
export function specOfCell(spec: Spec, cell: { variant?: string }): Spec {
  const v = cell.variant !== undefined ? spec.variants?.find((x) => x.name === cell.variant) : undefined;
  return v ? { ...spec, ...v.spec } : spec;
}

function part(spec: SpecSettings, opts: PlanOptions, crossed: boolean, variant?: string): Part {
  const pair = spec.pair ?? [];
  const pairRows: Combo[] = pair.length
    ? pair[0].values.map((_, i) => Object.fromEntries(pair.map((a) => [a.name, a.values[i] ?? a.values[a.values.length - 1]])))
    : [];
  const groups: Combo[][] = [];
  if (pair.some((a) => a.name === 'steps')) {
    // The pair holds the step counts: a steps filter picks its rows.
    groups.push(opts.steps?.length ? pairRows.filter((r) => opts.steps!.includes(Number(r.steps))) : pairRows);
  } else {
    const steps = opts.steps?.length ? opts.steps : spec.steps;
    groups.push(steps.map((s) => ({ steps: s })));
    if (crossed && pairRows.length) groups.push(pairRows);
  }
  if (crossed) {
    for (const axis of spec.sweep) {
      if (axis.name !== 'steps' && axis.values.length) groups.push(axis.values.map((v) => ({ [axis.name]: v })));
    }
  }
  const seeds = spec.seeds?.length
    ? spec.seeds
    : Array.from({ length: Math.max(1, opts.repeats ?? spec.repeats) }, (_, k) => spec.seed + k);
  return { spec, variant, combos: cartesian(groups), seeds };
}

function cartesian(groups: Combo[][]): Combo[] {
  let out: Combo[] = [{}];
  for (const group of groups) {
    const next: Combo[] = [];
    for (const partial of out) {
      for (const g of group) next.push({ ...partial, ...g });
    }
    out = next;
  }
  return out;
}

function settingsFor(spec: SpecSettings, combo: Record<string, AxisValue>, seed: number): JobSettings {
  const s: JobSettings = {
    prompt: spec.prompt,
    negative: spec.negative,
    seed,
    steps: Number(combo.steps),
    cfg: spec.cfg,
    sampler: spec.sampler,
    scheduler: spec.scheduler,
    width: spec.width,
    height: spec.height,
    denoise: spec.denoise,
    inputs: { ...spec.inputs },
  };
  if (spec.shift !== undefined) s.shift = spec.shift;
  if (spec.split !== undefined) s.split = spec.split;
  if (spec.refine) s.refine = { ...spec.refine };
  if (spec.decoder !== undefined) s.decoder = spec.decoder;
  if (spec.lora) s.lora = { ...spec.lora };
  for (const [name, value] of Object.entries(combo)) {
    if (name === 'steps') continue;
    if (!FIELD_AXES.has(name)) {
      s.inputs[name] = value;
      continue;
    }
    switch (name) {
      case 'cfg':
        s.cfg = Number(value);
        break;
      case 'shift':
        s.shift = Number(value);
        break;
      case 'denoise':
        s.denoise = Number(value);
        break;
      case 'sampler':
        s.sampler = String(value);
        break;
      case 'scheduler':
        s.scheduler = String(value);
        break;
      case 'seed':
        s.seed = Number(value) + (seed - spec.seed);
        break;
      case 'split':
        s.split = Number(value);
        break;
      // Stage 2's own value; stage 1 and the graph's cache key of stage 1 stay as they are.
      case 'refine.sampler':
        s.refine = { ...s.refine, sampler: String(value) };
        break;
      case 'refine.scheduler':
        s.refine = { ...s.refine, scheduler: String(value) };
        break;
      case 'refine.cfg':
        s.refine = { ...s.refine, cfg: Number(value) };
        break;
      case 'decoder':
        if (String(value) === 'vae') delete s.decoder;
        else s.decoder = String(value);
        break;
      case 'lora':
        if (isLoraOff(String(value))) delete s.lora;
        else s.lora = { name: String(value), strength: s.lora?.strength ?? 1 };
        break;
      case 'loraStrength':
        // Applied after the loop, whichever of lora and loraStrength comes first.
        break;
      case 'size': {
        const m = /^(\d+)\s*[x×]\s*(\d+)$/i.exec(String(value));
        if (m) {
          s.width = Number(m[1]);
          s.height = Number(m[2]);
        }
        break;
      }
    }
  }
  if (combo.loraStrength !== undefined && s.lora) s.lora = { ...s.lora, strength: Number(combo.loraStrength) };
  return s;
}

/** Machine key of a combination, e.g. 'steps=20,cfg=6.5'. */
export function axisKey(combo: Record<string, AxisValue>): string {
  return Object.entries(combo)
    .map(([k, v]) => `${k}=${v}`)
    .join(',');
}

/** Columns in plan order, each once. */
export function columnsOf(cells: { column: string; axes: Record<string, AxisValue> }[]) {
  const seen = new Map<string, Record<string, AxisValue>>();
  for (const c of cells) if (!seen.has(c.column)) seen.set(c.column, c.axes);
  return [...seen.entries()].map(([column, axes]) => ({ column, axes }));
}
