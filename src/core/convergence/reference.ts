/**
 * Quality against one reference: when a run compares variants (or its spec names a `reference:`),
 * every image is scored against the reference setting's image of the same seed, so settings of
 * different variants share one scale: "lightning-8 reaches 0.93 of base-50 at 9 % of the time".
 */
import { columnLabel } from '../../shared/format';
import { tinyDecoderOf } from '../spec/decoders';
export { referenceLines, referenceSentence } from '../../shared/referenceText';
import type { ApiGraph, AxisValue, CellRecord, ColumnStats, ReferencePoint, ReferenceSummary } from '../../shared/runRecord';

/** What `reference:` says: a variant name, or axis values the reference setting has. */
export type ReferenceChoice = string | Record<string, AxisValue>;

/** A cell as planned or recorded; a planned cell without its seed pairs by repeat. */
type PlannedCell = Pick<CellRecord, 'key' | 'axes' | 'column' | 'repeat'> & { seed?: number; graph?: ApiGraph };

const rowOf = (c: PlannedCell) => c.seed ?? `r${c.repeat}`;

/** The spec's reference as recorded in run.json's resolved spec, if it names one. */
export function referenceOfResolved(resolved: unknown): ReferenceChoice | undefined {
  const r = (resolved as { reference?: unknown } | undefined)?.reference;
  if (typeof r === 'string' && r) return r;
  if (r && typeof r === 'object' && !Array.isArray(r)) {
    const out = Object.fromEntries(Object.entries(r).filter(([, v]) => typeof v === 'string' || typeof v === 'number'));
    return Object.keys(out).length ? (out as Record<string, AxisValue>) : undefined;
  }
  return undefined;
}

/** Whether a run is scored against one reference rather than per group of other settings. */
export function usesOneReference(cells: Pick<CellRecord, 'axes'>[], choice: ReferenceChoice | undefined): boolean {
  return choice !== undefined || cells.some((c) => c.axes.variant !== undefined);
}

interface Column {
  column: string;
  axes: Record<string, AxisValue>;
  /** Its graph pulls a lever on the model as shipped (a second stage, a LoRA, a tiny decoder). */
  lever?: boolean;
}

/** Whether a graph samples in two stages, adds a LoRA or decodes with a tiny decoder. */
export function pullsLever(graph: ApiGraph | undefined): boolean {
  return Object.values(graph ?? {}).some(
    (n) =>
      (n.class_type === 'KSamplerAdvanced' && Number(n.inputs.start_at_step) > 0) ||
      /^LoraLoader/.test(n.class_type) ||
      (n.class_type === 'VAELoader' && typeof n.inputs.vae_name === 'string' && !!tinyDecoderOf(n.inputs.vae_name)),
  );
}

function columnsOf(cells: PlannedCell[]): Column[] {
  const seen = new Map<string, Column>();
  for (const c of cells) {
    if (!seen.has(c.column)) seen.set(c.column, { column: c.column, axes: c.axes, ...(c.graph ? { lever: pullsLever(c.graph) } : {}) });
  }
  return [...seen.values()];
}

const stepsOf = (c: Column) => Number(c.axes.steps);

/** Mean measured time of a column (warm runs where there are any), ms. */
export function columnTime(stats: ColumnStats[] | undefined, column: string): number | undefined {
  const s = stats?.find((x) => x.column === column);
  return (s?.warm ?? s?.all)?.mean;
}

/**
 * The reference column. Named: the columns with those axis values (a string names a variant), at
 * their top step count. Default: each variant's top step count, and of those the costliest
 * (measured time when every candidate has one, else the most steps). A candidate that pulls a lever
 * gives way to one at the same step count that does not: 25 + 15 steps is measured against 40 steps
 * of one sampler, whichever took a few ms longer, and the choice is the same live and at the end.
 */
export function referenceColumn(cells: PlannedCell[], choice: ReferenceChoice | undefined, stats?: ColumnStats[]): string | undefined {
  const all = columnsOf(cells);
  const want = typeof choice === 'string' ? { variant: choice } : (choice ?? {});
  const matching = all.filter((c) => Object.entries(want).every(([k, v]) => String(c.axes[k]) === String(v)));
  const groupOf = (c: Column) => (choice === undefined ? String(c.axes.variant ?? '') : '');
  const top = new Map<string, number>();
  for (const c of matching) top.set(groupOf(c), Math.max(top.get(groupOf(c)) ?? -Infinity, stepsOf(c)));
  const tops = matching.filter((c) => stepsOf(c) === top.get(groupOf(c)) || !Number.isFinite(stepsOf(c)));
  const plainAt = new Set(tops.filter((c) => c.lever === false).map(stepsOf));
  const candidates = tops.filter((c) => !(c.lever && plainAt.has(stepsOf(c))));
  if (!candidates.length) return undefined;
  const times = candidates.map((c) => columnTime(stats, c.column));
  const byTime = times.every((t) => t !== undefined);
  let best = 0;
  candidates.forEach((c, i) => {
    const better = byTime ? times[i]! > times[best]! : stepsOf(c) > stepsOf(candidates[best]);
    if (better) best = i;
  });
  return candidates[best].column;
}

/** Each cell's reference cell key: the reference column's cell of the same seed. */
export function oneReferenceKeys(cells: PlannedCell[], choice: ReferenceChoice | undefined, stats?: ColumnStats[]): Map<string, string> {
  const column = referenceColumn(cells, choice, stats);
  const bySeed = new Map<number | string, string>();
  for (const c of cells) if (c.column === column && !bySeed.has(rowOf(c))) bySeed.set(rowOf(c), c.key);
  const refs = new Map<string, string>();
  for (const c of cells) {
    const ref = bySeed.get(rowOf(c));
    if (ref !== undefined) refs.set(c.key, ref);
  }
  return refs;
}

/** A setting's short name: its variant (with its steps when the variant has several), then the other axes. */
export function settingLabel(axes: Record<string, AxisValue>, stepsPerVariant: Map<string, number>): string {
  const { variant, steps, ...rest } = axes;
  if (variant === undefined) return columnLabel(axes);
  const name = (stepsPerVariant.get(String(variant)) ?? 1) > 1 ? `${variant}-${steps}` : String(variant);
  const more = columnLabel(rest);
  return more ? `${name} · ${more}` : name;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Every scored setting against the reference, and the cheapest one that reaches the threshold. */
export function summarizeAgainstReference(cells: CellRecord[], stats: ColumnStats[], threshold: number): ReferenceSummary | undefined {
  const scored = cells.filter((c) => c.convergence);
  const refCell = scored.find((c) => c.convergence!.reference === c.key);
  if (!refCell || scored.length < 2) return undefined;
  const steps = new Map<string, Set<AxisValue>>();
  for (const c of cells) {
    if (c.axes.variant === undefined) continue;
    const v = String(c.axes.variant);
    steps.set(v, (steps.get(v) ?? new Set()).add(c.axes.steps));
  }
  const counts = new Map([...steps].map(([v, s]) => [v, s.size]));
  const refTime = columnTime(stats, refCell.column);
  const points: ReferencePoint[] = columnsOf(scored).map(({ column, axes }) => {
    const mine = scored.filter((c) => c.column === column);
    const ssims = mine.map((c) => c.convergence!.ssim);
    const p: ReferencePoint = {
      column,
      label: settingLabel(axes, counts),
      ...(axes.variant !== undefined ? { variant: String(axes.variant) } : {}),
      steps: Number(axes.steps),
      n: mine.length,
      ssim: mean(ssims),
      ssimMin: Math.min(...ssims),
      deltaE: mean(mine.map((c) => c.convergence!.deltaE)),
    };
    const t = columnTime(stats, column);
    if (t !== undefined) p.timeMs = t;
    if (t !== undefined && refTime) p.timeFraction = t / refTime;
    return p;
  });
  const reference = points.find((p) => p.column === refCell.column)!;
  // A setting that costs as much as the reference saves nothing, whatever its score.
  const reaching = points.filter((p) => p.ssim >= threshold && p.column !== reference.column && !((p.timeFraction ?? 0) >= 1));
  const cheapest = reaching.reduce<ReferencePoint | undefined>(
    (best, p) => (!best || (p.timeMs ?? Infinity) < (best.timeMs ?? Infinity) ? p : best),
    undefined,
  );
  return { column: reference.column, label: reference.label, points, ...(cheapest ? { recommended: cheapest.column } : {}) };
}
