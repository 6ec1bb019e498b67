/**
 * A deliberately small ComfyUI client (plain http + ws) for testing the test server itself, so that
 * its tests do not depend on the project's client.
 */
import * as http from 'node:http';
import { WebSocket } from 'ws';

export interface HttpReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  bytes: Buffer;
  text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  json: any;
}

/** One HTTP request; `body` objects are sent as JSON, strings as they are. */
export function request(
  baseUrl: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const data = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
    const req = http.request(
      baseUrl + path,
      { method, headers: { ...headers, ...(data !== undefined ? { 'Content-Type': 'application/json' } : {}) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          const text = bytes.toString('utf8');
          let json: unknown;
          try {
            json = JSON.parse(text);
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, bytes, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(data);
  });
}

export type WsEvent =
  | { kind: 'text'; type: string; data: any; at: number }
  | { kind: 'binary'; event: number; format?: number; meta?: Record<string, unknown>; image: Buffer; at: number };

export class RawSocket {
  readonly events: WsEvent[] = [];
  private waiters: (() => void)[] = [];
  closed = false;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (isBinary) {
        const event = data.readUInt32BE(0);
        if (event === 4) {
          const n = data.readUInt32BE(4);
          this.push({
            kind: 'binary',
            event,
            meta: JSON.parse(data.subarray(8, 8 + n).toString('utf8')),
            image: data.subarray(8 + n),
            at: Date.now(),
          });
        } else {
          this.push({ kind: 'binary', event, format: data.readUInt32BE(4), image: data.subarray(8), at: Date.now() });
        }
      } else {
        const m = JSON.parse(data.toString('utf8')) as { type: string; data: unknown };
        this.push({ kind: 'text', type: m.type, data: m.data, at: Date.now() });
      }
    });
    ws.on('close', () => {
      this.closed = true;
      this.wake();
    });
    ws.on('error', () => undefined);
  }

  /** Connects, optionally negotiates preview metadata (as the first message), and waits for the greeting(s). */
  static async open(baseUrl: string, opts: { clientId?: string; featureFlags?: boolean; path?: string } = {}): Promise<RawSocket> {
    const q = opts.clientId ? `?clientId=${encodeURIComponent(opts.clientId)}` : '';
    const ws = new WebSocket(baseUrl.replace(/^http/, 'ws') + (opts.path ?? '/ws') + q);
    const s = new RawSocket(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    await s.waitFor((e) => e.kind === 'text' && e.type === 'status');
    if (opts.featureFlags) {
      ws.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
      await s.waitFor((e) => e.kind === 'text' && e.type === 'feature_flags');
    }
    return s;
  }

  get sid(): string {
    const first = this.events.find((e) => e.kind === 'text' && e.type === 'status');
    return (first as { data: { sid: string } }).data.sid;
  }

  texts(): { type: string; data: any }[] {
    return this.events
      .filter((e): e is Extract<WsEvent, { kind: 'text' }> => e.kind === 'text')
      .map((e) => ({ type: e.type, data: e.data }));
  }

  private push(e: WsEvent): void {
    this.events.push(e);
    this.wake();
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) {
      f();
    }
  }

  /** Resolves with the first event (from `from` on) that matches; rejects after `timeoutMs` or on close. */
  async waitFor(pred: (e: WsEvent) => boolean, timeoutMs = 5000, from = 0): Promise<WsEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.events.slice(from).find(pred);
      if (hit) {
        return hit;
      }
      if (this.closed) {
        throw new Error('socket closed while waiting');
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error('timed out waiting for a WebSocket event');
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  /** Waits for `executing {node: null}` of the prompt: the run is over and its history is written. */
  waitDone(promptId: string, timeoutMs = 10000): Promise<WsEvent> {
    return this.waitFor(
      (e) => e.kind === 'text' && e.type === 'executing' && e.data.node === null && e.data.prompt_id === promptId,
      timeoutMs,
    );
  }

  close(): void {
    this.ws.terminate();
  }
}
