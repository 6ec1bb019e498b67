/**
 * ComfyClient: HTTP + WebSocket to one ComfyUI server and the lifecycle of every prompt submitted
 * through it (PROTOCOL.md §1–2). One clientId for the socket and every prompt, so the server routes
 * each prompt's events here; the JobTracker keeps them; /history settles each job.
 *
 * `ended` resolves as soon as the terminal message arrives (before /history is read), with an
 * outcome from the WebSocket messages alone; undefined when `done` settles without one seen live.
 *
 * How `done` settles:
 * - resolves with a JobOutcome when the prompt succeeded, failed, was interrupted, or was lost
 *   (the server forgot it after a restart, or the socket could not be re-established: status 'lost'
 *   with `error`; a job whose terminal message had already arrived keeps its status and `executed` images);
 * - rejects with ComfyError 'watchdog' when the server went silent about it, 'aborted' when the
 *   caller's signal fired or `close()` was called.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { ILogger } from '../logger';
import { nullLogger } from '../logger';
import { abortedError, ComfyError, isComfyError } from './errors';
import { HttpClient, joinUrl } from './http';
import { buildOutcome, JobTracker, type JobState } from './jobTracker';
import { ComfySocket, type ReconnectPolicy } from './socket';
import type {
  ApiGraph,
  ByteSink,
  HistoryEntry,
  IComfyClient,
  ImageRef,
  JobEvent,
  JobOutcome,
  SubmitOptions,
  SubmittedJob,
  SystemStats,
} from './types';
import { sniffImage } from '../../shared/image';

export interface ComfyClientOptions {
  /** http(s)://host:port, optionally with a path prefix (reverse proxy). */
  baseUrl: string;
  /** Sent as `Authorization: Bearer …` on every request and the WebSocket upgrade. */
  token?: string;
  logger?: ILogger;
  clientId?: string;
  /** Silence after which a job is given up (default 10 min). */
  watchdogMs?: number;
  reconnect?: Partial<ReconnectPolicy>;
  /** Deadline for each HTTP request, body included (default 30 s). */
  requestTimeoutMs?: number;
  /** Largest image `view()` accepts (default 64 MiB). */
  maxImageBytes?: number;
  /** After a terminal message, how long to wait for `executing {node: null}` before reading /history anyway (default 3 s). */
  historyGraceMs?: number;
  /** Tries of /history while it answers `{}`, with doubling delays from historyRetryDelayMs (defaults 8, 100 ms). */
  historyAttempts?: number;
  historyRetryDelayMs?: number;
  /** Tries of /view on 5xx or network errors, with doubling delays (defaults 3, 250 ms). */
  viewAttempts?: number;
  viewRetryDelayMs?: number;
}

const DEFAULTS = {
  watchdogMs: 10 * 60_000,
  requestTimeoutMs: 30_000,
  maxImageBytes: 64 * 1024 * 1024,
  maxJsonBytes: 32 * 1024 * 1024,
  historyGraceMs: 3000,
  historyAttempts: 8,
  historyRetryDelayMs: 100,
  viewAttempts: 3,
  viewRetryDelayMs: 250,
  reconnect: { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 15_000 },
};

/** A submitted prompt the client is still waiting for. */
interface PendingJob {
  state: JobState;
  number: number;
  postedAt: number;
  acceptedAt: number;
  accepted: boolean;
  settled: boolean;
  /** /history is being read to settle it. */
  finishing: boolean;
  /** The socket reconnected while its POST was in flight: check it once accepted. */
  needsResync: boolean;
  resolve(o: JobOutcome): void;
  reject(e: Error): void;
  promise: Promise<JobOutcome>;
  /** Settles `ended`: with the live outcome on the terminal message, else undefined once the job settles. */
  announceEnd(o: JobOutcome | undefined): void;
  graceTimer?: NodeJS.Timeout;
  watchdogTimer?: NodeJS.Timeout;
  unlinkSignal?: () => void;
}

/** Enough of a body's start to tell PNG, JPEG and WebP apart (sniffImage reads 12). */
const SNIFF_BYTES = 16;

function describeMs(ms: number): string {
  if (ms >= 60_000) return `${Math.round(ms / 6000) / 10} min`;
  if (ms >= 1000) return `${Math.round(ms / 100) / 10} s`;
  return `${ms} ms`;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError('Waiting'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortedError('Waiting'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

function assertRefPart(name: string, v: unknown): string {
  if (typeof v !== 'string' || v.includes('\u0000')) {
    throw new ComfyError('badRequest', `Invalid image reference: ${name} ${JSON.stringify(v)}.`);
  }
  return v;
}

/** The query of GET /view for an image ComfyUI named: its parts go only into query parameters. */
function viewQuery(ref: ImageRef, preview?: string): { filename: string; subfolder: string; type: string; preview?: string } {
  const filename = assertRefPart('filename', ref.filename);
  if (filename === '') throw new ComfyError('badRequest', 'Invalid image reference: empty filename.');
  return {
    filename,
    subfolder: assertRefPart('subfolder', ref.subfolder ?? ''),
    type: assertRefPart('type', ref.type ?? 'output'),
    ...(preview === undefined ? {} : { preview: assertRefPart('preview', preview) }),
  };
}

/**
 * The controller of the client's own background requests. Every /history read of a finishing job
 * listens on its signal, and a fast sweep finishes many at once: more than Node's default of 10
 * listeners is normal here, not a leak (each is removed when its request ends).
 */
function lifetimeController(): AbortController {
  const c = new AbortController();
  setMaxListeners(0, c.signal);
  return c;
}

/** Prompt ids listed in a /queue answer (item[1] of running and pending). */
function queuedIds(q: { queue_running?: unknown; queue_pending?: unknown }): Set<string> {
  const ids = new Set<string>();
  for (const list of [q.queue_running, q.queue_pending]) {
    for (const item of Array.isArray(list) ? list : []) {
      if (Array.isArray(item) && typeof item[1] === 'string') ids.add(item[1]);
    }
  }
  return ids;
}

export class ComfyClient implements IComfyClient {
  readonly baseUrl: string;
  readonly clientId: string;
  private readonly http: HttpClient;
  private readonly socket: ComfySocket;
  private readonly tracker: JobTracker;
  private readonly log: ILogger;
  private readonly o: typeof DEFAULTS;
  private readonly jobs = new Map<string, PendingJob>();
  private readonly listeners = new Set<(e: JobEvent) => void>();
  /** Aborts the client's own background requests (history, resync) on close(). */
  private lifetime = lifetimeController();

  constructor(opts: ComfyClientOptions) {
    this.log = opts.logger ?? nullLogger;
    this.o = {
      watchdogMs: opts.watchdogMs ?? DEFAULTS.watchdogMs,
      requestTimeoutMs: opts.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs,
      maxImageBytes: opts.maxImageBytes ?? DEFAULTS.maxImageBytes,
      maxJsonBytes: DEFAULTS.maxJsonBytes,
      historyGraceMs: opts.historyGraceMs ?? DEFAULTS.historyGraceMs,
      historyAttempts: Math.max(1, opts.historyAttempts ?? DEFAULTS.historyAttempts),
      historyRetryDelayMs: opts.historyRetryDelayMs ?? DEFAULTS.historyRetryDelayMs,
      viewAttempts: Math.max(1, opts.viewAttempts ?? DEFAULTS.viewAttempts),
      viewRetryDelayMs: opts.viewRetryDelayMs ?? DEFAULTS.viewRetryDelayMs,
      reconnect: { ...DEFAULTS.reconnect, ...opts.reconnect },
    };
    this.clientId = opts.clientId ?? randomUUID();
    this.http = new HttpClient({
      baseUrl: opts.baseUrl,
      token: opts.token,
      timeoutMs: this.o.requestTimeoutMs,
      maxJsonBytes: this.o.maxJsonBytes,
      logger: this.log,
    });
    this.baseUrl = this.http.baseUrl;
    const wsUrl = joinUrl(this.http.base, '/ws', { clientId: this.clientId });
    wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    this.tracker = new JobTracker({
      onEvent: (e) => this.broadcast(e),
      onTerminal: (job) => this.onTerminal(job),
      onIdle: (job) => this.onIdle(job),
      onListenerError: (e) => this.log.error(`A job event listener failed: ${String(e)}`),
    });
    this.socket = new ComfySocket({
      url: wsUrl,
      serverUrl: this.baseUrl,
      headers: this.http.authHeaders(),
      reconnect: this.o.reconnect,
      connectTimeoutMs: this.o.requestTimeoutMs,
      pingIntervalMs: 30_000,
      logger: this.log,
      onMessage: (msg, at) => this.tracker.handle(msg, at),
      onBinary: (buf, at) => this.tracker.handleBinary(buf, at),
      onState: (state, info) => this.onSocketState(state, info),
    });
  }

  async connect(signal?: AbortSignal): Promise<void> {
    if (this.lifetime.signal.aborted) this.lifetime = lifetimeController();
    await this.socket.connect(signal);
  }

  /** Closes the socket, stops every timer; every unfinished `done` rejects with ComfyError 'aborted'. */
  close(): void {
    this.lifetime.abort();
    this.socket.close();
    for (const p of [...this.jobs.values()]) {
      this.fail(p, new ComfyError('aborted', `The ComfyUI client was closed before prompt ${p.state.promptId} finished.`));
    }
    this.broadcast({ type: 'connection', state: 'closed' });
  }

  onEvent(listener: (e: JobEvent) => void): { dispose(): void } {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  systemStats(signal?: AbortSignal): Promise<SystemStats> {
    return this.getObject<SystemStats>('/system_stats', signal);
  }

  objectInfo(signal?: AbortSignal): Promise<Record<string, any>> {
    return this.getObject<Record<string, any>>('/object_info', signal);
  }

  async queue(signal?: AbortSignal): Promise<{ queue_running: unknown[][]; queue_pending: unknown[][] }> {
    const q = await this.getObject<{ queue_running?: unknown; queue_pending?: unknown }>('/queue', signal);
    return {
      queue_running: Array.isArray(q.queue_running) ? q.queue_running : [],
      queue_pending: Array.isArray(q.queue_pending) ? q.queue_pending : [],
    };
  }

  /** The history entry, or undefined while the prompt is unknown or not finished (`{}`). */
  async history(promptId: string, signal?: AbortSignal): Promise<HistoryEntry | undefined> {
    assertRefPart('prompt id', promptId);
    const body = await this.getObject<Record<string, unknown>>(`/history/${encodeURIComponent(promptId)}`, signal);
    const entry = body[promptId];
    return entry && typeof entry === 'object' ? (entry as HistoryEntry) : undefined;
  }

  /**
   * GET /view of one image. The ref's parts go only into query parameters; the answer must be a PNG,
   * JPEG or WebP within maxImageBytes. Retries 5xx and network failures with backoff.
   */
  async view(ref: ImageRef, opts: { preview?: string; signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const query = viewQuery(ref, opts.preview);
    const { filename } = query;
    for (let attempt = 1; ; attempt++) {
      try {
        const { data, contentType } = await this.http.bytes('/view', {
          query,
          signal: opts.signal,
          maxBytes: this.o.maxImageBytes,
        });
        if (!sniffImage(data)) {
          throw new ComfyError(
            'badResponse',
            `ComfyUI's /view answered ${contentType || 'unknown content'} (${data.byteLength} bytes) for ${filename}, not a PNG, JPEG or WebP image.`,
            { url: this.baseUrl },
          );
        }
        return data;
      } catch (e) {
        const retryable = isComfyError(e) && ['server', 'unreachable', 'timeout'].includes(e.kind);
        if (!retryable || attempt >= this.o.viewAttempts) throw e;
        this.log.debug(`GET /view ${filename} failed (${String(e)}); retry ${attempt}`);
        await sleep(this.o.viewRetryDelayMs * 2 ** (attempt - 1), opts.signal);
      }
    }
  }

  async viewTo<T>(ref: ImageRef, open: () => Promise<ByteSink<T>>, opts: { signal?: AbortSignal } = {}): Promise<T> {
    const query = viewQuery(ref);
    const { filename } = query;
    for (let attempt = 1; ; attempt++) {
      const sink = await open();
      try {
        // The first bytes are held until there are enough to tell an image from an error page.
        let head: Uint8Array | undefined = new Uint8Array(0);
        const pass = async (contentType: string, total: number) => {
          if (!head) return;
          if (!sniffImage(head)) {
            throw new ComfyError(
              'badResponse',
              `ComfyUI's /view answered ${contentType || 'unknown content'} (${total} bytes) for ${filename}, not a PNG, JPEG or WebP image.`,
              { url: this.baseUrl },
            );
          }
          const h = head;
          head = undefined;
          await sink.write(h);
        };
        let seen = 0;
        const { total, contentType } = await this.http.stream('/view', { query, signal: opts.signal, maxBytes: this.o.maxImageBytes }, async (chunk, type) => {
          seen += chunk.byteLength;
          if (!head) return sink.write(chunk);
          head = head.byteLength ? Buffer.concat([head, chunk]) : chunk;
          if (head.byteLength >= SNIFF_BYTES) await pass(type, seen);
        });
        await pass(contentType, total);
        return await sink.close();
      } catch (e) {
        await sink.abort();
        const retryable = isComfyError(e) && ['server', 'unreachable', 'timeout'].includes(e.kind);
        if (!retryable || attempt >= this.o.viewAttempts) throw e;
        this.log.debug(`GET /view ${filename} failed (${String(e)}); retry ${attempt}`);
        await sleep(this.o.viewRetryDelayMs * 2 ** (attempt - 1), opts.signal);
      }
    }
  }

  async interrupt(promptId?: string, signal?: AbortSignal): Promise<void> {
    await this.http.json('POST', '/interrupt', { body: promptId ? { prompt_id: promptId } : {}, signal });
  }

  async deleteQueued(promptIds: string[], signal?: AbortSignal): Promise<void> {
    if (promptIds.length === 0) return;
    await this.http.json('POST', '/queue', { body: { delete: promptIds }, signal });
  }

  async submit(graph: ApiGraph, opts: SubmitOptions = {}): Promise<SubmittedJob> {
    const signal = opts.signal;
    // Connect first: the server sends events only to a socket that is open when they happen.
    await this.connect(signal);
    const promptId = randomUUID();
    // Registered before posting: a fast prompt's first events can beat the HTTP reply.
    const state = this.tracker.register(promptId, opts.onEvent);
    let resolve!: (o: JobOutcome) => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<JobOutcome>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    // Callers that never await `done` must not crash the process with an unhandled rejection.
    promise.catch(() => {});
    let announceEnd!: (o: JobOutcome | undefined) => void;
    const ended = new Promise<JobOutcome | undefined>((res) => (announceEnd = res));
    const p: PendingJob = {
      state,
      number: 0,
      postedAt: Date.now(),
      acceptedAt: 0,
      accepted: false,
      settled: false,
      finishing: false,
      needsResync: false,
      resolve,
      reject,
      promise,
      announceEnd,
    };
    this.jobs.set(promptId, p);
    const extraData: Record<string, unknown> = { preview_method: opts.previewMethod ?? 'auto' };
    if (opts.extraPngInfo) extraData.extra_pnginfo = opts.extraPngInfo;
    let reply: { prompt_id?: unknown; number?: unknown; node_errors?: unknown } | undefined;
    try {
      reply = await this.http.json('POST', '/prompt', {
        body: { prompt: graph, client_id: this.clientId, prompt_id: promptId, extra_data: extraData },
        signal,
      });
    } catch (e) {
      this.jobs.delete(promptId);
      this.tracker.remove(promptId);
      throw e;
    }
    if (!reply || typeof reply.prompt_id !== 'string' || reply.prompt_id === '') {
      this.jobs.delete(promptId);
      this.tracker.remove(promptId);
      throw new ComfyError('badResponse', `POST /prompt at ${this.baseUrl} answered without a prompt_id.`, {
        url: this.baseUrl,
        body: reply,
      });
    }
    if (reply.prompt_id !== promptId) {
      this.jobs.delete(promptId);
      this.tracker.rename(promptId, reply.prompt_id);
      this.jobs.set(reply.prompt_id, p);
    }
    const id = state.promptId;
    p.number = typeof reply.number === 'number' ? reply.number : 0;
    p.acceptedAt = Date.now();
    p.accepted = true;
    this.tracker.emit(state, { type: 'queued', promptId: id, number: p.number });
    if (signal) {
      const onAbort = () => this.fail(p, abortedError(`Waiting for prompt ${id}`, this.baseUrl));
      signal.addEventListener('abort', onAbort, { once: true });
      p.unlinkSignal = () => signal.removeEventListener('abort', onAbort);
      if (signal.aborted) onAbort();
    }
    if (!p.settled) {
      this.armWatchdog(p, this.o.watchdogMs);
      if (state.terminal) this.announceEnd(p);
      if (state.idle) void this.finish(p);
      else if (state.terminal) this.onTerminal(state);
      if (p.needsResync) void this.resync(p);
    }
    const nodeErrors =
      reply.node_errors && typeof reply.node_errors === 'object' ? (reply.node_errors as Record<string, unknown>) : {};
    return { promptId: id, number: p.number, nodeErrors, done: promise, ended };
  }

  // ---- job lifecycle ----

  private async getObject<T extends object>(path: string, signal?: AbortSignal): Promise<T> {
    const body = await this.http.json<unknown>('GET', path, { signal });
    if (!body || typeof body !== 'object') {
      throw new ComfyError('badResponse', `GET ${path} at ${this.baseUrl} did not answer a JSON object.`, {
        url: this.baseUrl,
        body,
      });
    }
    return body as T;
  }

  private broadcast(e: JobEvent): void {
    for (const fn of this.listeners) {
      try {
        fn(e);
      } catch (err) {
        this.log.error(`A ComfyUI event listener failed: ${String(err)}`);
      }
    }
  }

  private pendingFor(job: JobState): PendingJob | undefined {
    const p = this.jobs.get(job.promptId);
    return p && p.accepted && !p.settled ? p : undefined;
  }

  /** The terminal message is in: what the WebSocket said, before /history confirms it. */
  private announceEnd(p: PendingJob): void {
    p.announceEnd(buildOutcome(p.state, this.outcomeContext(p)));
  }

  private onTerminal(job: JobState): void {
    const p = this.pendingFor(job);
    if (!p) return;
    this.announceEnd(p);
    if (p.graceTimer || job.idle) return;
    // History is written after the terminal message; `executing null` says when. If that never comes, read it anyway.
    p.graceTimer = setTimeout(() => {
      p.graceTimer = undefined;
      void this.finish(p);
    }, this.o.historyGraceMs);
  }

  private onIdle(job: JobState): void {
    const p = this.pendingFor(job);
    if (p) void this.finish(p);
  }

  /** Reads /history (retrying while it answers `{}`) and settles the job. */
  private async finish(p: PendingJob, known?: { history: HistoryEntry; recovered: boolean }): Promise<void> {
    if (p.settled || p.finishing) return;
    p.finishing = true;
    clearTimeout(p.graceTimer);
    p.graceTimer = undefined;
    let history = known?.history;
    try {
      history ??= await this.historyWithRetry(p.state.promptId);
    } catch (e) {
      if (p.settled) return;
      p.finishing = false;
      if (!this.socket.isOpen && isComfyError(e) && ['unreachable', 'timeout'].includes(e.kind)) {
        // The server went away too: the reconnect's resync (or giving up) settles it.
        p.needsResync = true;
        return;
      }
      this.log.warn(`Could not read /history for ${p.state.promptId}: ${String(e)}`);
    }
    if (p.settled) return;
    if (!history) this.log.warn(`ComfyUI kept /history/${p.state.promptId} empty; using the live messages only`);
    this.settle(p, buildOutcome(p.state, { ...this.outcomeContext(p), history, recovered: known?.recovered }));
  }

  private async historyWithRetry(promptId: string): Promise<HistoryEntry | undefined> {
    const signal = this.lifetime.signal;
    for (let attempt = 1; ; attempt++) {
      const h = await this.history(promptId, signal);
      if (h || attempt >= this.o.historyAttempts) return h;
      await sleep(this.o.historyRetryDelayMs * 2 ** (attempt - 1), signal);
    }
  }

  private outcomeContext(p: PendingJob): { number: number; postedAt: number; acceptedAt: number } {
    return { number: p.number, postedAt: p.postedAt, acceptedAt: p.acceptedAt };
  }

  private settle(p: PendingJob, outcome: JobOutcome): void {
    if (p.settled) return;
    this.cleanup(p);
    this.tracker.emit(p.state, { type: 'finished', promptId: outcome.promptId, status: outcome.status });
    this.tracker.remove(p.state.promptId);
    p.resolve(outcome);
  }

  private fail(p: PendingJob, e: Error): void {
    if (p.settled) return;
    this.cleanup(p);
    this.tracker.remove(p.state.promptId);
    p.reject(e);
  }

  private cleanup(p: PendingJob): void {
    p.settled = true;
    p.announceEnd(undefined);
    clearTimeout(p.graceTimer);
    clearTimeout(p.watchdogTimer);
    p.unlinkSignal?.();
    this.jobs.delete(p.state.promptId);
  }

  private lost(p: PendingJob, reason: string): void {
    this.settle(p, buildOutcome(p.state, { ...this.outcomeContext(p), lostReason: reason }));
  }

  // ---- watchdog ----

  private armWatchdog(p: PendingJob, delay: number): void {
    clearTimeout(p.watchdogTimer);
    p.watchdogTimer = setTimeout(() => void this.checkWatchdog(p), Math.max(1, delay));
  }

  /** Time since the last sign of life that counts for this job: its own messages once started, any server traffic before. */
  private silentFor(p: PendingJob, now: number): number {
    const s = p.state;
    const last = s.started ? s.lastMessageAt : Math.max(s.lastMessageAt, this.tracker.lastServerActivity, p.acceptedAt);
    return now - last;
  }

  private async checkWatchdog(p: PendingJob): Promise<void> {
    if (p.settled || p.finishing) return;
    const silent = this.silentFor(p, Date.now());
    if (silent < this.o.watchdogMs) return this.armWatchdog(p, this.o.watchdogMs - silent);
    const id = p.state.promptId;
    const signal = this.lifetime.signal;
    try {
      const h = await this.history(id, signal);
      if (h) return void this.finish(p, { history: h, recovered: true });
      if (!p.state.started && queuedIds(await this.queue(signal)).has(id)) {
        // Still waiting its turn behind other work: keep waiting.
        return this.armWatchdog(p, this.o.watchdogMs);
      }
    } catch (e) {
      if (p.settled || signal.aborted) return;
      this.log.warn(`Watchdog check of ${id} failed: ${String(e)}`);
    }
    if (p.settled || p.finishing) return;
    const waited = describeMs(silent);
    const message = p.state.started
      ? `ComfyUI sent nothing about prompt ${id} for ${waited} while it was running` +
        `${p.state.currentNode ? ` (last node: ${p.state.currentNode})` : ''}. The server may be stuck ` +
        '(a hung custom node, a stalled model load, out of memory): check the ComfyUI console, interrupt or restart it. ' +
        'Raise the watchdog time if such silences are normal for this server.'
      : `Prompt ${id} waited ${waited} without ComfyUI starting it, and the server's queue no longer lists it. ` +
        'Check the ComfyUI console: the server may have dropped the prompt or restarted.';
    this.fail(p, new ComfyError('watchdog', message, { url: this.baseUrl }));
  }

  // ---- reconnection ----

  private onSocketState(state: 'connected' | 'reconnecting' | 'closed', info: { attempt?: number; reconnected?: boolean }): void {
    if (state === 'reconnecting') {
      this.broadcast({ type: 'connection', state, attempt: info.attempt });
      return;
    }
    if (state === 'connected') {
      this.broadcast({ type: 'connection', state });
      if (!info.reconnected) return;
      for (const p of [...this.jobs.values()]) {
        if (p.accepted) void this.resync(p);
        else p.needsResync = true;
      }
      return;
    }
    // Gave up reconnecting: settle every job with what is known.
    this.broadcast({ type: 'connection', state: 'closed', attempt: info.attempt });
    for (const p of [...this.jobs.values()]) {
      if (!p.accepted) continue;
      this.lost(
        p,
        `Lost the connection to ComfyUI at ${this.baseUrl} and could not reconnect after ${info.attempt ?? 0} attempts; ` +
          `the result of prompt ${p.state.promptId} is unknown. Check that ComfyUI is running, then resume the run (↻ Resume, or qwenprompt run --resume): only the missing images are made again.`,
      );
    }
  }

  /** After a reconnect: events may have been missed. Finished → from history; queued/running → wait; else lost. */
  private async resync(p: PendingJob): Promise<void> {
    p.needsResync = false;
    const id = p.state.promptId;
    const signal = this.lifetime.signal;
    try {
      let h = await this.history(id, signal);
      if (!h) {
        if (queuedIds(await this.queue(signal)).has(id)) {
          p.state.lastMessageAt = Date.now();
          return;
        }
        // It may have finished between the two reads.
        h = await this.history(id, signal);
      }
      if (p.settled) return;
      if (h) return void this.finish(p, { history: h, recovered: true });
      this.lost(
        p,
        `ComfyUI at ${this.baseUrl} no longer knows prompt ${id} (it probably restarted); it never finished. Resume the run (↻ Resume, or qwenprompt run --resume) to make only the missing images.`,
      );
    } catch (e) {
      if (p.settled || signal.aborted) return;
      // The watchdog or the next reconnect will look again.
      this.log.warn(`Could not resynchronise prompt ${id}: ${String(e)}`);
    }
  }
}
