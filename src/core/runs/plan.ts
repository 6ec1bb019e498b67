import { columnLabel } from '../../shared/format';
import type { AxisValue, JobSettings, Spec } from '../spec/types';
import type { Cell } from './types';
import { isLoraOff } from '../spec/loraOff';

export interface PlanOptions {
  /** Only these step counts; default: every value of spec.steps. */
  steps?: number[];
  /** Cross with the spec's sweep axes. */
  includeSweep?: boolean;
  /** Overrides spec.repeats (ignored when the spec lists explicit seeds). */
  repeats?: number;
}

/** Spec fields a sweep axis may set directly; any other axis name is a mapped node input. */
const FIELD_AXES = new Set(['cfg', 'sampler', 'scheduler', 'size', 'shift', 'denoise', 'seed', 'split', 'decoder', 'lora', 'loraStrength']);

/**
 * Expands a spec into its jobs: steps × sweep axes × repeats. Repeat k uses seed + k (or seeds[k]) so
 * every job re-executes and no comparison rests on one seed. Jobs are ordered repeat-major
 * (all settings of repeat 0, then repeat 1, …) so slow drift on the GPU spreads over every column.
 */
export function planCells(spec: Spec, opts: PlanOptions = {}): Cell[] {
  const steps = opts.steps?.length ? opts.steps : spec.steps;
  const axes: { name: string; values: AxisValue[] }[] = [{ name: 'steps', values: steps }];
  if (opts.includeSweep) {
    for (const axis of spec.sweep) {
      if (axis.name !== 'steps' && axis.values.length) axes.push(axis);
    }
  }
  const seeds = spec.seeds?.length
    ? spec.seeds
    : Array.from({ length: Math.max(1, opts.repeats ?? spec.repeats) }, (_, k) => spec.seed + k);

  const combos = cartesian(axes);
  const cells: Cell[] = [];
  seeds.forEach((seed, repeat) => {
    for (const combo of combos) {
      const settings = settingsFor(spec, combo, seed);
      cells.push({
        key: `${axisKey(combo)}#r${repeat}`,
        axes: combo,
        column: columnLabel(combo),
        repeat,
        settings,
      });
    }
  });
  return cells;
}

function cartesian(axes: { name: string; values: AxisValue[] }[]): Record<string, AxisValue>[] {
  let out: Record<string, AxisValue>[] = [{}];
  for (const axis of axes) {
    const next: Record<string, AxisValue>[] = [];
    for (const partial of out) {
      for (const v of axis.values) next.push({ ...partial, [axis.name]: v });
    }
    out = next;
  }
  return out;
}

function settingsFor(spec: Spec, combo: Record<string, AxisValue>, seed: number): JobSettings {
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
