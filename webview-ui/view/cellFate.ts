import { formatMs } from '../../src/shared/format';
import type { CellCancel, CellRecord, JobTimings } from '../../src/shared/runRecord';
// What the client knows of a cell's fate beyond its status: what a cancel did to its prompt, why it
// ended, and which of its timings the live messages could not give (a drop, lost routing).

const END_REASONS: Record<NonNullable<CellRecord['endReason']>, string> = {
  deletedOnServer: 'deleted on the server by another client',
  cancelledInQueue: 'cancelled before it ran (removed from the queue)',
  serverForgot: 'the server restarted and no longer knew it',
  disconnected: 'the server became unreachable before it reported back',
};

const FATES: Record<CellCancel['fate'], string> = {
  interrupted: 'interrupted while it ran',
  deleted: 'removed from the queue before it ran',
  finished: 'had already finished when the cancel reached the server',
  notFound: 'was no longer on the server',
  unknown: 'unknown: the server could not be asked',
};

const VIA: Record<NonNullable<CellCancel['via']>, string> = {
  jobsCancel: 'POST /api/jobs/{id}/cancel',
  interrupt: 'POST /interrupt {prompt_id}',
  queueDelete: 'POST /queue {delete}',
};

/** The short word a lost or cancelled cell shows in place of its time; undefined: the status's own word. */
export function fateWord(c: CellRecord): string | undefined {
  if (c.endReason === 'deletedOnServer') return 'deleted on the server';
  if (c.endReason === 'disconnected') return 'lost (server unreachable)';
  if (c.status === 'cancelled' || c.status === 'interrupted') {
    if (c.cancel?.fate === 'interrupted') return 'cancelled (interrupted)';
    if (c.cancel?.fate === 'deleted' || c.endReason === 'cancelledInQueue') return 'cancelled (not run)';
  }
  return undefined;
}

/** What the cancel did, in words: 'interrupted while it ran (POST /interrupt {prompt_id})'. */
export function cancelText(cancel: CellCancel): string {
  const via = cancel.via ? ` (${VIA[cancel.via]})` : '';
  const why = cancel.fate === 'unknown' && cancel.error ? `: ${cancel.error}` : '';
  return `${FATES[cancel.fate] ?? cancel.fate}${via}${why}`;
}

/** True when some of the cell's timings are unknown or partial because live messages were missed. */
export function timingsIncomplete(t: JobTimings | undefined): boolean {
  return !!t?.live;
}

/** The sampling time as the lightbox lists it, with what a drop left of it; undefined: nothing to say. */
export function samplingText(t: JobTimings): string | undefined {
  const sampling = t.live ? (t.live.sampling ?? (t.live.heard === 'none' ? 'unknown' : 'partial')) : 'whole';
  if (t.samplingMs === undefined) return sampling === 'whole' ? undefined : 'unknown (its progress messages were not heard)';
  if (sampling === 'partial') return `${formatMs(t.samplingMs)} (partial: only the steps heard; left out of the sampling statistics)`;
  return formatMs(t.samplingMs);
}

/** The facts beyond the status, one line each, for the cell's tooltip and the lightbox. */
export function fateLines(c: CellRecord): [label: string, text: string][] {
  const lines: [string, string][] = [];
  if (c.endReason) lines.push(['Ended', END_REASONS[c.endReason] ?? c.endReason]);
  if (c.cancel) lines.push(['Cancel', cancelText(c.cancel)]);
  const live = c.timings?.live;
  if (live) {
    const heard = live.heard === 'none' ? 'none of its live messages were heard' : 'some of its live messages were missed';
    lines.push(['Live messages', live.reason ? `${heard}: ${live.reason}` : heard]);
    lines.push(['Per-node times', 'unknown (execution time is exact, from the server’s history)']);
    const sampling = samplingText(c.timings!);
    if (sampling) lines.push(['Sampling', sampling]);
  }
  for (const n of c.notes ?? []) lines.push(['Note', n]);
  return lines;
}

/** The cell's tooltip: its label's facts, one per line; undefined when there is nothing to add. */
export function fateTooltip(c: CellRecord): string | undefined {
  const lines = fateLines(c);
  return lines.length ? lines.map(([k, v]) => `${k}: ${v}`).join('\n') : undefined;
}

/** For the summary row of a column: how many of its measured images have per-node times unknown or sampling partial. */
export function incompleteTimingsNote(cells: CellRecord[], column: string): string | undefined {
  const mine = cells.filter((c) => c.column === column && c.status === 'success' && timingsIncomplete(c.timings));
  if (!mine.length) return undefined;
  const partial = mine.filter((c) => c.timings!.live!.sampling === 'partial').length;
  const unknown = mine.filter((c) => c.timings!.samplingMs === undefined).length;
  const parts = [`${mine.length} image${mine.length === 1 ? '' : 's'} with live messages missed: per-node times unknown`];
  if (partial) parts.push(`${partial} with a partial sampling time (its it/s counts, its sampling time does not)`);
  if (unknown) parts.push(`${unknown} without a sampling time`);
  return `${parts.join('; ')}. Execution times are exact (from the server’s history).`;
}
