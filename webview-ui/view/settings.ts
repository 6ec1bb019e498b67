import { formatMs, formatRate, formatVram, VRAM_FIGURES } from '../../src/shared/format';
import type { CellRecord } from '../../src/shared/runRecord';
import { fateLines, samplingText } from './cellFate';
// The full settings and measurements of one image, for the lightbox.

export type SettingRow = [label: string, value: string];

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v || undefined;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return undefined;
}

/** Settings of a cell: the resolved spec with the cell's own axes and seed on top. The record keeps
 * the resolved spec as opaque data, so each field is read defensively. */
export function cellSettings(cell: CellRecord, resolved: unknown): SettingRow[] {
  const spec = obj(resolved);
  const axes: Record<string, unknown> = cell.axes;
  const pick = (k: string) => text(axes[k] ?? spec[k]);
  const rows: SettingRow[] = [];
  const add = (label: string, value: string | undefined) => {
    if (value !== undefined) rows.push([label, value]);
  };
  add('Steps', pick('steps'));
  add('Seed', String(cell.seed));
  add('Sampler', pick('sampler'));
  add('Scheduler', pick('scheduler'));
  add('CFG', pick('cfg'));
  const w = text(spec.width);
  const h = text(spec.height);
  add('Size', text(axes.size) ?? (w && h ? `${w}×${h}` : undefined));
  add('Shift', pick('shift'));
  add('Denoise', pick('denoise'));
  add('Model', text(spec.model) ?? text(spec.workflow));
  for (const [k, v] of Object.entries(obj(spec.models))) add(`Model · ${k}`, text(v));
  // Swept node inputs ('KSampler.eta') and anything else not named above.
  const named = new Set(['steps', 'sampler', 'scheduler', 'cfg', 'size', 'shift', 'denoise', 'seed']);
  for (const [k, v] of Object.entries(axes)) if (!named.has(k)) add(k, text(v));
  add('Prompt', text(spec.prompt));
  add('Negative', text(spec.negative));
  return rows;
}

/** What was measured for a cell, in the order a user reads a timing. */
export function cellMeasurements(cell: CellRecord): SettingRow[] {
  const t = cell.timings;
  const rows: SettingRow[] = [];
  if (cell.error) rows.push(['Error', cell.error]);
  // The sampling line goes with the other times below.
  rows.push(...fateLines(cell).filter(([k]) => k !== 'Sampling'));
  if (!t) return rows;
  if (t.cached) rows.push(['Cache', 'served from ComfyUI’s cache: nothing measured, left out of statistics']);
  rows.push(['Execution', formatMs(t.executionMs)]);
  if (t.queueWaitMs !== undefined) rows.push(['Queue wait', formatMs(t.queueWaitMs)]);
  const sampling = samplingText(t);
  if (sampling !== undefined) rows.push(['Sampling', sampling]);
  if (t.itPerSec !== undefined) rows.push(['Rate', formatRate(t.itPerSec)]);
  for (const f of VRAM_FIGURES) if (t[f.key] !== undefined) rows.push([f.label, formatVram(t[f.key])]);
  // Records made before the device figure have ComfyUI's total − free only (the context plus PyTorch's allocations).
  if (t.peakDeviceVramBytes === undefined && t.peakVramBytes !== undefined) rows.push(['VRAM (total − free)', formatVram(t.peakVramBytes)]);
  rows.push(['Models', t.cold ? 'cold (loaded for this image)' : 'warm (already loaded)']);
  if (t.clientWallMs !== undefined) rows.push(['Client wall time', formatMs(t.clientWallMs)]);
  for (const n of t.nodes) rows.push([`· ${n.classType} #${n.node}`, formatMs(n.ms)]);
  return rows;
}
