/**
 * Per-prompt bookkeeping of ComfyUI's WebSocket traffic, without a socket: feed it messages with
 * `handle(msg, at)` and binary frames with `handleBinary(buf, at)`, and it keeps each registered prompt's
 * messages, turns them into JobEvents, and says when a prompt reached its terminal message and when
 * its history is written (`executing {node: null}`). The client owns the network side.
 */
import { parseBinaryFrame } from './frames';
import type { HistoryEntry, ImageRef, JobEvent, JobOutcome, JobStatus, TimedMessage, WsMessage } from './types';

export const TERMINAL_TYPES = ['execution_success', 'execution_error', 'execution_interrupted'] as const;
export type TerminalType = (typeof TERMINAL_TYPES)[number];

export function isTerminalType(t: string): t is TerminalType {
  return (TERMINAL_TYPES as readonly string[]).includes(t);
}

export interface JobState {
  promptId: string;
  /** Per-prompt messages in arrival order. */
  messages: TimedMessage[];
  /** The server began executing it (any execution message seen). */
  started: boolean;
  terminal?: TimedMessage;
  /** `executing {node: null}` seen: the run is over and its history is written. */
  idle: boolean;
  /** Images from `executed` messages, in order. */
  executedImages: ImageRef[];
  /** The node last reported by `executing`. */
  currentNode?: string;
  /** Client clock of this prompt's last message or preview (registration time before any). */
  lastMessageAt: number;
  onEvent?: (e: JobEvent) => void;
}

export interface JobTrackerHooks {
  /** Every event of every registered prompt. */
  onEvent?(e: JobEvent): void;
  onTerminal?(job: JobState): void;
  onIdle?(job: JobState): void;
  /** A listener threw; the tracker carries on. */
  onListenerError?(e: unknown): void;
}

/** Messages for prompts not registered yet are kept (bounded) in case a reply renames our prompt. */
const MAX_ORPHANS = 2000;

export class JobTracker {
  /** Client clock of the last message of any kind: the server is alive. */
  lastServerActivity = 0;
  private readonly jobs = new Map<string, JobState>();
  private readonly orphans: TimedMessage[] = [];
  private lastProgressPrompt?: string;
  private readonly hooks: JobTrackerHooks;

  constructor(hooks: JobTrackerHooks = {}) {
    this.hooks = hooks;
  }

  register(promptId: string, onEvent?: (e: JobEvent) => void, at = Date.now()): JobState {
    const job: JobState = {
      promptId,
      messages: [],
      started: false,
      idle: false,
      executedImages: [],
      lastMessageAt: at,
      onEvent,
    };
    this.jobs.set(promptId, job);
    this.adoptOrphans(job);
    return job;
  }

  /** The server answered with another prompt id than ours: move the job and take the messages it already got. */
  rename(from: string, to: string): JobState | undefined {
    const job = this.jobs.get(from);
    if (!job) return undefined;
    this.jobs.delete(from);
    job.promptId = to;
    this.jobs.set(to, job);
    this.adoptOrphans(job);
    return job;
  }

  get(promptId: string): JobState | undefined {
    return this.jobs.get(promptId);
  }

  remove(promptId: string): void {
    this.jobs.delete(promptId);
    if (this.lastProgressPrompt === promptId) this.lastProgressPrompt = undefined;
  }

  /** Emits to the job's own listener and to the tracker's. */
  emit(job: JobState, e: JobEvent): void {
    for (const fn of [job.onEvent, this.hooks.onEvent]) {
      if (!fn) continue;
      try {
        fn(e);
      } catch (err) {
        this.hooks.onListenerError?.(err);
      }
    }
  }

  handle(msg: WsMessage, at: number): void {
    this.lastServerActivity = at;
    const data: Record<string, unknown> = msg.data && typeof msg.data === 'object' ? msg.data : {};
    const promptId = data.prompt_id;
    // status, feature_flags and the bare `executing` sent on connect carry no prompt id.
    if (typeof promptId !== 'string') return;
    const job = this.jobs.get(promptId);
    if (!job) {
      this.orphans.push({ at, msg });
      if (this.orphans.length > MAX_ORPHANS) this.orphans.shift();
      return;
    }
    this.apply(job, msg, data, at);
  }

  handleBinary(buf: Uint8Array, at: number): void {
    this.lastServerActivity = at;
    const frame = parseBinaryFrame(buf);
    if (!frame || frame.kind !== 'preview') return;
    // Type 1 frames carry no id: ComfyUI sends each right after a `progress` of the prompt it belongs to.
    const promptId = (frame.event === 4 ? frame.promptId : undefined) ?? this.lastProgressPrompt;
    const job = promptId === undefined ? undefined : this.jobs.get(promptId);
    if (!job) return;
    job.lastMessageAt = at;
    this.emit(job, { type: 'preview', promptId: job.promptId, mime: frame.mime, data: frame.data });
  }

  private adoptOrphans(job: JobState): void {
    const mine = this.orphans.filter((o) => o.msg.data?.prompt_id === job.promptId);
    if (mine.length === 0) return;
    for (let i = this.orphans.length - 1; i >= 0; i--) {
      if (this.orphans[i].msg.data?.prompt_id === job.promptId) this.orphans.splice(i, 1);
    }
    for (const o of mine) this.apply(job, o.msg, o.msg.data as Record<string, unknown>, o.at);
  }

  private apply(job: JobState, msg: WsMessage, data: Record<string, unknown>, at: number): void {
    job.messages.push({ at, msg });
    job.lastMessageAt = at;
    const promptId = job.promptId;
    switch (msg.type) {
      case 'execution_start':
        job.started = true;
        this.emit(job, { type: 'started', promptId, timestamp: num(data.timestamp) ?? at });
        break;
      case 'execution_cached':
        job.started = true;
        this.emit(job, { type: 'cached', promptId, nodes: strings(data.nodes) });
        break;
      case 'executing':
        if (data.node === null || data.node === undefined) {
          job.idle = true;
          this.hooks.onIdle?.(job);
        } else {
          job.started = true;
          job.currentNode = String(data.node);
          this.emit(job, { type: 'executing', promptId, node: job.currentNode });
        }
        break;
      case 'progress':
        job.started = true;
        this.lastProgressPrompt = promptId;
        this.emit(job, {
          type: 'progress',
          promptId,
          node: String(data.node ?? ''),
          value: num(data.value) ?? 0,
          max: num(data.max) ?? 0,
        });
        break;
      case 'executed': {
        const output = data.output && typeof data.output === 'object' ? (data.output as Record<string, unknown>) : {};
        const images = imageRefs(output.images);
        job.executedImages.push(...images);
        this.emit(job, { type: 'executed', promptId, node: String(data.node ?? ''), images });
        break;
      }
      case 'progress_state':
        job.started = true;
        break;
      default:
        if (isTerminalType(msg.type)) {
          job.started = true;
          job.terminal ??= { at, msg };
          this.hooks.onTerminal?.(job);
        }
    }
  }
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
}

/** Valid image refs from server data; anything malformed is dropped. */
export function imageRefs(v: unknown): ImageRef[] {
  if (!Array.isArray(v)) return [];
  const out: ImageRef[] = [];
  for (const item of v) {
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

/** Saved images (type 'output') of a run: from history, else from the `executed` messages. */
export function outcomeImages(history: HistoryEntry | undefined, executed: ImageRef[]): ImageRef[] {
  const fromHistory = Object.values(history?.outputs ?? {}).flatMap((o) => imageRefs(o?.images));
  const source = fromHistory.some((r) => r.type === 'output') ? fromHistory : executed;
  const seen = new Set<string>();
  return source.filter((r) => {
    const key = `${r.type}\u0000${r.subfolder}\u0000${r.filename}`;
    if (r.type !== 'output' || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The terminal message: the one we saw live, else the last terminal entry of history's status messages. */
function terminalOf(job: JobState, history?: HistoryEntry): WsMessage | undefined {
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
export function outcomeStatus(job: JobState, history?: HistoryEntry): { status: JobStatus; error?: string } {
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
  /** Replaces the error text of a 'lost' outcome. */
  lostReason?: string;
}

export function buildOutcome(job: JobState, ctx: OutcomeContext): JobOutcome {
  const { status, error } = outcomeStatus(job, ctx.history);
  const outcome: JobOutcome = {
    promptId: job.promptId,
    number: ctx.number,
    status,
    postedAt: ctx.postedAt,
    acceptedAt: ctx.acceptedAt,
    messages: job.messages.slice(),
    images: outcomeImages(ctx.history, job.executedImages),
  };
  if (ctx.history) outcome.history = ctx.history;
  if (status === 'lost') outcome.error = ctx.lostReason ?? error;
  else if (error) outcome.error = error;
  if (ctx.recovered) outcome.recovered = true;
  return outcome;
}

/** Feeds a recorded message list to a tracker for one prompt (tests, conformance checks). */
export function replayMessages(
  messages: WsMessage[],
  promptId: string,
): { events: JobEvent[]; terminal?: WsMessage; idle: boolean; job: JobState } {
  const events: JobEvent[] = [];
  const tracker = new JobTracker();
  const job = tracker.register(promptId, (e) => events.push(e), 0);
  messages.forEach((m, i) => tracker.handle(m, i));
  return { events, terminal: job.terminal?.msg, idle: job.idle, job };
}
