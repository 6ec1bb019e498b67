/**
 * Per-prompt bookkeeping of ComfyUI's WebSocket traffic, without a socket: feed it messages with
 * `handle(msg, at)` and binary frames with `handleBinary(buf, at)`, and it keeps each registered prompt's
 * messages, turns them into JobEvents, and says when a prompt reached its terminal message and when
 * its history is written (`executing {node: null}`). The client owns the network side.
 */
import { parseBinaryFrame } from './frames';
import { countItems, imageRefs, isTerminalType, MAX_JOB_IMAGES } from './outcome';
import type { ImageRef, JobEvent, TimedMessage, WsMessage } from './types';

export { isTerminalType, TERMINAL_TYPES, type TerminalType } from './outcome';

export interface JobState {
  promptId: string;
  /** Per-prompt messages in arrival order. */
  messages: TimedMessage[];
  /** The server began executing it (any execution message seen). */
  started: boolean;
  terminal?: TimedMessage;
  /** `executing {node: null}` seen: the run is over and its history is written. */
  idle: boolean;
  /** Images from `executed` messages, in order (at most MAX_JOB_IMAGES). */
  executedImages: ImageRef[];
  /** Images `executed` named beyond MAX_JOB_IMAGES. */
  droppedImages: number;
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
  /** A `status` broadcast: the server's queue changed (or the greeting of a new socket, with its `sid`). */
  onStatus?(info: { queueRemaining?: number; sid?: string }): void;
  /** A listener threw; the tracker carries on. */
  onListenerError?(e: unknown): void;
}

/**
 * Messages for prompts not registered yet are kept in case a reply renames our prompt (it comes within
 * one POST's round trip), bounded by count and by size: another client's broadcasts, or a hostile
 * server's 20 MiB frames naming prompts we never posted, must not pile up (2,000 of those: 40 GB).
 */
const MAX_ORPHANS = 2000;
export const MAX_ORPHAN_BYTES = 8 * 1024 * 1024;

/** A kept orphan with the size of the frame it came in. */
interface Orphan extends TimedMessage {
  bytes: number;
}

/** Messages that say their prompt is the one the server runs now. */
const RUNNING_TYPES = new Set(['execution_start', 'execution_cached', 'executing', 'progress', 'progress_state']);

export class JobTracker {
  /** Client clock of the last message of any kind: the server is alive. */
  lastServerActivity = 0;
  private readonly jobs = new Map<string, JobState>();
  private readonly orphans: Orphan[] = [];
  private orphanBytes = 0;
  /**
   * The prompt of ours the server is known to run now, from its own execution messages or a `progress`/
   * `progress_state` naming it; undefined once it ended, another prompt was seen running, or the socket
   * changed. Legacy (type 1) previews carry no prompt id and a prompt without client_id sends them to
   * every socket, so they are ours only while this is set. `runningAt` orders what adopted orphans say.
   */
  private running?: string;
  private runningAt = -Infinity;
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
      droppedImages: 0,
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
    if (this.running === promptId) this.running = undefined;
  }

  /** The socket dropped or reopened (maybe under another sid): which prompt runs is unknown until told again. */
  connectionChanged(at: number): void {
    this.noteRunning(undefined, at);
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

  /** One text message; `bytes` is the size of its frame (measured here when not given). */
  handle(msg: WsMessage, at: number, bytes?: number): void {
    this.lastServerActivity = at;
    const data: Record<string, unknown> = msg.data && typeof msg.data === 'object' ? msg.data : {};
    const promptId = data.prompt_id;
    // status, feature_flags and the bare `executing` sent on connect carry no prompt id.
    if (typeof promptId !== 'string') {
      if (msg.type === 'status') this.onStatus(data);
      return;
    }
    const job = this.jobs.get(promptId);
    if (!job) {
      // Another client's prompt (sent to every socket when it has no client_id) runs now, not ours.
      if (runs(msg, data)) this.noteRunning(undefined, at);
      this.keepOrphan({ at, msg, bytes: bytes ?? JSON.stringify(msg).length });
      return;
    }
    this.apply(job, msg, data, at);
  }

  handleBinary(buf: Uint8Array, at: number): void {
    this.lastServerActivity = at;
    const frame = parseBinaryFrame(buf);
    if (!frame || frame.kind !== 'preview') return;
    // Type 1 frames carry no id: they are the running prompt's, and ours only while ours is known to run.
    const promptId = (frame.event === 4 ? frame.promptId : undefined) ?? this.running;
    const job = promptId === undefined ? undefined : this.jobs.get(promptId);
    if (!job) return;
    job.lastMessageAt = at;
    this.emit(job, { type: 'preview', promptId: job.promptId, mime: frame.mime, data: frame.data });
  }

  private onStatus(data: Record<string, unknown>): void {
    const status = data.status && typeof data.status === 'object' ? (data.status as Record<string, unknown>) : {};
    const info = status.exec_info && typeof status.exec_info === 'object' ? (status.exec_info as Record<string, unknown>) : {};
    this.hooks.onStatus?.({ queueRemaining: num(info.queue_remaining), sid: typeof data.sid === 'string' ? data.sid : undefined });
  }

  /** Retained orphan messages: how many and their frames' bytes (both capped). */
  get orphanUse(): { count: number; bytes: number } {
    return { count: this.orphans.length, bytes: this.orphanBytes };
  }

  private keepOrphan(o: Orphan): void {
    // One frame over the whole budget is never kept; otherwise the oldest go first.
    if (o.bytes > MAX_ORPHAN_BYTES) return;
    this.orphans.push(o);
    this.orphanBytes += o.bytes;
    while (this.orphans.length > MAX_ORPHANS || this.orphanBytes > MAX_ORPHAN_BYTES) this.orphanBytes -= this.orphans.shift()!.bytes;
  }

  private adoptOrphans(job: JobState): void {
    const mine = this.orphans.filter((o) => o.msg.data?.prompt_id === job.promptId);
    if (mine.length === 0) return;
    for (let i = this.orphans.length - 1; i >= 0; i--) {
      if (this.orphans[i].msg.data?.prompt_id === job.promptId) this.orphanBytes -= this.orphans.splice(i, 1)[0].bytes;
    }
    for (const o of mine) this.apply(job, o.msg, o.msg.data as Record<string, unknown>, o.at);
  }

  /** Records who runs as of `at`; an older message (an orphan adopted late) does not overrule a newer one. */
  private noteRunning(promptId: string | undefined, at: number): void {
    if (at < this.runningAt) return;
    this.running = promptId;
    this.runningAt = at;
  }

  private apply(job: JobState, msg: WsMessage, data: Record<string, unknown>, at: number): void {
    job.messages.push({ at, msg });
    job.lastMessageAt = at;
    const promptId = job.promptId;
    if (runs(msg, data)) this.noteRunning(promptId, at);
    else if (this.running === promptId && (isTerminalType(msg.type) || msg.type === 'executing')) this.noteRunning(undefined, at);
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
        const room = MAX_JOB_IMAGES - job.executedImages.length;
        const images = imageRefs(output.images, Math.max(0, room));
        job.droppedImages += countItems(output.images) - images.length;
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

/** An execution message saying its prompt runs now (`executing {node: null}` says it is over). */
function runs(msg: WsMessage, data: Record<string, unknown>): boolean {
  return RUNNING_TYPES.has(msg.type) && !(msg.type === 'executing' && (data.node === null || data.node === undefined));
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.map(String) : [];
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
