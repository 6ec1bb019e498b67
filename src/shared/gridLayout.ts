// Which swept axis goes across (x), down (y) and into separate grids (z), as A1111's X/Y/Z plot
// does, and the cells and headers that follow from it. Shared by the panel's grid and the exported
// PNG so both are laid out alike. Pure: imports nothing outside src/shared.
import { columnLabel } from './format';
import type { AxisValue } from './runRecord';

/** The repeats (seeds) as an axis of their own; a spec axis cannot have this name (steps, cfg, Node.input). */
export const REPEAT_AXIS = 'repeat';

export type Direction = 'x' | 'y' | 'z';
export const DIRECTIONS: readonly Direction[] = ['x', 'y', 'z'];

/** Axis names per direction, outermost first (x: [steps, cfg] = steps groups, cfg inside each). */
export interface LayoutChoice {
  x: string[];
  y: string[];
  z: string[];
}

/** What the layout needs of a cell (a run record cell has all of it). */
export interface LayoutCell {
  key: string;
  axes: Record<string, AxisValue>;
  repeat: number;
  seed: number;
}

/** An axis that changes between cells, with its values in plan order (first appearance). */
export interface LayoutAxis {
  name: string;
  values: AxisValue[];
}

/** One header over `span` columns (or one row-group heading), starting at column/row `start`. */
export interface HeaderSpan {
  text: string;
  /** Every value of the columns under it, in words: the tooltip. */
  title: string;
  start: number;
  span: number;
}

export interface GridRowPlan {
  /** The row's own label: its innermost y value ('' when nothing goes down). */
  label: string;
  /** Every y value of the row, in words. */
  title: string;
  /** Headings of the outer y axes whose value starts at this row, outermost first. */
  groups: string[];
  /** Cell key per column; undefined where the plan has no such cell. */
  keys: (string | undefined)[];
}

/** One grid: one combination of the z axes. */
export interface GridBlock {
  /** The z values in words, e.g. 'euler · karras'; '' when nothing goes into separate grids. */
  title: string;
  /** One header row per x axis, outermost first; equal neighbours merged into one span. */
  columnHeads: HeaderSpan[][];
  /** Every x value of each column, in words (the column's tooltip). */
  columnTitles: string[];
  rows: GridRowPlan[];
}

export interface GridPlan {
  layout: LayoutChoice;
  axes: LayoutAxis[];
  columns: number;
  blocks: GridBlock[];
}

/** Joins the names of axes whose values move together (a pair) into one layout axis: 'steps+cfg'. */
const PAIR_JOIN = '+';

/** The value of a layout axis for a cell: a swept value, the repeat index, or a pair's values as JSON. */
function axisValue(c: LayoutCell, axis: string): AxisValue | undefined {
  if (axis === REPEAT_AXIS) return c.repeat;
  if (!axis.includes(PAIR_JOIN) || Object.hasOwn(c.axes, axis)) return c.axes[axis];
  const parts = axis.split(PAIR_JOIN).map((p) => c.axes[p]);
  return parts.some((v) => v === undefined) ? undefined : JSON.stringify(parts);
}

/** True when every cell that has either axis has both, and each value of one goes with one value of the other. */
function moveTogether(cells: readonly LayoutCell[], a: string, b: string): boolean {
  const ab = new Map<AxisValue, AxisValue>();
  const ba = new Map<AxisValue, AxisValue>();
  for (const c of cells) {
    const x = axisValue(c, a);
    const y = axisValue(c, b);
    if (x === undefined && y === undefined) continue;
    if (x === undefined || y === undefined) return false;
    if ((ab.get(x) ?? y) !== y || (ba.get(y) ?? x) !== x) return false;
    ab.set(x, y);
    ba.set(y, x);
  }
  return true;
}

/**
 * The axes whose value differs between the cells, in plan order, then the repeats. Axes whose values
 * move together (a `pair`, or a field each variant sets once) are one axis, 'steps+cfg', so that they
 * never spread into a diagonal of holes.
 */
export function layoutAxes(cells: readonly LayoutCell[]): LayoutAxis[] {
  const seen = new Map<string, AxisValue[]>();
  for (const c of cells) {
    for (const [name, v] of Object.entries(c.axes)) {
      if (name === REPEAT_AXIS) continue;
      const vals = seen.get(name) ?? seen.set(name, []).get(name)!;
      if (!vals.includes(v)) vals.push(v);
    }
  }
  const single = [...seen].filter(([, v]) => v.length > 1).map(([name]) => name);
  const groups: string[][] = [];
  for (const name of single) {
    const g = groups.find((g) => moveTogether(cells, g[0], name));
    if (g) g.push(name);
    else groups.push([name]);
  }
  const axes = groups.map((g): LayoutAxis => {
    const name = g.join(PAIR_JOIN);
    const values: AxisValue[] = [];
    for (const c of cells) {
      const v = axisValue(c, name);
      if (v !== undefined && !values.includes(v)) values.push(v);
    }
    return { name, values };
  });
  const repeats: number[] = [];
  for (const c of cells) if (!repeats.includes(c.repeat)) repeats.push(c.repeat);
  if (repeats.length > 1) axes.push({ name: REPEAT_AXIS, values: repeats });
  return axes;
}

/**
 * The layout in effect: the chosen directions for the axes that exist (an axis named twice keeps its
 * first place), and every other axis placed as by default: repeats down, the others into the first
 * empty direction of x, y, z, else into z. The default for steps × cfg × sampler × repeats is
 * x steps, y cfg + repeats, z sampler.
 */
export function resolveLayout(axes: readonly LayoutAxis[], choice?: Partial<LayoutChoice>): LayoutChoice {
  const names = new Set(axes.map((a) => a.name));
  // A choice may name one axis of a pair ('steps' for 'steps+cfg').
  const byPart = new Map<string, string>();
  for (const a of axes) for (const p of a.name.split(PAIR_JOIN)) byPart.set(p, a.name);
  const out: LayoutChoice = { x: [], y: [], z: [] };
  const placed = new Set<string>();
  for (const d of DIRECTIONS) {
    for (const chosen of choice?.[d] ?? []) {
      const n = names.has(chosen) ? chosen : byPart.get(chosen);
      if (n && !placed.has(n)) {
        out[d].push(n);
        placed.add(n);
      }
    }
  }
  for (const a of axes) {
    if (placed.has(a.name) || a.name === REPEAT_AXIS) continue;
    (DIRECTIONS.map((d) => out[d]).find((l) => l.length === 0) ?? out.z).push(a.name);
    placed.add(a.name);
  }
  if (names.has(REPEAT_AXIS) && !placed.has(REPEAT_AXIS)) out.y.push(REPEAT_AXIS);
  return out;
}

/** An axis in words: 'steps', 'cfg', 'steps + cfg' for a pair, 'seeds' for the repeats. */
export function axisName(axis: string): string {
  return axis === REPEAT_AXIS ? 'seeds' : axis.split(PAIR_JOIN).join(' + ');
}

/** One axis value in words: '20 steps', 'euler', 'cfg 6.5', 'seed 123456789'. */
export function axisValueLabel(axis: string, value: AxisValue | undefined, seedOf?: (repeat: number) => number | undefined): string {
  // A cell without the axis (a variant that does not set it).
  if (value === undefined) return `${axis} –`;
  if (axis === REPEAT_AXIS) {
    const seed = seedOf?.(Number(value));
    return seed === undefined ? `repeat ${Number(value) + 1}` : `seed ${seed}`;
  }
  if (axis.includes(PAIR_JOIN) && typeof value === 'string' && value.startsWith('[')) {
    const parts = axis.split(PAIR_JOIN);
    const values = JSON.parse(value) as AxisValue[];
    return columnLabel(Object.fromEntries(parts.map((p, i) => [p, values[i]])));
  }
  return columnLabel({ [axis]: value });
}

/** The combinations of `dims` that some cell has, ordered by each axis's plan order, outermost first. */
function combos(cells: readonly LayoutCell[], dims: readonly LayoutAxis[]): AxisValue[][] {
  const byKey = new Map<string, AxisValue[]>();
  for (const c of cells) {
    const t = dims.map((d) => axisValue(c, d.name) as AxisValue);
    byKey.set(JSON.stringify(t), t);
  }
  const rank = (t: AxisValue[]) => t.map((v, i) => dims[i].values.indexOf(v));
  return [...byKey.values()].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i] - rb[i];
    return 0;
  });
}

const sameStart = (a: AxisValue[], b: AxisValue[] | undefined, upTo: number) => !!b && a.slice(0, upTo + 1).every((v, i) => v === b[i]);

/** Lays the cells out: one block per z combination, columns by x, rows by y, in plan order. */
export function planGrid(cells: readonly LayoutCell[], choice?: Partial<LayoutChoice>): GridPlan {
  const axes = layoutAxes(cells);
  const layout = resolveLayout(axes, choice);
  const axis = (n: string) => axes.find((a) => a.name === n)!;
  const [xs, ys, zs] = DIRECTIONS.map((d) => layout[d].map(axis));
  const seeds = new Map<number, Set<number>>();
  for (const c of cells) (seeds.get(c.repeat) ?? seeds.set(c.repeat, new Set()).get(c.repeat)!).add(c.seed);
  const seedOf = (r: number) => (seeds.get(r)?.size === 1 ? [...seeds.get(r)!][0] : undefined);
  const words = (dims: LayoutAxis[], t: AxisValue[]) => t.map((v, i) => axisValueLabel(dims[i].name, v, seedOf));
  // Columns are shared by every block so that one column means one setting in every grid.
  const cols = combos(cells, xs);
  const columnHeads = xs.map((_, level) => {
    const spans: HeaderSpan[] = [];
    cols.forEach((t, i) => {
      const last = spans[spans.length - 1];
      if (last && sameStart(t, cols[i - 1], level)) {
        last.span += 1;
        return;
      }
      const title = words(xs, t)
        .slice(0, level + 1)
        .join(' · ');
      spans.push({ text: axisValueLabel(xs[level].name, t[level], seedOf), title, start: i, span: 1 });
    });
    return spans;
  });
  const columnTitles = cols.map((t) => words(xs, t).join(' · '));
  const blocks = combos(cells, zs).map((zt): GridBlock => {
    const inBlock = cells.filter((c) => zs.every((d, i) => axisValue(c, d.name) === zt[i]));
    const rowTuples = combos(inBlock, ys);
    const keyAt = new Map<string, string>();
    for (const c of inBlock) {
      const y = JSON.stringify(ys.map((d) => axisValue(c, d.name)));
      const x = JSON.stringify(xs.map((d) => axisValue(c, d.name)));
      // Repeated (identical) settings keep the first cell, as the old one-row-per-repeat grid did.
      if (!keyAt.has(`${y}|${x}`)) keyAt.set(`${y}|${x}`, c.key);
    }
    const rows = rowTuples.map((yt, r): GridRowPlan => {
      const w = words(ys, yt);
      const groups: string[] = [];
      for (let level = 0; level < ys.length - 1; level++) {
        if (!sameStart(yt, rowTuples[r - 1], level)) groups.push(w[level]);
      }
      const keys = cols.map((xt): string | undefined => keyAt.get(`${JSON.stringify(yt)}|${JSON.stringify(xt)}`));
      return { label: w[w.length - 1] ?? '', title: w.join(' · '), groups, keys };
    });
    // A grid's title stands alone, away from its neighbours: a bare value ('euler') gets its axis name.
    const title = words(zs, zt).map((w, i) => (w === String(zt[i]) ? `${axisName(zs[i].name)} ${w}` : w));
    return { title: title.join(' · '), columnHeads, columnTitles, rows };
  });
  return { layout, axes, columns: cols.length, blocks };
}

/** A layout choice as a spec or a webview state holds it: each direction one axis name or a list. */
export function parseLayoutChoice(v: unknown): Partial<LayoutChoice> | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const out: Partial<LayoutChoice> = {};
  for (const d of DIRECTIONS) {
    const raw = (v as Record<string, unknown>)[d];
    if (raw === undefined) continue;
    const list = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw : undefined;
    if (!list || !list.every((n): n is string => typeof n === 'string' && n.length > 0 && n.length <= 200)) return undefined;
    out[d] = list.slice(0, 16);
  }
  return out;
}
