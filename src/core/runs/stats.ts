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

/** A cell measured something: it executed on the server (not served from cache) and finished. */
export function isMeasured(c: CellRecord): boolean {
  return c.status === 'success' && !!c.timings && !c.timings.cached;
}

/**
 * Statistics per column. Cached runs measured nothing and are left out; cold runs (models loaded)
 * are kept apart from warm ones, since a model load can dwarf the sampling time. The relative cost
 * compares warm means where every column has one, else all measured runs.
 */
export function columnStats(cells: CellRecord[]): ColumnStats[] {
  const rows: ColumnStats[] = columnsOf(cells).map(({ column, axes }) => {
    const mine = cells.filter((c) => c.column === column);
    const measured = mine.filter(isMeasured);
    const exec = (cs: CellRecord[]) => cs.map((c) => c.timings!.executionMs);
    const row: ColumnStats = {
      column,
      axes,
      cachedCount: mine.filter((c) => c.status === 'cached' || (c.status === 'success' && c.timings?.cached)).length,
      failedCount: mine.filter((c) => ['error', 'failed', 'lost', 'interrupted'].includes(c.status)).length,
    };
    const warm = summarize(exec(measured.filter((c) => !c.timings!.cold)));
    const cold = summarize(exec(measured.filter((c) => c.timings!.cold)));
    const all = summarize(exec(measured));
    const its = summarize(measured.map((c) => c.timings!.itPerSec ?? NaN));
    // A sampling time that covers only the steps heard before a drop is shorter than the sampling was.
    const sampling = summarize(measured.map((c) => (c.timings!.live?.sampling === 'partial' ? NaN : (c.timings!.samplingMs ?? NaN))));
    if (warm) row.warm = warm;
    if (cold) row.cold = cold;
    if (all) row.all = all;
    if (its) row.itPerSec = its;
    if (sampling) row.samplingMs = sampling;
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
