import { formatBytes, formatMeanSd, formatMs } from '../../protocol/format';
import type { ColumnStats, ConvergenceSummary } from './types';

// The figures themselves are formatted in one place for the CLI, the panel and the exports.
export { formatBytes, formatMeanSd, formatMs };

export interface TableColumn {
  header: string;
  align?: 'left' | 'right';
}

/** A plain-text table with aligned columns (for terminals and logs). */
export function textTable(columns: TableColumn[], rows: string[][]): string {
  const widths = columns.map((c, i) => Math.max(c.header.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (columns[i].align === 'right' ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * The study's table: one row per setting with time mean ± σ, it/s, peak VRAM and relative cost; with
 * convergence scores, each setting's mean SSIM and ΔE against its seeds' top step count.
 */
export function summaryTable(stats: ColumnStats[], imagesPerColumn?: Map<string, number>, convergence?: ConvergenceSummary): string {
  const points = new Map((convergence?.groups ?? []).flatMap((g) => g.points.map((p) => [p.column, p] as const)));
  const rows = stats.map((s) => {
    const time = s.warm ?? s.all;
    const notes: string[] = [];
    if (s.cold) notes.push(`cold ${formatMeanSd(s.cold)}${s.cold.n > 1 ? ` (n=${s.cold.n})` : ''}`);
    if (s.cachedCount) notes.push(`${s.cachedCount} cached`);
    if (s.failedCount) notes.push(`${s.failedCount} failed`);
    return [
      s.column,
      String(time?.n ?? 0),
      formatMeanSd(time),
      time ? formatMs(time.min) : '–',
      time ? formatMs(time.max) : '–',
      s.itPerSec ? s.itPerSec.mean.toFixed(2) : '–',
      formatBytes(s.peakVramBytes),
      s.relativeCost !== undefined ? `${s.relativeCost.toFixed(2)}×` : '–',
      ...(convergence ? [points.get(s.column)?.ssim.toFixed(3) ?? '–', points.get(s.column)?.deltaE.toFixed(2) ?? '–'] : []),
      String(imagesPerColumn?.get(s.column) ?? ''),
      notes.join(', '),
    ];
  });
  return textTable(
    [
      { header: 'setting' },
      { header: 'n', align: 'right' },
      { header: 'time (mean ± σ)', align: 'right' },
      { header: 'min', align: 'right' },
      { header: 'max', align: 'right' },
      { header: 'it/s', align: 'right' },
      { header: 'peak VRAM', align: 'right' },
      { header: 'cost', align: 'right' },
      ...(convergence ? [{ header: 'SSIM', align: 'right' as const }, { header: 'ΔE', align: 'right' as const }] : []),
      { header: 'images', align: 'right' },
      { header: 'notes' },
    ],
    rows,
  );
}
