// Statistics never mix GPUs: a pool run's cells are grouped by the GPU kind of the server that made them.
import { gpuKind } from '../../shared/gpuKind';
import { priceCells } from './freshCost';
import { columnStats } from './stats';
import type { CellRecord, GpuStats, RunRecord } from '../../shared/runRecord';

/** The GPU kind a cell was made on ('' when its record names no pool server). */
export function cellGpuKind(record: Pick<RunRecord, 'servers'>, cell: CellRecord): string {
  const server = cell.server !== undefined ? record.servers?.find((s) => s.name === cell.server) : undefined;
  return server ? gpuKind(server) : '';
}

/**
 * `stats`: the columns of the run's first server's GPU kind alone (of the kind that made most images when
 * it made none), so every reader of `stats` compares like with like; `statsByGpu`: every kind apart, set
 * only when the images came from more than one kind.
 */
export function recordStats(record: Pick<RunRecord, 'servers' | 'cells' | 'server'>): Pick<RunRecord, 'stats' | 'statsByGpu'> {
  // Priced once, over the whole run (each server's cache apart): the per-kind passes below see only
  // their own cells, so a cell of none of them (its server gone from the list) would go unpriced.
  priceCells(record.cells);
  const columns = (cells: CellRecord[]) => columnStats(cells, { priced: true });
  if (!record.servers?.length) return { stats: columns(record.cells), statsByGpu: undefined };
  const byKind = new Map<string, CellRecord[]>();
  for (const c of record.cells) {
    const kind = cellGpuKind(record, c);
    if (kind) byKind.set(kind, [...(byKind.get(kind) ?? []), c]);
  }
  const made = [...byKind].filter(([, cells]) => cells.some((c) => c.timings));
  if (made.length <= 1) return { stats: columns(record.cells), statsByGpu: undefined };
  const first = gpuKind(record.server);
  const primary = byKind.has(first) ? first : made.sort((a, b) => b[1].length - a[1].length)[0][0];
  const statsByGpu: GpuStats[] = made.map(([gpu]) => ({
    gpu,
    servers: record.servers!.filter((s) => gpuKind(s) === gpu).map((s) => s.name),
    // Every column of the plan on every kind, so the rows line up; a kind that made none of a column shows it empty.
    stats: columns(record.cells.map((c) => (cellGpuKind(record, c) === gpu ? c : { ...c, status: 'queued', timings: undefined }))),
  }));
  return { stats: statsByGpu.find((g) => g.gpu === primary)!.stats, statsByGpu };
}
