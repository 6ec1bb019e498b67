/**
 * One client's watchdog: gives a job up when the server has said nothing about it for `ms`. Its own
 * messages count once it started, any server traffic before (work queued ahead of it is not silence).
 * Before giving up it asks /history (finished unheard: recovered) and /queue (still waiting its turn: wait on).
 */
import { ComfyError } from './errors';
import { isQueued, type Job, type RecoveryOptions } from './jobs';

export interface WatchdogOptions extends RecoveryOptions {
  /** The silence after which a job is given up. */
  ms: number;
  /** Client clock of the server's last message of any kind. */
  lastServerActivity(): number;
  /** Silent too long: reject the job with this error. */
  giveUp(job: Job, e: ComfyError): void;
}

function describeMs(ms: number): string {
  if (ms >= 60_000) return `${Math.round(ms / 6000) / 10} min`;
  if (ms >= 1000) return `${Math.round(ms / 100) / 10} s`;
  return `${ms} ms`;
}

export class Watchdog {
  private readonly o: WatchdogOptions;
  private readonly timers = new Map<Job, NodeJS.Timeout>();

  constructor(opts: WatchdogOptions) {
    this.o = opts;
  }

  /** Starts watching an accepted job. */
  watch(job: Job): void {
    this.arm(job, this.o.ms);
  }

  /** The job settled: stop watching it. */
  forget(job: Job): void {
    clearTimeout(this.timers.get(job));
    this.timers.delete(job);
  }

  private arm(job: Job, delay: number): void {
    if (job.settled) return;
    clearTimeout(this.timers.get(job));
    this.timers.set(
      job,
      setTimeout(() => void this.check(job), Math.max(1, delay)),
    );
  }

  /** Time since the last sign of life that counts for this job. */
  private silentFor(job: Job, now: number): number {
    const s = job.state;
    const last = s.started ? s.lastMessageAt : Math.max(s.lastMessageAt, this.o.lastServerActivity(), job.acceptedAt);
    return now - last;
  }

  private async check(job: Job): Promise<void> {
    this.timers.delete(job);
    if (job.settled || job.finishing) return;
    const { ms, reads } = this.o;
    const silent = this.silentFor(job, Date.now());
    if (silent < ms) return this.arm(job, ms - silent);
    const id = job.state.promptId;
    const signal = this.o.lifetime();
    try {
      const h = await reads.history(id, signal);
      if (h) return this.o.recover(job, h);
      // Still waiting its turn behind other work: keep waiting.
      if (!job.state.started && (await isQueued(reads, id, signal))) return this.arm(job, ms);
    } catch (e) {
      if (job.settled || signal.aborted) return;
      this.o.log.warn(`Watchdog check of ${id} failed: ${String(e)}`);
    }
    if (job.settled || job.finishing) return;
    const waited = describeMs(silent);
    const message = job.state.started
      ? `ComfyUI sent nothing about prompt ${id} for ${waited} while it was running` +
        `${job.state.currentNode ? ` (last node: ${job.state.currentNode})` : ''}. The server may be stuck ` +
        '(a hung custom node, a stalled model load, out of memory): check the ComfyUI console, interrupt or restart it. ' +
        'Raise the watchdog time if such silences are normal for this server.'
      : `Prompt ${id} waited ${waited} without ComfyUI starting it, and the server's queue no longer lists it. ` +
        'Check the ComfyUI console: the server may have dropped the prompt or restarted.';
    this.o.giveUp(job, new ComfyError('watchdog', message, { url: this.o.baseUrl }));
  }
}
