// The results panel's tab title: the spec's name and what the run is at, so that two tabs of one spec
// (a pinned one beside the live one) can be told apart without opening them. Pure: no vscode.
import type { RunRecord } from '../../shared/runRecord';

const ENDED: Partial<Record<RunRecord['status'], string>> = {
  partial: 'partly done',
  cancelled: 'cancelled',
  failed: 'failed',
};

export interface TitleOptions {
  pinned: boolean;
  /** The current time and the zone to show times in (tests pass both; the host passes neither). */
  now?: Date;
  timeZone?: string;
}

/**
 * 'bamboo portrait · running 3/9' while the run goes on, 'bamboo portrait · 14:02' once it ended (the
 * time it started; another day's run also says the day), ' · cancelled' when it did not complete, and
 * ' · pinned' on a panel the next run leaves alone.
 */
export function panelTitle(record: RunRecord | undefined, opts: TitleOptions): string {
  if (!record) return 'QwenPrompt results';
  const parts = [record.spec.name];
  if (record.status === 'running') {
    const ended = record.cells.filter((c) => c.status !== 'queued' && c.status !== 'running').length;
    parts.push(`running ${ended}/${record.cells.length}`);
  } else {
    parts.push(runTime(record.createdAt, opts.now ?? new Date(), opts.timeZone));
    const word = ENDED[record.status];
    if (word) parts.push(word);
  }
  if (opts.pinned) parts.push('pinned');
  return parts.join(' · ');
}

/** '14:02' for a time today, 'Dec 5 14:02' for another day ('' for a time that does not parse). */
export function runTime(iso: string, now: Date, timeZone?: string): string {
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return '';
  const zone = timeZone ? { timeZone } : {};
  const time = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...zone }).format(at);
  const day = (d: Date) => new Intl.DateTimeFormat('en-US', { year: 'numeric', month: 'short', day: 'numeric', ...zone }).format(d);
  if (day(at) === day(now)) return time;
  const short = new Intl.DateTimeFormat('en-US', { month: 'short', day: 'numeric', ...zone }).format(at);
  return `${short} ${time}`;
}
