/**
 * The lifecycle of every prompt one client submits, from POST /prompt to its outcome. The JobTracker
 * turns the socket's messages into each prompt's JobState (and owns prompt ids, renames included); a
 * Job adds what the client waits for (`done`, `ended`, timers), keyed by that state. /history settles it.
 *
 * How `done` settles:
 * - resolves with a JobOutcome when the prompt succeeded, failed, was interrupted, or was lost
 *   (the server forgot it after a restart, or the socket could not be re-established: status 'lost'
 *   with `error`; a job whose terminal message had already arrived keeps its status and `executed` images);
 * - rejects with ComfyError 'watchdog' when the server went silent about it, 'aborted' when the
 *   caller's signal fired or the client was closed.
 *
 * `ended` resolves as soon as the terminal message arrives (before /history is read), with an
 * outcome from the WebSocket messages alone; undefined when `done` settles without one seen live.
 */
import { randomUUID } from 'node:crypto';
import type { ILogger } from '../logger';
import { abortedError, ComfyError, isComfyError } from './errors';
import type { HttpClient } from './http';
import { JobTracker, type JobState } from './jobTracker';
import { buildOutcome, type OutcomeContext } from './outcome';
import { retry, type RetryPolicy } from './retry';
import type {
  ApiGraph,
  EndReason,
  HistoryEntry,
  IComfyClient,
  JobEvent,
  JobOutcome,
  JobStatus,
  SubmitOptions,
  SubmittedJob,
} from './types';

/** The reads a job's recovery needs from its server (the client's own). */
export type ServerReads = Pick<IComfyClient, 'history' | 'queue'>;

/** What the watchdog and the resync need to settle a job they found finished, from the client that owns them. */
export interface RecoveryOptions {
  baseUrl: string;
  log: ILogger;
  reads: ServerReads;
  /** Aborts their own requests when the client closes. */
  lifetime(): AbortSignal;
  /** The job finished while nothing was heard of it: settle it from this entry. */
  recover(job: Job, history: HistoryEntry): void;
}

/** The server's queue lists the prompt, running or pending (item[1] of each entry is its id). */
export async function isQueued(reads: ServerReads, promptId: string, signal: AbortSignal): Promise<boolean> {
  const q = await reads.queue(signal);
  return [...q.queue_running, ...q.queue_pending].some((item) => Array.isArray(item) && item[1] === promptId);
}

/** One submitted prompt the client is still waiting for. */
export class Job {
  readonly state: JobState;
  number = 0;
  readonly postedAt = Date.now();
  acceptedAt = 0;
  accepted = false;
  settled = false;
  /** /history is being read to settle it. */
  finishing = false;
  /** The socket reconnected while its POST was in flight: check it once accepted. */
  needsResync = false;
  /** The connection (client epoch) under which /queue last listed it. */
  seenEpoch = 0;
  /** /queue last listed it as running. */
  serverRunning = false;
  /** Our cancel is removing it: gone from the queue means cancelled, not deleted by someone else. */
  cancelling = false;
  /** Cancels under way for it: the poll leaves it to them meanwhile. */
  stopping = 0;
  /** Why some of its live messages were missed (the socket dropped while it ran). */
  liveGap?: string;
  readonly done: Promise<JobOutcome>;
  /** Settles with the live outcome on the terminal message, else undefined once the job settles. */
  readonly ended: Promise<JobOutcome | undefined>;
  graceTimer?: NodeJS.Timeout;
  unlinkSignal?: () => void;
  /** Settle `done`, once `end()` said it was not settled yet. */
  resolve!: (o: JobOutcome) => void;
  reject!: (e: Error) => void;
  private resolveEnded!: (o: JobOutcome | undefined) => void;

  constructor(state: JobState) {
    this.state = state;
    this.done = new Promise<JobOutcome>((res, rej) => {
      this.resolve = res;
      this.reject = rej;
    });
    // Callers that never await `done` must not crash the process with an unhandled rejection.
    this.done.catch(() => {});
    this.ended = new Promise<JobOutcome | undefined>((res) => (this.resolveEnded = res));
  }

  /** The outcome from what is known now (and what `extra` adds). */
  outcome(extra: Omit<OutcomeContext, 'number' | 'postedAt' | 'acceptedAt'> = {}): JobOutcome {
    return buildOutcome(this.state, {
      number: this.number,
      postedAt: this.postedAt,
      acceptedAt: this.acceptedAt,
      liveGap: this.liveGap,
      ...extra,
    });
  }

  /** The terminal message is in: what the WebSocket said, before /history confirms it. */
  announceEnd(): void {
    this.resolveEnded(this.outcome());
  }

  /** Marks it settled and stops its timers; false when it already was. */
  end(): boolean {
    if (this.settled) return false;
    this.settled = true;
    this.resolveEnded(undefined);
    clearTimeout(this.graceTimer);
    this.unlinkSignal?.();
    return true;
  }
}

export interface JobLifecycleOptions {
  http: HttpClient;
  clientId: string;
  /** The client's connection count when a job is accepted (see Job.seenEpoch). */
  epoch(): number;
  log: ILogger;
  /** After a terminal message, how long to wait for `executing {node: null}` before reading /history anyway. */
  historyGraceMs: number;
  /** Tries of /history while it answers `{}`. */
  historyRetry: RetryPolicy;
  reads: ServerReads;
  /** Aborts the client's own background requests (history reads) when it closes. */
  lifetime(): AbortSignal;
  socketOpen(): boolean;
  /** Every event of every job. */
  onEvent(e: JobEvent): void;
  /** The server accepted the job (the watchdog starts watching it). */
  onAccepted(job: Job): void;
  /** The job settled, either way (the watchdog forgets it). */
  onSettled(job: Job): void;
  /** The socket reconnected before the job was accepted: catch up on it now. */
  resync(job: Job): void;
  /** A `status` broadcast (the server's queue changed). */
  onStatus(info: { queueRemaining?: number; sid?: string }): void;
}

export class JobLifecycle {
  readonly tracker: JobTracker;
  private readonly o: JobLifecycleOptions;
  private readonly jobs = new Map<JobState, Job>();

  constructor(opts: JobLifecycleOptions) {
    this.o = opts;
    this.tracker = new JobTracker({
      onEvent: opts.onEvent,
      onTerminal: (state) => this.onTerminal(state),
      onIdle: (state) => this.onIdle(state),
      onStatus: (info) => opts.onStatus(info),
      onListenerError: (e) => opts.log.error(`A job event listener failed: ${String(e)}`),
    });
  }

  /** Every job not settled yet, accepted or still being posted. */
  pending(): Job[] {
    return [...this.jobs.values()];
  }

  /** POST /prompt; the socket must be open (the server sends events only to a socket open when they happen). */
  async submit(graph: ApiGraph, opts: SubmitOptions = {}): Promise<SubmittedJob> {
    const { http, clientId } = this.o;
    const signal = opts.signal;
    // Registered before posting: a fast prompt's first events can beat the HTTP reply.
    const state = this.tracker.register(randomUUID(), opts.onEvent);
    const job = new Job(state);
    this.jobs.set(state, job);
    const extraData: Record<string, unknown> = { preview_method: opts.previewMethod ?? 'auto' };
    if (opts.extraPngInfo) extraData.extra_pnginfo = opts.extraPngInfo;
    let reply: { prompt_id?: unknown; number?: unknown; node_errors?: unknown } | undefined;
    try {
      reply = await http.json('POST', '/prompt', {
        body: { prompt: graph, client_id: clientId, prompt_id: state.promptId, extra_data: extraData },
        signal,
      });
      if (!reply || typeof reply.prompt_id !== 'string' || reply.prompt_id === '') {
        throw new ComfyError('badResponse', `POST /prompt at ${http.baseUrl} answered without a prompt_id.`, {
          url: http.baseUrl,
          body: reply,
        });
      }
    } catch (e) {
      this.jobs.delete(state);
      this.tracker.remove(state.promptId);
      throw e;
    }
    if (reply.prompt_id !== state.promptId) this.tracker.rename(state.promptId, reply.prompt_id);
    const id = state.promptId;
    job.number = typeof reply.number === 'number' ? reply.number : 0;
    job.acceptedAt = Date.now();
    job.seenEpoch = this.o.epoch();
    job.accepted = true;
    this.tracker.emit(state, { type: 'queued', promptId: id, number: job.number });
    if (signal) {
      const onAbort = () => this.fail(job, abortedError(`Waiting for prompt ${id}`, http.baseUrl));
      signal.addEventListener('abort', onAbort, { once: true });
      job.unlinkSignal = () => signal.removeEventListener('abort', onAbort);
      if (signal.aborted) onAbort();
    }
    if (!job.settled) {
      this.o.onAccepted(job);
      if (state.terminal) job.announceEnd();
      if (state.idle) void this.finish(job);
      else if (state.terminal) this.onTerminal(state);
      if (job.needsResync) this.o.resync(job);
    }
    const nodeErrors = reply.node_errors && typeof reply.node_errors === 'object' ? (reply.node_errors as Record<string, unknown>) : {};
    return { promptId: id, number: job.number, nodeErrors, done: job.done, ended: job.ended };
  }

  /** Settles the job from a /history entry read elsewhere (watchdog, resync, poll, cancel): it finished unseen. */
  recover(job: Job, history: HistoryEntry): void {
    void this.finish(job, { history, recovered: !job.state.terminal });
  }

  /** Settles a job the server lists in neither /queue nor /history. */
  vanished(job: Job, how: EndReason): void {
    const id = job.state.promptId;
    const base = this.o.http.baseUrl;
    const resume = 'Run it again with ↻ Resume (or qwenprompt run --resume): only the missing images are made.';
    const ended: Record<typeof how, { status: JobStatus; error: string }> = {
      deletedOnServer: {
        status: 'lost',
        error: `Deleted on the server by another client: prompt ${id} was removed from the queue of ComfyUI at ${base} before it ran (a delete or "clear queue" from another client). ${resume}`,
      },
      cancelledInQueue: {
        status: 'interrupted',
        error: `Cancelled: prompt ${id} was removed from the queue of ComfyUI at ${base} before it ran.`,
      },
      serverForgot: {
        status: 'lost',
        error: `ComfyUI at ${base} no longer knows prompt ${id} (it probably restarted); it never finished. ${resume}`,
      },
      disconnected: {
        status: 'lost',
        error: `Lost the connection to ComfyUI at ${base}; the result of prompt ${id} is unknown. ${resume}`,
      },
    };
    this.settle(job, job.outcome({ ended: { ...ended[how], reason: how } }));
  }

  /** Settles the job as 'lost', with `reason` as its error (and `why` as its EndReason). */
  lost(job: Job, reason: string, why?: EndReason): void {
    this.settle(job, job.outcome({ lostReason: reason, lostWhy: why }));
  }

  /** Rejects the job's `done` with `e`. */
  fail(job: Job, e: Error): void {
    if (!this.end(job)) return;
    this.tracker.remove(job.state.promptId);
    job.reject(e);
  }

  /** Rejects every unfinished job with ComfyError 'aborted' (the client closed). */
  closeAll(): void {
    for (const job of this.pending()) {
      this.fail(job, new ComfyError('aborted', `The ComfyUI client was closed before prompt ${job.state.promptId} finished.`));
    }
  }

  private pendingFor(state: JobState): Job | undefined {
    const job = this.jobs.get(state);
    return job && job.accepted && !job.settled ? job : undefined;
  }

  private onTerminal(state: JobState): void {
    const job = this.pendingFor(state);
    if (!job) return;
    job.announceEnd();
    if (job.graceTimer || state.idle) return;
    // History is written after the terminal message; `executing null` says when. If that never comes, read it anyway.
    job.graceTimer = setTimeout(() => {
      job.graceTimer = undefined;
      void this.finish(job);
    }, this.o.historyGraceMs);
  }

  private onIdle(state: JobState): void {
    const job = this.pendingFor(state);
    if (job) void this.finish(job);
  }

  /** Reads /history (retrying while it answers `{}`) and settles the job. */
  private async finish(job: Job, known?: { history: HistoryEntry; recovered: boolean }): Promise<void> {
    if (job.settled || job.finishing) return;
    job.finishing = true;
    clearTimeout(job.graceTimer);
    job.graceTimer = undefined;
    let history = known?.history;
    try {
      history ??= await this.historyWithRetry(job.state.promptId);
    } catch (e) {
      if (job.settled) return;
      job.finishing = false;
      if (!this.o.socketOpen() && isComfyError(e) && ['unreachable', 'timeout'].includes(e.kind)) {
        // The server went away too: the reconnect's resync (or giving up) settles it.
        job.needsResync = true;
        return;
      }
      this.o.log.warn(`Could not read /history for ${job.state.promptId}: ${String(e)}`);
    }
    if (job.settled) return;
    if (!history) this.o.log.warn(`ComfyUI kept /history/${job.state.promptId} empty; using the live messages only`);
    this.settle(job, job.outcome({ history, recovered: known?.recovered }));
  }

  private historyWithRetry(promptId: string): Promise<HistoryEntry | undefined> {
    const signal = this.o.lifetime();
    return retry(() => this.o.reads.history(promptId, signal), {
      ...this.o.historyRetry,
      signal,
      again: (h) => h === undefined,
    });
  }

  private settle(job: Job, outcome: JobOutcome): void {
    if (!this.end(job)) return;
    this.tracker.emit(job.state, { type: 'finished', promptId: outcome.promptId, status: outcome.status });
    this.tracker.remove(job.state.promptId);
    job.resolve(outcome);
  }

  /** Settled before anything is told (a listener that closes the client finds it done). */
  private end(job: Job): boolean {
    if (!job.end()) return false;
    this.o.onSettled(job);
    this.jobs.delete(job.state);
    return true;
  }
}
