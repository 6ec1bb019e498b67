/**
 * The ComfyUI WebSocket (`/ws?clientId=…`) with reconnection. The `ws` package sends no `Origin`, so the
 * origin guard accepts the upgrade. Reconnects keep the same clientId so the server keeps routing the
 * running prompt's events to us: ComfyUI sends execution messages only to the socket whose sid is the prompt's client_id.
 */
import WebSocket from 'ws';
import type { ILogger } from '../logger';
import { abortedError, ComfyError, httpError, networkCode, unreachableError } from './errors';
import type { WsMessage } from './types';

export interface ReconnectPolicy {
  /** Attempts after a drop before giving up. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export type SocketState = 'connected' | 'reconnecting' | 'closed';

export interface ComfySocketOptions {
  url: URL;
  /** Shown in messages: the server's base URL. */
  serverUrl: string;
  headers: Record<string, string>;
  reconnect: ReconnectPolicy;
  connectTimeoutMs: number;
  /** Ping period; a socket whose pong does not come back within it is treated as dropped. */
  pingIntervalMs: number;
  logger: ILogger;
  /** A text message and its frame's size in bytes. */
  onMessage(msg: WsMessage, at: number, bytes: number): void;
  onBinary(buf: Uint8Array, at: number): void;
  /** 'connected' after every open (`reconnected` after a drop); 'closed' only when reconnecting gave up. */
  onState(state: SocketState, info: { attempt?: number; reconnected?: boolean }): void;
}

/**
 * The largest WebSocket frame accepted. The biggest legitimate one is a preview: ComfyUI's own are JPEGs
 * of at most 512 px (--preview-size), and a custom node's full-size preview of a 2048² image is a few MB
 * as JPEG; even a 2048² RGBA PNG stored without compression is 16 MiB. 20 MiB keeps all of those, and
 * `ws` refuses a longer frame from its header, before buffering it, so a flood of 60 MB frames costs
 * nothing: each one closes the socket (code 1009), is logged once, and the socket reconnects.
 */
export const MAX_FRAME_BYTES = 20 * 1024 * 1024;

/** Asks the server for type-4 previews that carry their prompt id; ComfyUI reads feature flags only from a socket's first message. */
export const FEATURE_FLAGS_MESSAGE = JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } });

export class ComfySocket {
  private readonly o: ComfySocketOptions;
  private ws?: WebSocket;
  private opening?: Promise<void>;
  private stopped = true;
  private attempt = 0;
  private reconnectTimer?: NodeJS.Timeout;
  private pingTimer?: NodeJS.Timeout;

  constructor(opts: ComfySocketOptions) {
    this.o = opts;
  }

  get isOpen(): boolean {
    return this.ws?.readyState === WebSocket.OPEN;
  }

  /**
   * Opens the socket if needed. During a reconnect backoff it tries at once; that try counts as an
   * attempt, unless `fresh` (a user's Retry), which starts the budget of attempts over: asking again
   * must never bring the give-up nearer.
   */
  async connect(signal?: AbortSignal, opts: { fresh?: boolean } = {}): Promise<void> {
    if (signal?.aborted) throw abortedError('Connecting to ComfyUI', this.o.serverUrl);
    this.stopped = false;
    if (this.isOpen) return;
    if (opts.fresh) this.attempt = 0;
    const backingOff = this.reconnectTimer !== undefined;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    const opening = this.tryOpen();
    // A failed early attempt during a reconnect still counts: keep backing off.
    if (backingOff) opening.catch(() => this.retryLater());
    if (!signal) return opening;
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => reject(abortedError('Connecting to ComfyUI', this.o.serverUrl));
      signal.addEventListener('abort', onAbort, { once: true });
      opening.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  /** Closes for good (until the next connect): no reconnect, no state callback. */
  close(): void {
    this.stopped = true;
    this.attempt = 0;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.pingTimer);
    this.reconnectTimer = undefined;
    const ws = this.ws;
    this.ws = undefined;
    if (ws) {
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
    }
  }

  private open(): Promise<void> {
    const wasReconnecting = this.attempt > 0;
    return new Promise<void>((resolve, reject) => {
      // perMessageDeflate off: previews are already JPEG, compressing them only costs the server CPU.
      const ws = new WebSocket(this.o.url, {
        headers: this.o.headers,
        handshakeTimeout: this.o.connectTimeoutMs,
        perMessageDeflate: false,
        maxPayload: MAX_FRAME_BYTES,
      });
      let opened = false;
      ws.on('unexpected-response', (_req, res) => {
        const status = res.statusCode ?? 0;
        res.resume();
        ws.removeAllListeners('error');
        ws.on('error', () => {});
        ws.terminate();
        reject(httpError(status, '', this.o.serverUrl, 'The WebSocket /ws'));
      });
      ws.on('error', (err) => {
        if (!opened) {
          const timedOut = /timed out/i.test(err.message) && !networkCode(err);
          reject(
            timedOut
              ? new ComfyError('timeout', `ComfyUI at ${this.o.serverUrl} did not accept the WebSocket in time.`, {
                  url: this.o.serverUrl,
                  cause: err,
                })
              : unreachableError(this.o.serverUrl, err),
          );
        } else if ((err as { code?: string }).code === 'WS_ERR_UNSUPPORTED_MESSAGE_LENGTH') {
          this.o.logger.warn(
            `ComfyUI at ${this.o.serverUrl} sent a WebSocket frame over ${MAX_FRAME_BYTES / 1048576} MiB (the most a preview can be); dropped it and reconnecting`,
          );
        } else {
          this.o.logger.warn(`ComfyUI socket error: ${err.message}`);
        }
      });
      ws.on('open', () => {
        opened = true;
        if (this.stopped) {
          ws.terminate();
          reject(abortedError('Connecting to ComfyUI', this.o.serverUrl));
          return;
        }
        this.ws = ws;
        ws.send(FEATURE_FLAGS_MESSAGE);
        this.attempt = 0;
        this.startPing(ws);
        this.o.logger.info(`Connected to ComfyUI at ${this.o.serverUrl}${wasReconnecting ? ' (reconnected)' : ''}`);
        resolve();
        this.o.onState('connected', { reconnected: wasReconnecting });
      });
      ws.on('message', (data, isBinary) => this.receive(data, isBinary));
      ws.on('close', () => {
        if (!opened || this.ws !== ws) return;
        this.ws = undefined;
        clearInterval(this.pingTimer);
        if (!this.stopped) {
          this.o.logger.warn(`Lost the WebSocket to ComfyUI at ${this.o.serverUrl}`);
          this.scheduleReconnect();
        }
      });
    });
  }

  private receive(data: WebSocket.RawData, isBinary: boolean): void {
    const at = Date.now();
    const buf = Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data);
    if (isBinary) {
      this.o.onBinary(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), at);
      return;
    }
    let msg: unknown;
    try {
      msg = JSON.parse(buf.toString('utf8'));
    } catch {
      this.o.logger.debug('Ignored a WebSocket text frame that is not JSON');
      return;
    }
    if (msg && typeof msg === 'object' && typeof (msg as WsMessage).type === 'string') {
      this.o.onMessage(msg as WsMessage, at, buf.byteLength);
    }
  }

  private startPing(ws: WebSocket): void {
    let alive = true;
    ws.on('pong', () => {
      alive = true;
    });
    clearInterval(this.pingTimer);
    this.pingTimer = setInterval(() => {
      if (!alive) {
        this.o.logger.warn('ComfyUI did not answer a WebSocket ping; reconnecting');
        ws.terminate();
        return;
      }
      alive = false;
      ws.ping();
    }, this.o.pingIntervalMs);
    this.pingTimer.unref();
  }

  private scheduleReconnect(): void {
    const { maxAttempts, baseDelayMs, maxDelayMs } = this.o.reconnect;
    this.attempt++;
    if (this.attempt > maxAttempts) {
      this.attempt = 0;
      this.stopped = true;
      this.o.logger.error(`Gave up reconnecting to ComfyUI at ${this.o.serverUrl} after ${maxAttempts} attempts`);
      this.o.onState('closed', { attempt: maxAttempts });
      return;
    }
    const attempt = this.attempt;
    const delay = Math.min(maxDelayMs, baseDelayMs * 2 ** (attempt - 1));
    this.o.onState('reconnecting', { attempt });
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      if (this.stopped) return;
      this.tryOpen().catch((e: unknown) => {
        this.o.logger.debug(`Reconnect attempt ${attempt} failed: ${String(e)}`);
        this.retryLater();
      });
    }, delay);
  }

  private tryOpen(): Promise<void> {
    this.opening ??= this.open().finally(() => {
      this.opening = undefined;
    });
    return this.opening;
  }

  private retryLater(): void {
    if (!this.stopped && !this.isOpen && !this.reconnectTimer && !this.opening) this.scheduleReconnect();
  }
}
