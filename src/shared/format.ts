// Number formatting shared by the panel, the CLI's tables and the exports: one place, so a figure reads
// the same in the terminal, the grid, the table and the chart. Pure: the webview imports it too.
import type { AxisValue, ColumnStats, ConvergenceSummary, RegionRedo, Stats } from './runRecord';

/** 58300 → '58.3 s'; 950 → '950 ms'; 754000 → '12 min 34 s'. Seconds stay the unit up to 10 minutes
 * so the columns of a study (58 s / 143 s / 258 s) compare at a glance. */
/** Human label of a combination, e.g. '20 steps · cfg 6.5 · euler_ancestral'. */
export function columnLabel(combo: Record<string, AxisValue>): string {
  return Object.entries(combo)
    .map(([k, v]) => {
      if (k === 'steps') return `${v} steps`;
      if (k === 'sampler' || k === 'scheduler' || k === 'size' || k === 'variant') return String(v);
      return `${k} ${v}`;
    })
    .join(' · ');
}

export function formatMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 600_000) return `${(ms / 1000).toFixed(1)} s`;
  const min = Math.floor(ms / 60_000);
  return `${min} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** '58.3 ± 0.4 s': the spread in the mean's unit, so the two compare at a glance. One value has no
 * spread to show. */
export function formatMeanSd(st: Stats | undefined): string {
  if (!st || st.n === 0) return '–';
  if (st.n === 1) return formatMs(st.mean);
  const s = Math.abs(st.mean) / 1000;
  if (s < 1) return `${Math.round(st.mean)} ± ${Math.round(st.sd)} ms`;
  if (s >= 600) return `${formatMs(st.mean)} ± ${formatMs(st.sd)}`;
  return `${(st.mean / 1000).toFixed(1)} ± ${(st.sd / 1000).toFixed(1)} s`;
}

/** Axis ticks: round values without trailing zeros, in seconds once the axis reaches a second. */
export function formatTick(ms: number, axisMaxMs: number): string {
  if (axisMaxMs < 1000) return `${Math.round(ms)} ms`;
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/** VRAM in binary units, as nvidia-smi and PyTorch state it (1 GiB = 1024³ bytes): '23.4 GiB', '812 MiB'. */
export function formatVram(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes)) return '–';
  const mib = bytes / 2 ** 20;
  if (Math.round(mib) >= 1024) return `${(bytes / 2 ** 30).toFixed(1)} GiB`;
  if (mib >= 1) return `${Math.round(mib)} MiB`;
  return `${Math.round(bytes / 1024)} KiB`;
}

/** The peak VRAM figures shown per setting and per image: a label and what the figure is (legend, tooltips). */
export const VRAM_FIGURES = [
  {
    key: 'peakDeviceVramBytes',
    label: 'VRAM (device)',
    what: 'peak memory in use on the GPU while the job ran, as nvidia-smi shows it: the CUDA context, PyTorch’s whole reserved pool and any other process',
  },
  {
    key: 'peakTorchVramBytes',
    label: 'VRAM (PyTorch)',
    what: 'peak memory PyTorch had allocated to tensors (its reserved pool holds more)',
  },
] as const;

/** The VRAM legend under a text table, one line per figure. */
export function vramLegend(): string[] {
  return VRAM_FIGURES.map((f) => `${f.label}: ${f.what}.`);
}

/** What the fresh cost is, under a table that shows it. */
export const FRESH_COST_LEGEND =
  'Fresh cost: what a setting costs run from scratch (models loaded) — its job’s execution time plus the nodes ComfyUI reused from its cache, each at its time in the job that ran it; “ran itself” is the job’s own execution time.';

/** Cached, reused, unpriced and failed runs of a setting, in words (the table's and the panel's notes). */
export function costNotes(s: ColumnStats): string[] {
  const notes: string[] = [];
  if (s.cachedCount) notes.push(`${s.cachedCount} cached`);
  if (s.reusedCount) notes.push(`${s.reusedCount} reused cached nodes`);
  if (s.unpricedCount) notes.push(`${s.unpricedCount} with cached nodes no job here ran (not in the cost)`);
  if (s.failedCount) notes.push(`${s.failedCount} failed`);
  return notes;
}

/** '1.23 it/s'; slow samplers keep two significant digits ('0.34 it/s'). */
export function formatRate(itPerSec: number | undefined): string {
  if (itPerSec === undefined || !Number.isFinite(itPerSec)) return '–';
  return `${itPerSec >= 10 ? itPerSec.toFixed(1) : itPerSec.toFixed(2)} it/s`;
}

/** '1.00×', '2.46×'. */
export function formatCost(relative: number | undefined): string {
  return relative === undefined || !Number.isFinite(relative) ? '–' : `${relative.toFixed(2)}×`;
}

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
 * The study's table: one row per setting with time mean ± σ, it/s, peak VRAM (device and PyTorch; see
 * vramLegend) and relative cost; with
 * convergence scores, each setting's mean SSIM and ΔE against its seeds' top step count.
 */
export function summaryTable(stats: ColumnStats[], imagesPerColumn?: Map<string, number>, convergence?: ConvergenceSummary): string {
  const points = new Map(
    [...(convergence?.groups ?? []).flatMap((g) => g.points), ...(convergence?.reference?.points ?? [])].map((p) => [p.column, p] as const),
  );
  const reusing = stats.some((s) => s.measured);
  const decoding = stats.some((s) => s.decodeMs);
  const rows = stats.map((s) => {
    const time = s.warm ?? s.all;
    const notes = costNotes(s);
    if (s.cold) notes.unshift(`cold ${formatMeanSd(s.cold)}${s.cold.n > 1 ? ` (n=${s.cold.n})` : ''}`);
    return [
      s.column,
      String(time?.n ?? 0),
      formatMeanSd(time),
      ...(reusing ? [s.measured ? formatMeanSd(s.measured) : formatMeanSd(time)] : []),
      time ? formatMs(time.min) : '–',
      time ? formatMs(time.max) : '–',
      s.itPerSec ? s.itPerSec.mean.toFixed(2) : '–',
      ...(decoding ? [formatMeanSd(s.decodeMs)] : []),
      ...VRAM_FIGURES.map((f) => formatVram(s[f.key])),
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
      { header: reusing ? 'fresh cost (mean ± σ)' : 'time (mean ± σ)', align: 'right' },
      ...(reusing ? [{ header: 'ran itself', align: 'right' as const }] : []),
      { header: 'min', align: 'right' },
      { header: 'max', align: 'right' },
      { header: 'it/s', align: 'right' },
      ...(decoding ? [{ header: 'decode', align: 'right' as const }] : []),
      ...VRAM_FIGURES.map((f) => ({ header: f.label, align: 'right' as const })),
      { header: 'cost', align: 'right' },
      ...(convergence
        ? [
            { header: 'SSIM', align: 'right' as const },
            { header: 'ΔE', align: 'right' as const },
          ]
        : []),
      { header: 'images', align: 'right' },
      { header: 'notes' },
    ],
    rows,
  );
}

/** '~4 min', '~35 s', '~1 h 20 min': an estimate, said as one. */
export function formatEstimate(ms: number): string {
  const s = ms / 1000;
  if (s < 60) return `~${Math.max(1, Math.round(s))} s`;
  const min = Math.round(s / 60);
  if (min < 60) return `~${min} min`;
  return `~${Math.floor(min / 60)} h${min % 60 ? ` ${min % 60} min` : ''}`;
}

/** A redo's cost: its fresh cost (the prompt's encoders it took from the cache priced in), else what its job ran. */
export function redoMs(r: Pick<RegionRedo, 'timings'>): number | undefined {
  return r.timings?.fresh?.ms ?? r.timings?.executionMs;
}
