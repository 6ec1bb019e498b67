import { priceCells } from './freshCost';
import { columnsOf } from './plan';
import type { CellRecord, ColumnStats, Stats } from '../../shared/runRecord';

/** n, mean, sample standard deviation (n − 1; 0 for one value), min, max. Undefined for no values. */
export function summarize(values: number[]): Stats | undefined {
  const xs = values.filter((v) => Number.isFinite(v));
  if (!xs.length) return undefined;
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const variance = n > 1 ? xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1) : 0;
  return { n, mean, sd: Math.sqrt(variance), min: Math.min(...xs), max: Math.max(...xs) };
}

/** A cell measured something: some of its nodes ran on the server (not all served from cache) and it finished. */
export function isMeasured(c: CellRecord): boolean {
  return c.status === 'success' && !!c.timings && !c.timings.cached;
}

/** A cell's fresh cost (its execution time where it reused nothing or was not priced). */
export function freshMs(c: CellRecord): number {
  return c.timings!.fresh?.ms ?? c.timings!.executionMs;
}

/**
 * Statistics per column, on each cell's fresh cost (priced here: see priceCells, which sets
 * `timings.fresh` on the cells; `priced` when the caller priced the whole run already). Runs wholly
 * served from cache measured nothing and are left out; cold runs (models loaded) are kept apart from
 * warm ones, since a model load can dwarf the sampling time. The relative cost compares warm means
 * where every column has one, else all measured runs.
 */
export function columnStats(cells: CellRecord[], opts: { priced?: boolean } = {}): ColumnStats[] {
  if (!opts.priced) priceCells(cells);
  const rows: ColumnStats[] = columnsOf(cells).map(({ column, axes }) => {
    const mine = cells.filter((c) => c.column === column);
    const measured = mine.filter(isMeasured);
    const exec = (cs: CellRecord[]) => cs.map(freshMs);
    const row: ColumnStats = {
      column,
      axes,
      cachedCount: mine.filter((c) => c.status === 'cached' || (c.status === 'success' && c.timings?.cached)).length,
      failedCount: mine.filter((c) => ['error', 'failed', 'lost', 'interrupted'].includes(c.status)).length,
    };
    const warm = summarize(exec(measured.filter((c) => !c.timings!.cold)));
    const cold = summarize(exec(measured.filter((c) => c.timings!.cold)));
    const all = summarize(exec(measured));
    const fresh = (c: CellRecord) => c.timings!.fresh;
    const its = summarize(measured.map((c) => fresh(c)?.itPerSec ?? c.timings!.itPerSec ?? NaN));
    // A sampling time that covers only the steps heard before a drop is shorter than the sampling was.
    const sampling = summarize(
      measured.map((c) => (c.timings!.live?.sampling === 'partial' ? NaN : (fresh(c)?.samplingMs ?? c.timings!.samplingMs ?? NaN))),
    );
    const decode = summarize(measured.map((c) => fresh(c)?.decodeMs ?? NaN));
    if (warm) row.warm = warm;
    if (cold) row.cold = cold;
    if (all) row.all = all;
    if (its) row.itPerSec = its;
    if (sampling) row.samplingMs = sampling;
    if (decode) row.decodeMs = decode;
    const reusing = measured.filter((c) => fresh(c)?.reused.length);
    if (reusing.length) {
      // Beside the fresh cost, what the jobs ran themselves: the same basis (warm where there are warm runs).
      const basis = measured.some((c) => !c.timings!.cold) ? measured.filter((c) => !c.timings!.cold) : measured;
      row.measured = summarize(basis.map((c) => c.timings!.executionMs));
      row.reusedCount = reusing.length;
    }
    const unpriced = measured.filter((c) => fresh(c)?.unpriced.length).length;
    if (unpriced) row.unpricedCount = unpriced;
    for (const k of ['peakVramBytes', 'peakDeviceVramBytes', 'peakTorchVramBytes'] as const) {
      const peaks = measured.map((c) => c.timings![k] ?? NaN).filter(Number.isFinite);
      if (peaks.length) row[k] = Math.max(...peaks);
    }
    return row;
  });
  const useWarm = rows.every((r) => r.warm || !r.all);
  const basis = (r: ColumnStats) => (useWarm ? r.warm : r.all)?.mean;
  const cheapest = Math.min(...rows.map(basis).filter((m): m is number => m !== undefined && m > 0));
  if (Number.isFinite(cheapest)) {
    for (const r of rows) {
      const m = basis(r);
      if (m !== undefined) r.relativeCost = m / cheapest;
    }
  }
  return rows;
}
