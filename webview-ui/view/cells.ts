import { formatMs } from '../../src/shared/format';
import { MAX_DECODE_PIXELS } from '../../src/shared/image';
import type { CellRecord, ImageFile, RunRecord } from '../../src/shared/runRecord';
import { fateWord, timingsIncomplete } from './cellFate';
// Per-cell wording: which state a cell is in and what its label says (where it goes: src/shared/gridLayout.ts).

/** The states the panel draws (and the e2e test reads from data-state). */
export type CellViewState = 'queued' | 'running' | 'done' | 'cached' | 'failed' | 'cancelled' | 'lost';

export function cellViewState(c: CellRecord): CellViewState {
  switch (c.status) {
    case 'queued':
    case 'running':
    case 'cached':
    case 'cancelled':
    case 'lost':
    case 'failed':
      return c.status;
    case 'success':
      return c.timings?.cached ? 'cached' : 'done';
    case 'error':
      return 'failed';
    case 'interrupted':
      return 'cancelled';
    default:
      return 'failed';
  }
}

/** What a cell shows in place of its time while it has none. */
const STATE_WORDS: Record<CellViewState, string> = {
  queued: 'queued',
  running: 'running',
  done: '',
  cached: 'cached',
  failed: 'failed',
  cancelled: 'cancelled',
  lost: 'lost (server restarted)',
};

/**
 * The time part of a cell's label: '58.3 s', '58.3 s · cold', '58.3 s · box2' (the pool server that made it), 'cached', 'failed', 'deleted on the server',
 * 'cancelled (interrupted)'. A '*' marks a time whose per-node and sampling parts were not all heard.
 */
export function cellTime(c: CellRecord): string {
  const state = cellViewState(c);
  if (state === 'done' && c.timings)
    return (
      formatMs(c.timings.executionMs) +
      (timingsIncomplete(c.timings) ? '*' : '') +
      (c.timings.cold ? ' · cold' : '') +
      // A pool run: which server made it.
      (c.server ? ` · ${c.server}` : '')
    );
  return fateWord(c) ?? (STATE_WORDS[state] || 'done');
}

/** '20 steps · 58.3 s' — the label that goes with the image everywhere, zoomed or not. */
export function cellLabel(c: CellRecord): string {
  return `${c.column} · ${cellTime(c)}`;
}

/** One line for the header: '3 of 9 done · 1 running · 5 queued'. */
export function runProgressText(record: RunRecord): string {
  const counts = new Map<CellViewState, number>();
  for (const c of record.cells) counts.set(cellViewState(c), (counts.get(cellViewState(c)) ?? 0) + 1);
  const finished = (counts.get('done') ?? 0) + (counts.get('cached') ?? 0);
  const parts = [`${finished} of ${record.cells.length} finished`];
  for (const s of ['running', 'queued', 'cached', 'failed', 'cancelled', 'lost'] as const) {
    const n = counts.get(s);
    if (n) parts.push(`${n} ${s}`);
  }
  return parts.join(' · ');
}

/** Image URL inside the run folder: the folder's webview URI plus each path segment encoded. */
export function imageUrl(base: string, file: string): string {
  const path = file.split('/').map(encodeURIComponent).join('/');
  return `${base.replace(/\/+$/, '')}/${path}`;
}

/**
 * Why the panel does not load an image whole (zoom, compare, rating): its PNG header declares more pixels
 * than the client decodes, and the webview would decode all of them (a 30000² header: 3.4 GiB). The
 * file is still on disk and opens in an editor tab. Undefined when it may be shown.
 */
export function tooLargeToShow(image: Pick<ImageFile, 'width' | 'height'> | undefined): string | undefined {
  const { width, height } = image ?? {};
  if (width === undefined || height === undefined || width * height <= MAX_DECODE_PIXELS) return undefined;
  return `Image too large to show (${width}×${height})`;
}
