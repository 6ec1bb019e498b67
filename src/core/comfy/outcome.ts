/**
 * A job's outcome from what the client knows of it: the messages the JobTracker kept, the /history entry,
 * and what the lifecycle adds (a deletion, a gap in the live messages). Bounded against a server that
 * names more images than one job can make.
 */
import type { EndReason, HistoryEntry, ImageRef, JobOutcome, JobStatus, LiveCoverage, TimedMessage, WsMessage } from './types';

/** What an outcome is made from: the part of the JobTracker's state of one prompt (its JobState) read here. */
export interface OutcomeSource {
  promptId: string;
  messages: TimedMessage[];
  terminal?: TimedMessage;
  executedImages: ImageRef[];
  droppedImages: number;
}

export const TERMINAL_TYPES = ['execution_success', 'execution_error', 'execution_interrupted'] as const;
export type TerminalType = (typeof TERMINAL_TYPES)[number];

export function isTerminalType(t: string): t is TerminalType {
  return (TERMINAL_TYPES as readonly string[]).includes(t);
}

/**
 * Output images taken from one job. A qwenprompt cell makes one image (batch 1); a hand-written workflow
 * with a batch and a few save nodes makes dozens. 256 keeps a hostile or broken server's 100,000 names
 * from turning into 100,000 downloads, files and record entries; the outcome notes what was left out.
 */
export const MAX_JOB_IMAGES = 256;

export function countItems(v: unknown): number {
  return Array.isArray(v) ? v.length : 0;
}

/** Valid image refs from server data (the first `limit`); anything malformed is dropped. */
export function imageRefs(v: unknown, limit = Infinity): ImageRef[] {
  if (!Array.isArray(v)) return [];
  const out: ImageRef[] = [];
  for (const item of v) {
    if (out.length >= limit) break;
    if (!item || typeof item !== 'object') continue;
    const r = item as Record<string, unknown>;
    if (typeof r.filename !== 'string' || r.filename === '') continue;
    out.push({
      filename: r.filename,
      subfolder: typeof r.subfolder === 'string' ? r.subfolder : '',
      type: typeof r.type === 'string' ? r.type : 'output',
    });
  }
  return out;
}

/** Saved images (type 'output') of a run, at most MAX_JOB_IMAGES: from history, else from the `executed` messages. */
export function outcomeImages(history: HistoryEntry | undefined, executed: ImageRef[]): ImageRef[] {
  return boundedImages(history, executed).images;
}

/** outcomeImages, and how many more images the server named than were taken. */
function boundedImages(history: HistoryEntry | undefined, executed: ImageRef[]): { images: ImageRef[]; dropped: number } {
  const fromHistory: ImageRef[] = [];
  let named = 0;
  for (const o of Object.values(history?.outputs ?? {})) {
    const list = o && typeof o === 'object' ? o.images : undefined;
    named += countItems(list);
    fromHistory.push(...imageRefs(list, Math.max(0, MAX_JOB_IMAGES + 1 - fromHistory.length)));
  }
  const useHistory = fromHistory.some((r) => r.type === 'output');
  const source = useHistory ? fromHistory : executed;
  const seen = new Set<string>();
  const images = source.filter((r) => {
    const key = `${r.type}\u0000${r.subfolder}\u0000${r.filename}`;
    if (r.type !== 'output' || seen.has(key) || seen.size >= MAX_JOB_IMAGES) return false;
    seen.add(key);
    return true;
  });
  return { images, dropped: useHistory ? Math.max(0, named - MAX_JOB_IMAGES) : 0 };
}

/** The terminal message: the one we saw live, else the last terminal entry of history's status messages. */
function terminalOf(job: OutcomeSource, history?: HistoryEntry): WsMessage | undefined {
  if (job.terminal) return job.terminal.msg;
  const msgs = Array.isArray(history?.status?.messages) ? history.status.messages : [];
  for (let i = msgs.length - 1; i >= 0; i--) {
    const [type, data] = msgs[i] ?? [];
    if (typeof type === 'string' && isTerminalType(type)) return { type, data };
  }
  return undefined;
}

function lastSegment(s: string): string {
  return s.split('.').pop() ?? s;
}

/** Status and a user-facing error text from the terminal message (or history when it was missed). */
export function outcomeStatus(job: OutcomeSource, history?: HistoryEntry): { status: JobStatus; error?: string } {
  const term = terminalOf(job, history);
  const d: Record<string, unknown> = term?.data && typeof term.data === 'object' ? term.data : {};
  const where = d.node_type ? `${String(d.node_type)} (node ${String(d.node_id)})` : d.node_id ? `node ${String(d.node_id)}` : '';
  switch (term?.type) {
    case 'execution_success':
      return { status: 'success' };
    case 'execution_interrupted':
      return { status: 'interrupted', error: where ? `Interrupted while ${where} was running.` : 'Interrupted.' };
    case 'execution_error': {
      const type = d.exception_type ? `${lastSegment(String(d.exception_type))}: ` : '';
      const message = String(d.exception_message ?? 'unknown error').trim();
      return { status: 'error', error: `${where || 'A node'} failed: ${type}${message}` };
    }
  }
  if (history?.status?.status_str === 'success') return { status: 'success' };
  if (history) return { status: 'error', error: 'ComfyUI reports the run failed (see its console).' };
  return { status: 'lost', error: 'ComfyUI never reported how this prompt ended.' };
}

export interface OutcomeContext {
  number: number;
  postedAt: number;
  acceptedAt: number;
  history?: HistoryEntry;
  recovered?: boolean;
  /** Replaces the error text of a 'lost' outcome; `lostWhy` is its EndReason. */
  lostReason?: string;
  lostWhy?: EndReason;
  /** Settles it with this status and error whatever the messages say (deleted, cancelled in the queue). */
  ended?: { status: JobStatus; error: string; reason: EndReason };
  /** Why some of its live messages were not heard (a drop while it ran, lost routing). */
  liveGap?: string;
}

/** What of the job's live messages was heard, from the messages themselves and the gap the lifecycle saw. */
export function liveCoverage(job: OutcomeSource, liveGap?: string): LiveCoverage {
  const types = new Set(job.messages.map((m) => m.msg.type));
  if (!types.has('execution_start') && !job.terminal) {
    return {
      heard: 'none',
      reason:
        liveGap ?? 'none of its execution messages reached this client (lost routing: a proxy or a reconnect under another socket id)',
    };
  }
  if (types.has('execution_start') && job.terminal && !liveGap) return { heard: 'all' };
  return { heard: 'partial', reason: liveGap ?? 'its execution messages stopped arriving before it ended (lost routing)' };
}

export function buildOutcome(job: OutcomeSource, ctx: OutcomeContext): JobOutcome {
  const { status, error } = ctx.ended ?? outcomeStatus(job, ctx.history);
  const { images, dropped } = boundedImages(ctx.history, job.executedImages);
  const outcome: JobOutcome = {
    promptId: job.promptId,
    number: ctx.number,
    status,
    postedAt: ctx.postedAt,
    acceptedAt: ctx.acceptedAt,
    messages: job.messages.slice(),
    images,
    live: liveCoverage(job, ctx.liveGap),
  };
  if (ctx.history) outcome.history = ctx.history;
  if (status === 'lost') outcome.error = ctx.ended?.error ?? ctx.lostReason ?? error;
  else if (error) outcome.error = error;
  const reason = ctx.ended?.reason ?? (status === 'lost' ? ctx.lostWhy : undefined);
  if (reason) outcome.reason = reason;
  if (ctx.recovered) outcome.recovered = true;
  const over = Math.max(dropped, job.droppedImages);
  if (over > 0) {
    outcome.notes = [
      `ComfyUI named ${over + MAX_JOB_IMAGES} output images for this prompt; only the first ${MAX_JOB_IMAGES} (the most one job may make) were taken.`,
    ];
  }
  return outcome;
}
