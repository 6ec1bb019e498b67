/**
 * Cancelling prompts without touching anyone else's. A bare `POST /interrupt` stops whatever runs, so it
 * is never sent; `POST /interrupt {prompt_id}` checks the running prompt and then sets a global flag
 * outside the queue's lock, so in the instant our prompt ends it can still hit the next one. ComfyUI
 * ≥ 0.33 has `POST /api/jobs/{id}/cancel` (`{"cancelled": bool}`: the running prompt interrupted under
 * the lock, a pending one dequeued, false when it is neither), which cannot; it stops a running prompt
 * where the server has it (a 404 means it does not), else `/interrupt {prompt_id}`. Pending prompts go
 * in one `POST /queue {delete}`, which only ever removes pending ones.
 *
 * The server may start our next prompt between our look and our request, so /queue is read again after
 * each round until none of the prompts is running or pending (bounded), and each one's fate is read
 * from /history at the end.
 */
import { isComfyError, userMessage } from './errors';
import type { HttpClient } from './http';
import type { ServerReads } from './jobs';
import { queuedIds } from './poll';
import { sleep } from './retry';
import type { CancelResult, HistoryEntry } from './types';

/** Rounds of look-and-act; the pauses between them (50 ms doubling to 400 ms) add up to about 2 s. */
const MAX_ROUNDS = 8;

export interface CancelReport {
  results: CancelResult[];
  /** The /history entries read for the final fates (finished or interrupted prompts). */
  histories: Map<string, HistoryEntry>;
}

export class Canceller {
  /** Whether the server has POST /api/jobs/{id}/cancel; unknown until the first try. */
  private jobsRoute?: boolean;

  constructor(
    private readonly http: HttpClient,
    private readonly reads: ServerReads,
  ) {}

  async cancel(promptIds: string[], signal?: AbortSignal): Promise<CancelReport> {
    const ids = [...new Set(promptIds.filter((id) => typeof id === 'string' && id !== ''))];
    const results = new Map<string, CancelResult>();
    const histories = new Map<string, HistoryEntry>();
    if (ids.length === 0) return { results: [], histories };
    /** What was last done to each: an interrupt is sent once per prompt, a delete once. */
    const done = new Map<string, 'running' | 'pending'>();
    try {
      for (let round = 0; round < MAX_ROUNDS; round++) {
        const { running, pending } = queuedIds(await this.reads.queue(signal));
        const run = ids.filter((id) => running.has(id));
        const wait = ids.filter((id) => pending.has(id));
        if (run.length === 0 && wait.length === 0) break;
        // Pending first, so that the server does not start the next of ours once the running one stops.
        const toDelete = wait.filter((id) => done.get(id) !== 'pending');
        if (toDelete.length) await this.removePending(toDelete, results, signal);
        for (const id of run.filter((id) => done.get(id) !== 'running')) await this.stopRunning(id, results, signal);
        for (const id of toDelete) done.set(id, 'pending');
        for (const id of run) done.set(id, 'running');
        // A delete takes effect at once (the next look checks that none of them started meanwhile); an interrupt at the next step.
        if (run.length) await sleep(Math.min(400, 50 * 2 ** round), signal);
      }
      for (const id of ids) {
        const r = results.get(id);
        if (r?.fate === 'deleted' || r?.fate === 'unknown') continue;
        const h = await this.reads.history(id, signal);
        if (h) histories.set(id, h);
        results.set(id, finalFate(id, r, h));
      }
    } catch (e) {
      if (signal?.aborted) throw e;
      for (const id of ids) {
        if (!results.has(id) || results.get(id)?.fate !== 'deleted') {
          results.set(id, {
            ...results.get(id),
            promptId: id,
            fate: 'unknown',
            error: `Could not cancel on ComfyUI at ${this.http.baseUrl}: ${userMessage(e)}`,
          });
        }
      }
    }
    return { results: ids.map((id) => results.get(id)!), histories };
  }

  /** One POST /queue {delete} for all: it only ever removes pending prompts, so it cannot race like an interrupt. */
  private async removePending(ids: string[], results: Map<string, CancelResult>, signal?: AbortSignal): Promise<void> {
    await this.http.json('POST', '/queue', { body: { delete: ids }, signal });
    for (const id of ids) results.set(id, { promptId: id, fate: 'deleted', via: 'queueDelete' });
  }

  private async stopRunning(id: string, results: Map<string, CancelResult>, signal?: AbortSignal): Promise<void> {
    if (await this.viaJobs(id, results, signal)) return;
    await this.http.json('POST', '/interrupt', { body: { prompt_id: id }, signal });
    results.set(id, { promptId: id, fate: 'interrupted', via: 'interrupt' });
  }

  /** POST /api/jobs/{id}/cancel; false when the server has no such route (nothing was done then). */
  private async viaJobs(id: string, results: Map<string, CancelResult>, signal?: AbortSignal): Promise<boolean> {
    if (this.jobsRoute === false) return false;
    let reply: { cancelled?: unknown } | undefined;
    try {
      reply = await this.http.json('POST', `/api/jobs/${encodeURIComponent(id)}/cancel`, { body: {}, signal });
    } catch (e) {
      // aiohttp answers 404 (405 behind some proxies) for a route it does not have.
      if (this.jobsRoute === undefined && isComfyError(e) && (e.kind === 'notFound' || e.status === 405)) {
        this.jobsRoute = false;
        return false;
      }
      throw e;
    }
    this.jobsRoute = true;
    // false: it was not running by then (it finished; the next look says what it is now).
    if (reply?.cancelled === true) results.set(id, { promptId: id, fate: 'interrupted', via: 'jobsCancel' });
    return true;
  }
}

/** The fate once the rounds are over, from what was done and the prompt's /history entry. */
function finalFate(id: string, done: CancelResult | undefined, h: HistoryEntry | undefined): CancelResult {
  if (!h) return done ?? { promptId: id, fate: 'notFound' };
  const msgs = Array.isArray(h.status?.messages) ? h.status.messages : [];
  const interrupted = msgs.some((m) => Array.isArray(m) && m[0] === 'execution_interrupted');
  if (interrupted) return { promptId: id, fate: 'interrupted', via: done?.via };
  // It ended by itself before the interrupt took effect (or before we asked).
  return { promptId: id, fate: 'finished' };
}
