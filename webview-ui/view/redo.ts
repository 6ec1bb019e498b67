// What the panel says about a redone region: its steps and time beside the full run's.
import { formatMs, redoMs } from '../../src/shared/format';
import type { RegionRedo } from '../../src/shared/runRecord';

/** 'Region redone at 8 steps · 3.1 s · the full run took 58.3 s (5 %)'. */
export function redoTimeText(r: RegionRedo): string {
  const ms = redoMs(r);
  const head = `Region redone at ${r.steps} steps · ${ms === undefined ? 'time unknown' : formatMs(ms)}`;
  if (r.fullMs === undefined) return head;
  const share = ms !== undefined && r.fullMs > 0 ? ` (${Math.max(1, Math.round((ms / r.fullMs) * 100))} %)` : '';
  return `${head} · the full run took ${formatMs(r.fullMs)}${share}`;
}
