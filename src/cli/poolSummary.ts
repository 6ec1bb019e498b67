// What the terminal says of a pool run after its table: each server's share and times, and every job moved.
import { gpuKind } from '../shared/gpuKind';
import { cellGpuKind } from '../core/runs/gpuStats';
import { isMeasured } from '../core/runs/stats';
import { summaryTable } from '../shared/format';
import type { RunRecord } from '../shared/runRecord';

/**
 * The study table; for a run made on several GPU kinds, one per kind (headed by it and its servers, its
 * images column counting that kind's images alone), then the servers' lines.
 */
export function summaryTables(record: RunRecord): string {
  const tables = record.statsByGpu?.length
    ? record.statsByGpu.map((g) => `${g.gpu} (${g.servers.join(', ')}):\n${summaryTable(g.stats, imagesPerColumn(record, g.gpu))}`)
    : [summaryTable(record.stats, imagesPerColumn(record), record.convergence)];
  return [...tables, ...poolLines(record)].join('\n');
}

/** Image files per column: of the cells made on GPU kind `gpu`, or of every cell. */
export function imagesPerColumn(record: Pick<RunRecord, 'cells' | 'servers'>, gpu?: string): Map<string, number> {
  const images = new Map<string, number>();
  for (const c of record.cells) {
    if (gpu !== undefined && cellGpuKind(record, c) !== gpu) continue;
    images.set(c.column, (images.get(c.column) ?? 0) + c.images.length);
  }
  return images;
}

/** One line per server (images made, mean execution time, why it made none) and one per moved job; none for a one-server run. */
export function poolLines(record: RunRecord): string[] {
  if (!record.servers?.length) return [];
  const lines = ['Servers:'];
  for (const s of record.servers) {
    const mine = record.cells.filter((c) => c.server === s.name && (c.status === 'success' || c.status === 'cached'));
    const times = mine.filter(isMeasured).map((c) => c.timings!.executionMs);
    const mean = times.length ? ` · mean ${(times.reduce((a, b) => a + b, 0) / times.length / 1000).toFixed(2)} s` : '';
    const what = s.excluded ? `none: it ${s.excluded}` : `${mine.length} image(s)${mean}`;
    lines.push(`  ${s.name} (${gpuKind(s)}, ComfyUI ${s.comfyuiVersion ?? '?'}): ${what}`);
  }
  for (const c of record.cells) {
    for (const m of c.moves ?? [])
      lines.push(`  moved: ${c.column} #${c.repeat + 1} off ${m.from} (${moveText(m.reason)}), made on ${c.server ?? 'none'}`);
  }
  return lines;
}

function moveText(reason: 'serverDown' | 'serverLost' | 'serverStuck'): string {
  return { serverDown: 'it stopped answering', serverLost: 'it forgot the job (restart)', serverStuck: 'it went silent about the job' }[
    reason
  ];
}
