/**
 * Finding out what happened to our prompts when their messages stop arriving. ComfyUI sends a prompt's
 * execution messages only to the socket whose id is the prompt's client_id; after a reconnect under
 * another id, behind a proxy that splits HTTP and WebSocket, or when the old socket's close unregistered
 * the new one, none arrive. Only `status` (a queue change) still reaches every socket, and in the last
 * case not even that. So the client looks at /queue and /history:
 * - at once on a `status` broadcast (a prompt finished, started, or was deleted), at most every 500 ms;
 * - after a reconnect, and when a cancel asks;
 * - and, while it has prompts and hears nothing of them, by itself: after 1 s, then 2 s apart (so a job
 *   whose end no message announces is settled within about 2 s), at most `maxQuietLooks` (300, ten
 *   minutes' worth) times per quiet stretch; hearing a message of one of them starts a new stretch.
 * One look is one GET /queue, plus a /history read for each of our prompts the queue no longer lists.
 * A prompt that left the queue is settled from /history; one that is in neither (checked twice) was
 * deleted on the server, by someone else unless we cancelled it.
 */
import type { ILogger } from '../logger';
import type { Job, ServerReads } from './jobs';
import { sleep } from './retry';
import type { HistoryEntry } from './types';

export type Vanished = 'deletedOnServer' | 'cancelledInQueue' | 'serverForgot';

export interface QueuePollOptions {
  log: ILogger;
  reads: ServerReads;
  lifetime(): AbortSignal;
  /** Every job not settled yet. */
  pending(): Job[];
  /** Connections so far: a job last seen queued under an older one may have been forgotten in a restart. */
  epoch(): number;
  /** The job finished unheard: settle it from this entry. */
  recover(job: Job, history: HistoryEntry): void;
  /** The job is in neither /queue nor /history. */
  vanished(job: Job, how: Vanished): void;
  /** Quiet time before the first look of a stretch (default 1 s); later looks double it up to maxDelayMs (2 s). */
  quietMs?: number;
  maxDelayMs?: number;
  maxQuietLooks?: number;
  /** Pause before the second check of a prompt found in neither place (default 200 ms). */
  confirmMs?: number;
}

/** Least time between two looks that a `status` broadcast asks for. */
const KICK_SPACING_MS = 500;

/** The ids /queue lists, running and pending (item[1] of each entry). */
export function queuedIds(q: { queue_running: unknown[][]; queue_pending: unknown[][] }): { running: Set<string>; pending: Set<string> } {
  const ids = (items: unknown[][]) =>
    new Set(
      items
        .filter(Array.isArray)
        .map((item) => item[1])
        .filter((id): id is string => typeof id === 'string'),
    );
  return { running: ids(q.queue_running), pending: ids(q.queue_pending) };
}

export class QueuePoll {
  private readonly o: Required<Omit<QueuePollOptions, 'log' | 'reads' | 'lifetime' | 'pending' | 'epoch' | 'recover' | 'vanished'>> &
    QueuePollOptions;
  private timer?: NodeJS.Timeout;
  private kickTimer?: NodeJS.Timeout;
  private looking?: Promise<void>;
  private lookAgain = false;
  private lastLook = 0;
  private delay: number;
  private quietLooks = 0;
  /** lastHeard() when the current quiet stretch began. */
  private stretchFrom = 0;

  constructor(opts: QueuePollOptions) {
    const given = Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as QueuePollOptions;
    this.o = { quietMs: 1000, maxDelayMs: 2000, maxQuietLooks: 300, confirmMs: 200, ...given };
    this.delay = this.o.quietMs;
  }

  /** A job was accepted (or something may have changed): make sure the quiet timer runs. */
  watch(): void {
    if (!this.timer) this.arm(this.o.quietMs);
  }

  /** Something changed on the server (a `status` broadcast, a reconnect, a cancel): look soon. */
  kick(now = false): void {
    if (this.kickTimer) return;
    const wait = now ? 0 : Math.max(0, this.lastLook + KICK_SPACING_MS - Date.now());
    this.kickTimer = setTimeout(() => {
      this.kickTimer = undefined;
      void this.look();
    }, wait);
  }

  stop(): void {
    clearTimeout(this.timer);
    clearTimeout(this.kickTimer);
    this.timer = this.kickTimer = undefined;
  }

  /** Looks now (or right after the look under way) and resolves when that look is over. */
  look(): Promise<void> {
    if (this.looking) {
      this.lookAgain = true;
      return this.looking;
    }
    this.looking = this.lookOnce().finally(() => {
      this.looking = undefined;
      if (this.lookAgain) {
        this.lookAgain = false;
        void this.look();
      }
    });
    return this.looking;
  }

  private watched(): Job[] {
    return this.o.pending().filter((j) => j.accepted && !j.settled && !j.finishing && j.stopping === 0);
  }

  private lastHeard(jobs: Job[]): number {
    return Math.max(0, ...jobs.map((j) => Math.max(j.state.lastMessageAt, j.acceptedAt)));
  }

  private arm(ms: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), Math.max(1, ms));
  }

  private async tick(): Promise<void> {
    this.timer = undefined;
    const jobs = this.watched();
    if (jobs.length === 0) return;
    const heard = this.lastHeard(jobs);
    if (heard > this.stretchFrom) {
      // Something of ours was heard: a new quiet stretch starts from there.
      this.stretchFrom = heard;
      this.delay = this.o.quietMs;
      this.quietLooks = 0;
    }
    const quiet = Date.now() - heard;
    if (quiet < this.o.quietMs) return this.arm(this.o.quietMs - quiet);
    if (this.quietLooks >= this.o.maxQuietLooks) {
      // Bounded: the watchdog has the last word; a message or a kick starts polling again.
      return this.arm(this.o.maxDelayMs);
    }
    this.quietLooks++;
    await this.look();
    this.delay = Math.min(this.o.maxDelayMs, this.delay * 2);
    if (this.watched().length) this.arm(this.delay);
  }

  private async lookOnce(): Promise<void> {
    const jobs = this.watched();
    if (jobs.length === 0) return;
    this.lastLook = Date.now();
    const signal = this.o.lifetime();
    const { reads } = this.o;
    try {
      const epoch = this.o.epoch();
      const gone = await this.notQueued(jobs, epoch, signal);
      const missing: Job[] = [];
      for (const job of gone) {
        const h = await reads.history(job.state.promptId, signal);
        if (job.settled || job.finishing) continue;
        if (h) this.found(job, h);
        else missing.push(job);
      }
      if (missing.length === 0) return;
      // Neither queued nor finished: check again in a moment before calling it gone.
      await sleep(this.o.confirmMs, signal);
      for (const job of await this.notQueued(missing, epoch, signal)) {
        const h = await reads.history(job.state.promptId, signal);
        if (job.settled || job.finishing) continue;
        if (h) this.found(job, h);
        else
          this.o.vanished(job, job.cancelling ? 'cancelledInQueue' : job.seenEpoch === this.o.epoch() ? 'deletedOnServer' : 'serverForgot');
      }
    } catch (e) {
      if (signal.aborted) return;
      this.o.log.debug(`Looking at ComfyUI's queue for our prompts failed: ${String(e)}`);
    }
  }

  /** The jobs /queue does not list; the listed ones are marked seen under this connection. */
  private async notQueued(jobs: Job[], epoch: number, signal: AbortSignal): Promise<Job[]> {
    const { running, pending } = queuedIds(await this.o.reads.queue(signal));
    return jobs.filter((job) => {
      const id = job.state.promptId;
      if (!running.has(id) && !pending.has(id)) return true;
      job.seenEpoch = epoch;
      job.serverRunning = running.has(id);
      return false;
    });
  }

  private found(job: Job, h: HistoryEntry): void {
    if (!job.state.terminal)
      this.o.log.info(
        `Prompt ${job.state.promptId} finished on the server without its messages reaching this client; settled from /history`,
      );
    this.delay = this.o.quietMs;
    this.o.recover(job, h);
  }
}
