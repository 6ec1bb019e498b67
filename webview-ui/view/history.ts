import { formatMs } from '../../src/shared/format';
import type { RunHistoryEntry } from '../../src/shared/history';
import type { CellRecord, ColumnStats } from '../../src/shared/runRecord';
// Wording of the run history list and of a two-run comparison.

const STATUS: Record<string, string> = {
  running: 'running',
  complete: 'complete',
  partial: 'partly done',
  cancelled: 'cancelled',
  failed: 'failed',
};

/** '26 Nov 2026, 09:00 · complete · 9 images · 9 votes'. */
export function historyLine(e: RunHistoryEntry): string {
  const when = new Date(e.createdAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const parts = [when, STATUS[e.status] ?? e.status, `${e.images} image${e.images === 1 ? '' : 's'}`];
  if (e.votes) parts.push(`${e.votes} vote${e.votes === 1 ? '' : 's'}`);
  return parts.join(' · ');
}

export function historyServer(e: RunHistoryEntry): string {
  return [e.gpu, e.comfyuiVersion && `ComfyUI ${e.comfyuiVersion}`, e.server].filter(Boolean).join(' · ');
}

export interface TimingRow {
  column: string;
  a?: number;
  b?: number;
  /** b relative to a: '+12 %', '−3 %'. */
  change?: string;
}

const timeOf = (s: ColumnStats | undefined) => (s?.warm ?? s?.all)?.mean;

/** Mean time per setting in two runs, settings of either run, in run A's order first. */
export function timingRows(a: readonly ColumnStats[], b: readonly ColumnStats[]): TimingRow[] {
  const columns = [...new Set([...a.map((s) => s.column), ...b.map((s) => s.column)])];
  return columns.map((column) => {
    const ta = timeOf(a.find((s) => s.column === column));
    const tb = timeOf(b.find((s) => s.column === column));
    const row: TimingRow = { column };
    if (ta !== undefined) row.a = ta;
    if (tb !== undefined) row.b = tb;
    if (ta && tb !== undefined) {
      const pct = Math.round(((tb - ta) / ta) * 100);
      row.change = `${pct > 0 ? '+' : pct < 0 ? '−' : '±'}${Math.abs(pct)} %`;
    }
    return row;
  });
}

export const formatTime = (ms: number | undefined) => (ms === undefined ? '–' : formatMs(ms));

export interface CellPair {
  column: string;
  repeat: number;
  a?: CellRecord;
  b?: CellRecord;
}

/** Cells of two runs paired by setting and repeat (the same place in the grid), run A's order first. */
export function pairCells(a: readonly CellRecord[], b: readonly CellRecord[]): CellPair[] {
  const id = (c: CellRecord) => `${c.column}#${c.repeat}`;
  const pairs = new Map<string, CellPair>();
  for (const c of a) pairs.set(id(c), { column: c.column, repeat: c.repeat, a: c });
  for (const c of b) {
    const p = pairs.get(id(c));
    if (p) p.b = c;
    else pairs.set(id(c), { column: c.column, repeat: c.repeat, b: c });
  }
  return [...pairs.values()];
}
