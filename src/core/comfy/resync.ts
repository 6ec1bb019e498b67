/**
 * One client's catching up after its socket came back: messages sent while it was down are lost, so
 * each unfinished job is looked up in /history (finished: settle it from there) and /queue (queued or
 * running: wait on); a job the server knows neither way was lost in a restart.
 */
import { isQueued, type Job, type RecoveryOptions } from './jobs';
import type { EndReason } from './types';

export interface ResyncOptions extends RecoveryOptions {
  /** Every job not settled yet. */
  pending(): Job[];
  /** Settle the job as 'lost' with this reason. */
  lost(job: Job, reason: string, why: EndReason): void;
}

export class Resync {
  private readonly o: ResyncOptions;

  constructor(opts: ResyncOptions) {
    this.o = opts;
  }

  /** The socket reopened after a drop: check every accepted job now, the others once accepted. */
  reconnected(): void {
    for (const job of this.o.pending()) {
      if (job.accepted) void this.check(job);
      else job.needsResync = true;
    }
  }

  /** Reconnecting gave up: settle every accepted job with what is known. */
  gaveUp(attempts: number): void {
    for (const job of this.o.pending()) {
      if (!job.accepted) continue;
      this.o.lost(
        job,
        `Lost the connection to ComfyUI at ${this.o.baseUrl} and could not reconnect after ${attempts} attempts; ` +
          `the result of prompt ${job.state.promptId} is unknown. Check that ComfyUI is running, then resume the run (↻ Resume, or qwenprompt run --resume): only the missing images are made again.`,
        'disconnected',
      );
    }
  }

  /** Events may have been missed: finished → from history; queued or running → wait; else lost. */
  async check(job: Job): Promise<void> {
    job.needsResync = false;
    const { reads } = this.o;
    const id = job.state.promptId;
    const signal = this.o.lifetime();
    try {
      let h = await reads.history(id, signal);
      if (!h) {
        if (await isQueued(reads, id, signal)) {
          job.state.lastMessageAt = Date.now();
          return;
        }
        // It may have finished between the two reads.
        h = await reads.history(id, signal);
      }
      // Gone because our own cancel removed it: the cancel settles it.
      if (job.settled || (!h && job.cancelling)) return;
      if (h) return this.o.recover(job, h);
      this.o.lost(
        job,
        `ComfyUI at ${this.o.baseUrl} no longer knows prompt ${id} (it probably restarted); it never finished. Resume the run (↻ Resume, or qwenprompt run --resume) to make only the missing images.`,
        'serverForgot',
      );
    } catch (e) {
      if (job.settled || signal.aborted) return;
      // The watchdog or the next reconnect will look again.
      this.o.log.warn(`Could not resynchronise prompt ${id}: ${String(e)}`);
    }
  }
}
