/**
 * ComfyClient: HTTP + WebSocket to one ComfyUI server, the facade the runner, the CLI and the extension
 * use. One clientId for the socket and every prompt, so the server routes each prompt's events here.
 * The pieces it owns: the job lifecycle (jobs.ts, with the JobTracker), the watchdog, the resync after
 * a reconnect, and the /view downloads. How `done` and `ended` settle: see jobs.ts.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { ILogger } from '../logger';
import { nullLogger } from '../logger';
import { Canceller } from './cancel';
import { ComfyError } from './errors';
import { HttpClient, joinUrl } from './http';
import { JobLifecycle, type RecoveryOptions } from './jobs';
import { QueuePoll, queuedIds } from './poll';
import type { RetryPolicy } from './retry';
import { Resync } from './resync';
import { ComfySocket, type ReconnectPolicy, type SocketState } from './socket';
import type {
  ApiGraph,
  ByteSink,
  CancelResult,
  HistoryEntry,
  IComfyClient,
  ImageRef,
  JobEvent,
  SubmitOptions,
  SubmittedJob,
  SystemStats,
} from './types';
import { uploadImage, uploadMask, type UploadedImage, type UploadOptions } from './upload';
import { assertRefPart, ImageViews } from './view';
import { Watchdog } from './watchdog';

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
  /** Silence about our prompts after which /queue and /history are polled (default 1 s, then every 2 s). */
  pollQuietMs?: number;
}

const DEFAULTS = {
  watchdogMs: 10 * 60_000,
  requestTimeoutMs: 30_000,
  maxImageBytes: 64 * 1024 * 1024,
  maxJsonBytes: 32 * 1024 * 1024,
  historyGraceMs: 3000,
  history: { attempts: 8, delayMs: 100 },
  view: { attempts: 3, delayMs: 250 },
  reconnect: { maxAttempts: 8, baseDelayMs: 500, maxDelayMs: 15_000 },
};

/** The policy the options' two numbers give, each falling back to the default's. */
function retryPolicy(attempts: number | undefined, delayMs: number | undefined, d: RetryPolicy): RetryPolicy {
  return { attempts: Math.max(1, attempts ?? d.attempts), delayMs: delayMs ?? d.delayMs };
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

export class ComfyClient implements IComfyClient {
  readonly baseUrl: string;
  readonly clientId: string;
  private readonly http: HttpClient;
  private readonly socket: ComfySocket;
  private readonly jobs: JobLifecycle;
  private readonly watchdog: Watchdog;
  private readonly resync: Resync;
  private readonly views: ImageViews;
  private readonly poll: QueuePoll;
  private readonly canceller: Canceller;
  private readonly log: ILogger;
  /** Connections opened so far (see Job.seenEpoch). */
  private epoch = 0;
  private readonly listeners = new Set<(e: JobEvent) => void>();
  /** Aborts the client's own background requests (history, watchdog, resync) on close(). */
  private lifetime = lifetimeController();

  constructor(opts: ComfyClientOptions) {
    const log = (this.log = opts.logger ?? nullLogger);
    const requestTimeoutMs = opts.requestTimeoutMs ?? DEFAULTS.requestTimeoutMs;
    this.clientId = opts.clientId ?? randomUUID();
    this.http = new HttpClient({
      baseUrl: opts.baseUrl,
      token: opts.token,
      timeoutMs: requestTimeoutMs,
      maxJsonBytes: DEFAULTS.maxJsonBytes,
      logger: log,
    });
    const baseUrl = (this.baseUrl = this.http.baseUrl);
    const lifetime = () => this.lifetime.signal;
    this.jobs = new JobLifecycle({
      http: this.http,
      clientId: this.clientId,
      log,
      historyGraceMs: opts.historyGraceMs ?? DEFAULTS.historyGraceMs,
      historyRetry: retryPolicy(opts.historyAttempts, opts.historyRetryDelayMs, DEFAULTS.history),
      reads: this,
      lifetime,
      epoch: () => this.epoch,
      socketOpen: () => this.socket.isOpen,
      onEvent: (e) => this.broadcast(e),
      onAccepted: (job) => {
        this.watchdog.watch(job);
        this.poll.watch();
      },
      onStatus: (info) => this.onStatus(info),
      onSettled: (job) => this.watchdog.forget(job),
      resync: (job) => void this.resync.check(job),
    });
    const recovery: RecoveryOptions = { baseUrl, log, reads: this, lifetime, recover: (job, history) => this.jobs.recover(job, history) };
    this.watchdog = new Watchdog({
      ...recovery,
      ms: opts.watchdogMs ?? DEFAULTS.watchdogMs,
      lastServerActivity: () => this.jobs.tracker.lastServerActivity,
      giveUp: (job, e) => this.jobs.fail(job, e),
    });
    this.resync = new Resync({
      ...recovery,
      pending: () => this.jobs.pending(),
      lost: (job, reason, why) => this.jobs.lost(job, reason, why),
    });
    this.poll = new QueuePoll({
      log,
      reads: this,
      lifetime,
      pending: () => this.jobs.pending(),
      epoch: () => this.epoch,
      recover: (job, history) => this.jobs.recover(job, history),
      vanished: (job, how) => this.jobs.vanished(job, how),
      quietMs: opts.pollQuietMs,
      maxDelayMs: opts.pollQuietMs === undefined ? undefined : opts.pollQuietMs * 2,
    });
    this.canceller = new Canceller(this.http, this);
    this.views = new ImageViews({
      http: this.http,
      log,
      maxImageBytes: opts.maxImageBytes ?? DEFAULTS.maxImageBytes,
      retry: retryPolicy(opts.viewAttempts, opts.viewRetryDelayMs, DEFAULTS.view),
    });
    const wsUrl = joinUrl(this.http.base, '/ws', { clientId: this.clientId });
    wsUrl.protocol = wsUrl.protocol === 'https:' ? 'wss:' : 'ws:';
    const tracker = this.jobs.tracker;
    this.socket = new ComfySocket({
      url: wsUrl,
      serverUrl: baseUrl,
      headers: this.http.authHeaders(),
      reconnect: { ...DEFAULTS.reconnect, ...opts.reconnect },
      connectTimeoutMs: requestTimeoutMs,
      pingIntervalMs: 30_000,
      logger: log,
      onMessage: (msg, at, bytes) => tracker.handle(msg, at, bytes),
      onBinary: (buf, at) => tracker.handleBinary(buf, at),
      onState: (state, info) => this.onSocketState(state, info),
    });
  }

  async connect(signal?: AbortSignal): Promise<void> {
    if (this.lifetime.signal.aborted) this.lifetime = lifetimeController();
    await this.socket.connect(signal);
  }

  retryConnection(signal?: AbortSignal): Promise<void> {
    if (this.lifetime.signal.aborted) this.lifetime = lifetimeController();
    return this.socket.connect(signal, { fresh: true });
  }

  /** Closes the socket, stops every timer; every unfinished `done` rejects with ComfyError 'aborted'. */
  close(): void {
    this.lifetime.abort();
    this.poll.stop();
    this.socket.close();
    this.jobs.closeAll();
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
  view(ref: ImageRef, opts: { preview?: string; signal?: AbortSignal } = {}): Promise<Uint8Array> {
    return this.views.view(ref, opts);
  }

  viewTo<T>(ref: ImageRef, open: () => Promise<ByteSink<T>>, opts: { signal?: AbortSignal } = {}): Promise<T> {
    return this.views.viewTo(ref, open, opts);
  }

  async interrupt(promptId?: string, signal?: AbortSignal): Promise<void> {
    if (promptId) {
      await this.http.json('POST', '/interrupt', { body: { prompt_id: promptId }, signal });
      return;
    }
    // A bare /interrupt stops whatever runs, whoever posted it: stop only a prompt of ours, by its id.
    const mine = new Set(
      this.jobs
        .pending()
        .filter((j) => j.accepted)
        .map((j) => j.state.promptId),
    );
    const running = queuedIds(await this.queue(signal)).running;
    const ours = [...running].filter((id) => mine.has(id));
    if (ours.length) await this.cancel(ours, signal);
  }

  cancel(promptIds: string[], signal?: AbortSignal): Promise<CancelResult[]> {
    return this.stop(promptIds, signal, true);
  }

  async deleteQueued(promptIds: string[], signal?: AbortSignal): Promise<void> {
    if (promptIds.length === 0) return;
    // One of our own that the server started meanwhile must not be left running: stop ours as a cancel does.
    const mine = new Set(this.jobs.pending().map((j) => j.state.promptId));
    const others = promptIds.filter((id) => !mine.has(id));
    const ours = promptIds.filter((id) => mine.has(id));
    if (others.length) await this.http.json('POST', '/queue', { body: { delete: others }, signal });
    if (ours.length === 0) return;
    // The deleted ones settle afterwards (the poll), so the caller marks them its own way first.
    const unknown = (await this.stop(ours, signal, false)).find((r) => r.fate === 'unknown');
    if (unknown)
      throw new ComfyError('unreachable', unknown.error ?? `Could not remove prompt ${unknown.promptId} from ComfyUI's queue.`, {
        url: this.baseUrl,
      });
  }

  /** Cancels; jobs of ours that finished or were interrupted settle from /history, deleted ones now if `settle`. */
  private async stop(promptIds: string[], signal: AbortSignal | undefined, settle: boolean): Promise<CancelResult[]> {
    const mine = new Map(this.jobs.pending().map((j) => [j.state.promptId, j]));
    const jobs = promptIds.map((id) => mine.get(id)).filter((j) => j !== undefined);
    for (const job of jobs) {
      job.cancelling = true;
      job.stopping++;
    }
    let report: Awaited<ReturnType<Canceller['cancel']>>;
    try {
      report = await this.canceller.cancel(promptIds, signal);
    } finally {
      for (const job of jobs) job.stopping--;
    }
    for (const r of report.results) {
      const job = mine.get(r.promptId);
      if (!job || job.settled) continue;
      const h = report.histories.get(r.promptId);
      if (h) this.jobs.recover(job, h);
      else if (settle && r.fate === 'deleted') this.jobs.vanished(job, 'cancelledInQueue');
      else if (settle && r.fate === 'notFound') this.jobs.vanished(job, job.seenEpoch === this.epoch ? 'deletedOnServer' : 'serverForgot');
    }
    // Interrupted ones still winding down settle from /history as soon as they leave the queue.
    this.poll.kick();
    return report.results;
  }

  /** POST /upload/image: a PNG into the server's input folder. */
  uploadImage(bytes: Uint8Array, fileName: string, opts?: UploadOptions): Promise<UploadedImage> {
    return uploadImage(this.http, bytes, fileName, opts);
  }

  /** POST /upload/mask: the mask (alpha 0 = redraw) of an image uploaded before. */
  uploadMask(bytes: Uint8Array, fileName: string, original: UploadedImage, opts?: UploadOptions): Promise<UploadedImage> {
    return uploadMask(this.http, bytes, fileName, original, opts);
  }

  async submit(graph: ApiGraph, opts: SubmitOptions = {}): Promise<SubmittedJob> {
    // Connect first: the server sends events only to a socket that is open when they happen.
    await this.connect(opts.signal);
    return this.jobs.submit(graph, opts);
  }

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

  /** A `status` broadcast: the queue changed, so one of ours may have finished, started or been deleted unheard. */
  private onStatus(info: { queueRemaining?: number; sid?: string }): void {
    if (info.sid !== undefined && info.sid !== this.clientId) {
      this.log.warn(
        `ComfyUI at ${this.baseUrl} gave this connection the id ${info.sid}, not ours (a proxy or server that ignores ?clientId=): ` +
          'progress and previews of our prompts will not arrive; their results are read from /queue and /history.',
      );
    }
    if (this.jobs.pending().some((j) => j.accepted)) this.poll.kick();
  }

  private onSocketState(state: SocketState, info: { attempt?: number; reconnected?: boolean }): void {
    this.jobs.tracker.connectionChanged(Date.now());
    if (state === 'connected') {
      this.epoch++;
      this.broadcast({ type: 'connection', state });
      if (info.reconnected) {
        this.resync.reconnected();
        this.poll.kick();
      }
      return;
    }
    // A drop: what /queue listed before it says nothing of the server after it (it may have restarted),
    // so a prompt not seen again since is 'serverForgot', never 'deleted by another client'.
    this.epoch++;
    if (state === 'reconnecting') {
      for (const job of this.jobs.pending()) {
        if (job.state.started && !job.state.terminal) job.liveGap ??= 'the WebSocket dropped while it ran';
      }
    }
    this.broadcast({ type: 'connection', state, attempt: info.attempt });
    // Gave up reconnecting: settle every job with what is known.
    if (state === 'closed') this.resync.gaveUp(info.attempt ?? 0);
  }
}
