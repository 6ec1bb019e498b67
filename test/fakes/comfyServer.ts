/**
 * A ComfyUI 0.33 stand-in on 127.0.0.1 that speaks the real HTTP + WebSocket protocol (see
 * ../../test/fixtures/comfy/*.jsonl for what the real server said). Used by the tests and by
 * `npm run comfy:test-server` for people without a GPU.
 *
 * Honest differences from a real server: previews (WS frames and /view?preview=…) are PNGs, not
 * JPEG/WebP (the type fields say so: image_format 2, image_type "image/png", Content-Type image/png);
 * images are drawn, not sampled; model files whose name contains "__fail__" fail in their loader.
 *
 * Routing is ComfyUI's (server.py PromptServer.send_json/send_bytes: `sid=None` goes to every registered
 * socket, a sid to that socket only, and an unknown sid to nobody). What is sent with the running prompt's
 * `server.client_id` as sid: execution_start, execution_cached, execution_success, execution_error
 * (execution.py PromptExecutor.add_message, broadcast=False: not sent at all without a client_id),
 * executing and executed (execution.py execute(), only when client_id is set), executing {node: null}
 * (main.py prompt_worker, likewise), progress and the legacy preview frame (main.py hijack_progress),
 * progress_state and the type-4 preview (comfy_execution/progress.py WebUIProgressHandler). With no
 * client_id those with a `server.client_id` sid become broadcasts (progress, progress_state, legacy
 * previews, and execution_interrupted, add_message broadcast=True). Only `status` (PromptServer.queue_updated)
 * goes to everyone whatever the prompt. The preview format follows the prompt's client socket
 * (feature_flags.supports_feature(sockets_metadata, server.client_id, …)), so a prompt without one sends
 * legacy frames to every socket.
 */
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { ApiGraph } from '../../src/core/comfy/types';
import { Engine, HistoryItem, Job, PreviewMeta, Sink, VRAM_TOTAL } from './engine';
import { promptKeyOrder } from './graph';
import { encodePng } from './imageGen';
import { FEATURES, loadObjectInfo, MODEL_FILES, ObjectInfo, objectInfoJson } from './objectInfo';
import { validatePrompt } from './validate';
import { parseMultipart, Uploads } from './uploads';
import { PNG } from 'pngjs';
import { flood, Flood, foreignProgressFrame, HugePng, hugePng, hugePngLength } from './hostile';

export interface FakeComfyOptions {
  port?: number; // default 0 (ephemeral)
  msPerStep?: number; // sampler time per step, default 5
  loadMs?: number; // extra time of each loader node when not cached (cold), default 20
  nodeMs?: number; // time of every other executing node, default 2
  previews?: boolean; // send preview frames when the prompt asks (extra_data.preview_method != none), default true
  maxImageSide?: number; // cap of the PNG side written (the graph's latent size, clamped), default 1024
  gpu?: string; // the device name /system_stats reports, default 'NVIDIA GeForce RTX 4090' (one ComfyUI per GPU in a pool)
  comfyuiVersion?: string; // default '0.33.0'
  withoutModels?: string[]; // model files this server lacks: left out of /object_info's lists (so POST /prompt rejects them)
}
export interface FaultSwitches {
  dropSocketAfter?: number; // close every WS after it has sent this many more messages (then clears itself)
  stall?: boolean; // accept prompts but never start them (execution never begins)
  stallAfter?: number; // start this many prompts in all (since the server started), then accept the rest but never start them
  stallMidRun?: boolean; // start a job, then stop sending anything (a hung job)
  http500?: string[]; // routes (e.g. '/history', '/view') answering 500 with a plain-text body
  historyEmptyFor?: number; // answer `{}` to this many /history/{id} requests of finished prompts first
  historyExtraImage?: boolean; // /history lists a second saved image that no `executed` message named
  holdHistory?: boolean; // keep every /history/{id} request waiting while set (a slow server); answered once cleared
  viewFailures?: number; // answer 500 to this many /view requests first
  refuseConnections?: boolean; // destroy every new TCP connection (like a dead server that still listens)
  failMessage?: string; // the exception_message of the execution_error a "__fail__" model file raises
  imageName?: { filename: string; subfolder: string }; // announce every saved output image under this name
  // (executed, /history); /view serves it by exactly that name
  ignoreClientId?: boolean; // give every new socket a fresh random sid whatever its ?clientId= (a proxy that strips
  // the query, or sends HTTP and WebSocket to different servers): no execution message
  // of the client's prompts reaches it, `status` broadcasts still do
  hugePng?: HugePng; // every /view answer is a PNG whose IHDR declares this size (RGBA), with a small body
  // (or, with `complete`, all its zero pixels as a few MB of zlib stream)
  binaryFlood?: Flood; // at the next sampling step, send `count` binary frames of `bytes` each (previews padded
  // with zeros, in the socket's preview format) to the prompt's socket(s); then clears itself
  outputCount?: number; // each SaveImage announces this many output images (executed, /history), all served by
  // /view as its first real image
  hangHeaders?: string[]; // routes whose response sends its status line and one header, then never finishes the
  // headers (a hung proxy); the request is not handled
  textFlood?: Flood; // at the next sampling step, send `count` text frames of `bytes` each to every socket: a
  // `progress_state` of a prompt nobody posted (padded), one at a time; then clears itself
  legacyPreviews?: boolean; // a server without preview metadata (before feature flags): every preview frame is
  // type 1, without prompt id, whatever the socket negotiated
  dieAtStep?: { step: number; reviveAfterMs?: number }; // the server dies (kill()) when a job reaches this sampling
  // step, and comes back after reviveAfterMs if given; then clears itself
}
export interface FakeComfy {
  readonly url: string; // 'http://127.0.0.1:PORT'
  readonly port: number;
  faults: FaultSwitches; // mutable at any time
  /** Every HTTP request seen: method, path (without /api prefix), query, parsed JSON body. */
  readonly requests: { method: string; path: string; query: Record<string, string>; body?: unknown; authorization?: string }[];
  /** The Authorization header of every WebSocket upgrade ('' when absent), in order. */
  readonly upgrades: string[];
  /** Every WS text message sent, per client id, in order (for conformance checks). */
  readonly sent: Map<string, { type: string; data: any }[]>;
  /** Simulates a ComfyUI restart: drops sockets, forgets queue/history/cache/running job, keeps the port. */
  restart(): Promise<void>;
  /** Closes every WebSocket now (network drop). */
  dropSockets(): void;
  /**
   * The process dies: every socket and connection cut, queue/history/cache forgotten, and the port closed, so
   * connecting fails with ECONNREFUSED (unlike refuseConnections, which accepts and resets). Comes back on
   * revive(), or by itself after reviveAfterMs.
   */
  kill(opts?: { reviveAfterMs?: number }): Promise<void>;
  /** Listens again on the same port after kill(): a freshly started ComfyUI. */
  revive(): Promise<void>;
  close(): Promise<void>;
}

const TEXT_500 = '500 Internal Server Error\n\nServer got itself in trouble';
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SENSITIVE_KEYS = ['api_key_comfy_org', 'auth_token_comfy_org'];
const MIB = 1024 ** 2;
/** Device memory that is not torch's: the CUDA context (and other processes), constant as in the recording. */
const CUDA_CONTEXT = 600 * MIB;

interface Client {
  ws: WebSocket;
  sid: string;
  /** Cut by the server (dropSockets, kill): it was unregistered then, so its close must not unregister anew. */
  cut: boolean;
  metadata: boolean;
  sawText: boolean;
  sentSinceFault: number;
  /** Legacy (type 1) preview frames waiting for the next text message. */
  deferred: Buffer[];
}

type Reply = { status: number; body?: Buffer | string; type?: string; headers?: Record<string, string>; stream?: Iterable<Buffer> };
const json = (value: unknown, status = 200): Reply => ({ status, body: JSON.stringify(value), type: 'application/json; charset=utf-8' });
const empty = (status = 200): Reply => ({ status });

/** Python truthiness of a JSON value. */
function pyTruthy(v: unknown): boolean {
  if (Array.isArray(v)) {
    return v.length > 0;
  }
  if (v && typeof v === 'object') {
    return Object.keys(v).length > 0;
  }
  return v !== null && v !== undefined && v !== false && v !== 0 && v !== '';
}

const isDict = (v: unknown): v is Record<string, unknown> => !!v && typeof v === 'object' && !Array.isArray(v);

/** Python's `key in value` on parsed JSON; a TypeError (answered 500) where Python raises one. */
function pyIn(key: string, v: unknown): boolean {
  if (isDict(v)) {
    return key in v;
  }
  if (Array.isArray(v)) {
    return v.includes(key);
  }
  if (typeof v === 'string') {
    return v.includes(key);
  }
  throw new TypeError('argument of type is not iterable');
}

/** Python's `value[key]` for a key that `pyIn` found: only a dict can be indexed by a string. */
function pyGet(v: unknown, key: string): unknown {
  if (isDict(v)) {
    return v[key];
  }
  throw new TypeError('indices must be integers or slices, not str');
}

/** Python's `for x in value` on parsed JSON. */
function pyIter(v: unknown): unknown[] {
  if (Array.isArray(v)) {
    return v;
  }
  if (isDict(v)) {
    return Object.keys(v);
  }
  if (typeof v === 'string') {
    return [...v];
  }
  throw new TypeError('object is not iterable');
}

function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h);
}

/** Splits a netloc into lower-case host and port ('' when absent). */
function splitNetloc(netloc: string): [string, string] | undefined {
  const m = /^(\[[^\]]+\]|[^:]*)(?::(\d*))?$/.exec(netloc.toLowerCase());
  return m ? [m[1], m[2] ?? ''] : undefined;
}

/** ComfyUI's origin-only guard (no CORS): cross-site fetches and foreign origins on a loopback host get 403. */
function originRejected(req: http.IncomingMessage): boolean {
  if (req.headers['sec-fetch-site'] === 'cross-site') {
    return true;
  }
  const host = req.headers.host;
  const origin = req.headers.origin;
  if (!host || !origin) {
    return false;
  }
  const h = splitNetloc(host);
  if (!h || !isLoopbackHost(h[0])) {
    return false;
  }
  const netloc = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]*)/i.exec(origin)?.[1];
  const o = netloc ? splitNetloc(netloc) : undefined;
  if (!o) {
    return false;
  }
  // Ports count only when both sides name one.
  return h[0] !== o[0] || (h[1] !== '' && o[1] !== '' && h[1] !== o[1]);
}

class FakeComfyServer implements FakeComfy, Sink {
  faults: FaultSwitches = {};
  readonly requests: FakeComfy['requests'] = [];
  readonly upgrades: string[] = [];
  readonly sent = new Map<string, { type: string; data: any }[]>();
  port = 0;
  private readonly server: http.Server;
  private readonly wss = new WebSocketServer({ noServer: true });
  /** The registered sockets by sid (server.py's `self.sockets`): whom a message to a sid, or a broadcast, reaches. */
  private readonly clients = new Map<string, Client>();
  /** Every open socket, registered or not (an older socket of a reused sid stays open, unregistered). */
  private readonly open = new Set<Client>();
  private readonly info: ObjectInfo;
  private readonly gpu: string;
  private readonly version: string;
  private readonly root = fs.mkdtempSync(path.join(os.tmpdir(), 'fake-comfy-'));
  /** POST /upload/image and /upload/mask into root/input (temp, output). */
  readonly uploads = new Uploads(this.root);
  private readonly engine: Engine;
  private number = 0;
  /** Every open TCP connection (HTTP and upgraded WebSocket), so restart and close can cut them all. */
  private readonly tcp = new Set<Socket>();
  private closing = false;
  private dead = false;
  private reviveTimer?: NodeJS.Timeout;

  constructor(opts: FakeComfyOptions) {
    this.info = withoutModels(loadObjectInfo(), opts.withoutModels ?? []);
    this.gpu = opts.gpu ?? 'NVIDIA GeForce RTX 4090';
    this.version = opts.comfyuiVersion ?? '0.33.0';
    for (const d of ['output', 'temp', 'input']) {
      fs.mkdirSync(path.join(this.root, d));
    }
    this.engine = new Engine(
      {
        msPerStep: opts.msPerStep ?? 5,
        loadMs: opts.loadMs ?? 20,
        nodeMs: opts.nodeMs ?? 2,
        previews: opts.previews ?? true,
        maxImageSide: opts.maxImageSide ?? 1024,
      },
      this.info,
      this,
      path.join(this.root, 'output'),
      path.join(this.root, 'temp'),
    );
    this.engine.stall = () =>
      this.faults.stall === true || (this.faults.stallAfter !== undefined && this.engine.started >= this.faults.stallAfter);
    this.engine.stallMidRun = () => this.faults.stallMidRun === true;
    this.engine.failMessage = () => this.faults.failMessage;
    this.engine.outputName = () => this.faults.imageName;
    this.engine.historyExtraImage = () => this.faults.historyExtraImage === true;
    this.engine.outputCount = () => this.faults.outputCount;
    this.server = http.createServer((req, res) => {
      void this.onRequest(req, res);
    });
    this.server.on('connection', (socket: Socket) => {
      if (this.faults.refuseConnections || this.closing) {
        socket.destroy();
        return;
      }
      this.tcp.add(socket);
      socket.on('close', () => this.tcp.delete(socket));
    });
    this.server.on('upgrade', (req, socket, head) => this.onUpgrade(req, socket, head));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  listen(port: number): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => {
        this.port = (this.server.address() as { port: number }).port;
        resolve();
      });
    });
  }

  // ---- Sink: what the engine sends ----

  send(type: string, data: unknown, clientId: string | undefined): void {
    const text = JSON.stringify({ type, data });
    for (const c of this.targets(clientId)) {
      let log = this.sent.get(c.sid);
      if (!log) {
        this.sent.set(c.sid, (log = []));
      }
      log.push({ type, data: JSON.parse(text).data });
      this.deliver(c, text);
    }
  }

  preview(image: Buffer, meta: PreviewMeta, clientId: string | undefined): void {
    // The format is the prompt's client socket's (a prompt without client_id: legacy frames to everyone).
    const withMeta = this.clientMetadata(clientId);
    for (const c of this.targets(clientId)) {
      if (withMeta) {
        this.deliver(c, this.previewFrame(image, meta, true));
      } else {
        // ComfyUI encodes legacy previews in its send loop, so they arrive just after the step's `progress`.
        c.deferred.push(this.previewFrame(image, meta, false));
      }
    }
  }

  async step(k: number, meta: PreviewMeta, clientId: string | undefined): Promise<void> {
    const die = this.faults.dieAtStep;
    if (die && k >= die.step) {
      this.faults.dieAtStep = undefined;
      await this.kill({ reviveAfterMs: die.reviveAfterMs });
      return;
    }
    const t = this.faults.textFlood;
    if (t) {
      this.faults.textFlood = undefined;
      const sockets = [...this.clients.values()].map((c) => c.ws);
      await flood(sockets, foreignProgressFrame(t.bytes, randomUUID()), t, false);
    }
    const f = this.faults.binaryFlood;
    if (!f) {
      return;
    }
    this.faults.binaryFlood = undefined;
    const withMeta = this.clientMetadata(clientId);
    const head = this.previewFrame(encodePng(Buffer.alloc(8 * 8 * 4, 128), 8, 8), meta, withMeta);
    await flood(
      this.targets(clientId).map((c) => c.ws),
      head,
      f,
    );
  }

  /** feature_flags.supports_feature(sockets_metadata, server.client_id, 'supports_preview_metadata'). */
  private clientMetadata(clientId: string | undefined): boolean {
    return !this.faults.legacyPreviews && clientId !== undefined && this.clients.get(clientId)?.metadata === true;
  }

  /** Type 4 (metadata JSON, then the image) or type 1 (image format 2 = PNG, then the image). */
  private previewFrame(image: Buffer, meta: PreviewMeta, withMeta: boolean): Buffer {
    const head = Buffer.alloc(8);
    if (withMeta) {
      const m = Buffer.from(JSON.stringify(meta));
      head.writeUInt32BE(4, 0);
      head.writeUInt32BE(m.length, 4);
      return Buffer.concat([head, m, image]);
    }
    head.writeUInt32BE(1, 0);
    head.writeUInt32BE(meta.image_type === 'image/png' ? 2 : 1, 4);
    return Buffer.concat([head, image]);
  }

  private targets(clientId: string | undefined): Client[] {
    if (clientId === undefined) {
      return [...this.clients.values()];
    }
    const c = this.clients.get(clientId);
    return c ? [c] : [];
  }

  private deliver(c: Client, payload: string | Buffer): void {
    if (c.ws.readyState !== WebSocket.OPEN) {
      return;
    }
    c.ws.send(payload);
    if (typeof payload === 'string' && c.deferred.length > 0) {
      for (const frame of c.deferred.splice(0)) {
        this.deliver(c, frame);
      }
    }
    const limit = this.faults.dropSocketAfter;
    if (limit === undefined) {
      c.sentSinceFault = 0;
      return;
    }
    if (++c.sentSinceFault >= limit) {
      // A network drop: every socket goes at once, and the switch is spent.
      this.faults.dropSocketAfter = undefined;
      this.dropSockets();
    }
  }

  // ---- WebSocket ----

  private onUpgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    this.upgrades.push(req.headers.authorization ?? '');
    if (this.faults.refuseConnections) {
      socket.destroy();
      return;
    }
    if (url.pathname !== '/ws' && url.pathname !== '/api/ws') {
      socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n', () => socket.destroy());
      return;
    }
    if (originRejected(req)) {
      socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n', () => socket.destroy());
      return;
    }
    // server.py websocket_handler: `sid = request.rel_url.query.get('clientId', '')`, else uuid4().hex.
    const asked = this.faults.ignoreClientId ? '' : (url.searchParams.get('clientId') ?? '');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onSocket(ws, asked || randomUUID().replace(/-/g, '')));
  }

  private onSocket(ws: WebSocket, sid: string): void {
    // As websocket_handler: a reused sid only unregisters the older socket (`self.sockets.pop(sid)`), which stays
    // open and hears nothing more; and when any socket of that sid closes, its `finally: self.sockets.pop(sid)`
    // unregisters the sid, even if a newer socket holds it then (which then hears nothing, not even `status`).
    const c: Client = { ws, sid, cut: false, metadata: false, sawText: false, sentSinceFault: 0, deferred: [] };
    this.clients.set(sid, c);
    this.open.add(c);
    ws.on('close', () => {
      this.open.delete(c);
      if (!c.cut) {
        this.clients.delete(sid);
      }
    });
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) => {
      if (isBinary || c.sawText) {
        return;
      }
      c.sawText = true;
      try {
        const msg = JSON.parse(data.toString()) as { type?: string; data?: { supports_preview_metadata?: unknown } };
        if (msg.type === 'feature_flags') {
          c.metadata = msg.data?.supports_preview_metadata === true;
          this.send('feature_flags', FEATURES, sid);
        }
      } catch {
        /* ComfyUI ignores what it cannot parse */
      }
    });
    this.send('status', { status: { exec_info: { queue_remaining: this.engine.queueRemaining() } }, sid }, sid);
    const running = this.engine.running;
    if (running?.node && running.job.extra.client_id === sid) {
      this.send('executing', { node: running.node }, sid);
    }
  }

  dropSockets(): void {
    // Both ends notice a drop here at once, so each socket is unregistered now, not when its close arrives.
    for (const c of this.open) {
      c.cut = true;
      c.ws.terminate();
    }
    this.open.clear();
    this.clients.clear();
  }

  async restart(): Promise<void> {
    this.dropSockets();
    this.engine.reset();
    this.number = 0;
    for (const s of this.tcp) {
      s.destroy();
    }
  }

  async kill(opts: { reviveAfterMs?: number } = {}): Promise<void> {
    if (this.dead || this.closing) {
      return;
    }
    this.dead = true;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.restart();
    await closed;
    if (opts.reviveAfterMs !== undefined) {
      this.reviveTimer = setTimeout(() => {
        void this.revive();
      }, opts.reviveAfterMs);
    }
  }

  async revive(): Promise<void> {
    clearTimeout(this.reviveTimer);
    if (!this.dead || this.closing) {
      return;
    }
    await this.listen(this.port);
    this.dead = false;
  }

  async close(): Promise<void> {
    this.closing = true;
    clearTimeout(this.reviveTimer);
    this.engine.close();
    this.dropSockets();
    this.wss.close();
    for (const s of this.tcp) {
      s.destroy();
    }
    if (!this.dead) {
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
    }
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  // ---- HTTP ----

  private async onRequest(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    // Also kept-alive connections: a dead server answers nothing.
    if (this.faults.refuseConnections) {
      req.socket.destroy();
      return;
    }
    const chunks: Buffer[] = [];
    for await (const chunk of req) {
      chunks.push(chunk as Buffer);
    }
    const bytes = Buffer.concat(chunks);
    const raw = bytes.toString('utf8');
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const route = url.pathname.startsWith('/api/') ? url.pathname.slice(4) : url.pathname;
    const query = Object.fromEntries(url.searchParams);
    let body: unknown;
    try {
      body = raw ? JSON.parse(raw) : undefined;
    } catch {
      body = undefined;
    }
    this.requests.push({
      method: req.method ?? 'GET',
      path: route,
      query,
      ...(body !== undefined ? { body } : {}),
      ...(req.headers.authorization ? { authorization: req.headers.authorization } : {}),
    });
    while (this.faults.holdHistory && route.startsWith('/history/') && !this.closing) {
      await new Promise((r) => setTimeout(r, 5));
    }
    if ((this.faults.hangHeaders ?? []).some((r) => route === r || route.startsWith(r + '/'))) {
      // A hung proxy: the status line and a header, then nothing until the connection is cut.
      req.socket.write('HTTP/1.1 200 OK\r\nContent-Type: application/json; charset=utf-8\r\n');
      return;
    }
    let reply: Reply;
    if (originRejected(req)) {
      reply = empty(403);
    } else if ((this.faults.http500 ?? []).some((r) => route === r || route.startsWith(r + '/'))) {
      reply = { status: 500, body: TEXT_500, type: 'text/plain; charset=utf-8' };
    } else {
      try {
        const upload = req.method === 'POST' ? (/^\/upload\/(image|mask)$/.exec(route)?.[1] as 'image' | 'mask' | undefined) : undefined;
        reply = upload
          ? this.uploads[upload](parseMultipart(bytes, req.headers['content-type']))
          : this.route(req.method ?? 'GET', route, query, raw);
      } catch {
        reply = { status: 500, body: TEXT_500, type: 'text/plain; charset=utf-8' };
      }
    }
    const headers: Record<string, string> = { ...reply.headers };
    if (reply.type) {
      headers['Content-Type'] = reply.type;
    }
    res.writeHead(reply.status, headers);
    if (!reply.stream) {
      res.end(reply.body);
      return;
    }
    // Generated piece by piece, each written once the last one drained.
    for (const piece of reply.stream) {
      if (res.destroyed) {
        return;
      }
      if (!res.write(piece)) {
        // One listener pair per wait, both removed after: a 20 MB image waits hundreds of times.
        await new Promise<void>((r) => {
          const done = () => {
            res.off('drain', done);
            res.off('close', done);
            r();
          };
          res.once('drain', done);
          res.once('close', done);
        });
      }
    }
    res.end();
  }

  private route(method: string, route: string, query: Record<string, string>, raw: string): Reply {
    const get = method === 'GET';
    const post = method === 'POST';
    let m: RegExpExecArray | null;
    if (get && route === '/system_stats') {
      return json(this.systemStats());
    }
    if (get && route === '/features') {
      return json(FEATURES);
    }
    if (get && route === '/prompt') {
      return json({ exec_info: { queue_remaining: this.engine.queueRemaining() } });
    }
    if (post && route === '/prompt') {
      return this.postPrompt(raw);
    }
    if (get && route === '/queue') {
      const r = this.engine.running;
      return json({ queue_running: r ? [this.queueItem(r.job)] : [], queue_pending: this.engine.pending.map((j) => this.queueItem(j)) });
    }
    if (post && route === '/queue') {
      return this.postQueue(raw);
    }
    if (post && route === '/interrupt') {
      return this.postInterrupt(raw);
    }
    if (post && route === '/free') {
      // `await request.json()` (a 500 for no body or bad JSON), then `.get` (a 500 unless an object).
      if (!isDict(JSON.parse(raw))) {
        throw new TypeError('no attribute get');
      }
      return empty();
    }
    if (get && route === '/history') {
      return json(this.historyList(query));
    }
    if (get && (m = /^\/history\/([^/]+)$/.exec(route))) {
      const item = this.engine.history.get(m[1]);
      if (item && (this.faults.historyEmptyFor ?? 0) > 0) {
        this.faults.historyEmptyFor!--;
        return json({});
      }
      return json(item ? { [m[1]]: item } : {});
    }
    if (post && route === '/history') {
      const data: unknown = JSON.parse(raw);
      if (pyIn('clear', data) && pyTruthy(pyGet(data, 'clear'))) {
        this.engine.history.clear();
      }
      if (pyIn('delete', data)) {
        for (const id of pyIter(pyGet(data, 'delete'))) {
          if (id && typeof id === 'object') {
            throw new TypeError('unhashable type');
          }
          if (typeof id === 'string') {
            this.engine.history.delete(id);
          }
        }
      }
      return empty();
    }
    if (get && route === '/view') {
      return this.view(query);
    }
    if (get && route === '/object_info') {
      return { status: 200, body: objectInfoJson(this.info), type: 'application/json; charset=utf-8' };
    }
    if (get && (m = /^\/object_info\/(.+)$/.exec(route))) {
      const cls = decodeURIComponent(m[1]);
      return {
        status: 200,
        body: objectInfoJson(this.info[cls] ? { [cls]: this.info[cls] } : {}),
        type: 'application/json; charset=utf-8',
      };
    }
    if (get && route === '/models') {
      return json(Object.keys(MODEL_FILES));
    }
    if (get && (m = /^\/models\/([^/]+)$/.exec(route))) {
      const files = MODEL_FILES[decodeURIComponent(m[1])];
      return files ? json(files) : { status: 404, body: '404: Not Found', type: 'text/plain; charset=utf-8' };
    }
    if (get && route === '/embeddings') {
      return json(MODEL_FILES.embeddings);
    }
    if (get && route === '/extensions') {
      return json([]);
    }
    if (get && route === '/jobs') {
      return this.jobsList(query);
    }
    if (get && (m = /^\/jobs\/([^/]+)$/.exec(route))) {
      const job = this.job(m[1], true);
      return job ? json(job) : json({ error: 'Job not found' }, 404);
    }
    if (post && (m = /^\/jobs\/([^/]+)\/cancel$/.exec(route))) {
      const id = m[1];
      if (this.engine.running?.job.id === id) {
        this.engine.interrupt();
        return json({ cancelled: true });
      }
      return json({ cancelled: this.engine.deletePending(id) });
    }
    return { status: 404, body: '404: Not Found', type: 'text/plain; charset=utf-8' };
  }

  private postPrompt(raw: string): Reply {
    const data = JSON.parse(raw) as Record<string, unknown>;
    if (!data || typeof data !== 'object' || Array.isArray(data)) {
      throw new Error('not an object');
    }
    let number: number;
    if ('number' in data) {
      number = Number(data.number);
    } else {
      number = data.front ? -this.number : this.number;
      this.number++;
    }
    if (!('prompt' in data)) {
      return json(
        { error: { type: 'no_prompt', message: 'No prompt provided', details: 'No prompt provided', extra_info: {} }, node_errors: {} },
        400,
      );
    }
    const promptId = 'prompt_id' in data ? (typeof data.prompt_id === 'string' ? data.prompt_id : String(data.prompt_id)) : randomUUID();
    if (!UUID_RE.test(promptId)) {
      return json(
        {
          error: {
            type: 'invalid_prompt_id',
            message: 'prompt_id must be a valid UUID',
            details: 'prompt_id must be a UUID string in canonical lowercase hyphenated form; omit it to let the server generate one',
            extra_info: {},
          },
          node_errors: {},
        },
        400,
      );
    }
    const prompt = data.prompt as ApiGraph;
    if (!prompt || typeof prompt !== 'object' || Array.isArray(prompt) || Object.values(prompt).some((n) => !n || typeof n !== 'object')) {
      throw new Error('prompt is not a graph');
    }
    const order = (promptKeyOrder(raw) ?? Object.keys(prompt)).filter((k) => k in prompt);
    const v = validatePrompt(prompt, order, this.info, data.partial_execution_targets, {
      // nodes.py LoadImage.VALIDATE_INPUTS: the file must exist (annotated 'name [input]' or in input/).
      LoadImage: {
        inputs: ['image'],
        check: (i) => ({
          image: typeof i.image === 'string' && this.uploads.resolve(i.image) ? true : `Invalid image file: ${String(i.image)}`,
        }),
      },
    });
    const extra = (data.extra_data && typeof data.extra_data === 'object' ? data.extra_data : {}) as Record<string, unknown>;
    if ('client_id' in data) {
      extra.client_id = data.client_id;
    }
    if (!v.ok) {
      return json({ error: v.error, node_errors: v.nodeErrors }, 400);
    }
    for (const k of SENSITIVE_KEYS) {
      delete extra[k];
    }
    extra.create_time = Date.now();
    this.engine.enqueue({ number, id: promptId, prompt, order, extra, outputs: v.outputs });
    return json({ prompt_id: promptId, number, node_errors: v.nodeErrors });
  }

  /**
   * server.py post_queue: `await request.json()` (no body or bad JSON: 500), `clear` wipes the pending queue
   * (a `status` even when it was empty), each id of `delete` removes the first pending prompt with that id
   * (PromptQueue.delete_queue_item: the running one is not in the queue, so it is untouched). Always 200.
   */
  private postQueue(raw: string): Reply {
    const data: unknown = JSON.parse(raw);
    if (pyIn('clear', data) && pyTruthy(pyGet(data, 'clear'))) {
      this.engine.clearPending();
    }
    if (pyIn('delete', data)) {
      for (const id of pyIter(pyGet(data, 'delete'))) {
        if (typeof id === 'string') {
          this.engine.deletePending(id);
        }
      }
    }
    return empty();
  }

  /**
   * server.py post_interrupt: a body that is not JSON counts as `{}`; a falsy `prompt_id` (absent, null, "")
   * interrupts whatever runs, whoever posted it; any other interrupts only when it is the running prompt's id
   * (Python `==`: a number never matches), else nothing. Always 200 (500 for JSON that is not an object).
   */
  private postInterrupt(raw: string): Reply {
    let data: unknown;
    try {
      data = JSON.parse(raw);
    } catch {
      data = {};
    }
    if (!isDict(data)) {
      throw new TypeError('no attribute get');
    }
    if (!pyTruthy(data.prompt_id) || this.engine.running?.job.id === data.prompt_id) {
      this.engine.interrupt();
    }
    return empty();
  }

  private queueItem(j: Job): unknown[] {
    return [j.number, j.id, j.prompt, j.extra, j.outputs];
  }

  private historyList(query: Record<string, string>): Record<string, HistoryItem> {
    const all = [...this.engine.history.entries()];
    const max = query.max_items !== undefined ? parseInt(query.max_items, 10) : undefined;
    let offset = query.offset !== undefined ? parseInt(query.offset, 10) : -1;
    if (offset < 0 && max !== undefined) {
      offset = all.length - max;
    }
    const out: Record<string, HistoryItem> = {};
    let n = 0;
    for (let i = Math.max(0, offset); i < all.length && (max === undefined || n < max); i++, n++) {
      out[all[i][0]] = all[i][1];
    }
    return out;
  }

  private view(query: Record<string, string>): Reply {
    if ((this.faults.viewFailures ?? 0) > 0) {
      this.faults.viewFailures!--;
      return { status: 500, body: TEXT_500, type: 'text/plain; charset=utf-8' };
    }
    const huge = this.faults.hugePng;
    if (huge) {
      return { status: 200, stream: hugePng(huge), type: 'image/png', headers: { 'Content-Length': String(hugePngLength(huge)) } };
    }
    let filename = query.filename;
    if (filename === undefined) {
      return empty(404);
    }
    // A hostile name announced by the imageName switch: served as asked, never resolved as a path.
    const announced = this.engine.announced.get(`${query.subfolder ?? ''}\0${filename}`);
    if (announced) {
      return { status: 200, body: fs.readFileSync(announced), type: 'image/png' };
    }
    let type = query.type || 'output';
    const ann = /^(.*) \[(output|input|temp)\]$/.exec(filename);
    if (ann) {
      filename = ann[1];
      type = ann[2];
    }
    if (!filename || filename.startsWith('/') || filename.includes('..')) {
      return empty(400);
    }
    if (!['output', 'input', 'temp'].includes(type)) {
      return empty(400);
    }
    const base = path.join(this.root, type);
    const dir = path.resolve(base, query.subfolder ?? '');
    if (dir !== base && !dir.startsWith(base + path.sep)) {
      return empty(403);
    }
    const file = path.join(dir, path.basename(filename));
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
      return empty(404);
    }
    const bytes = fs.readFileSync(file);
    if (query.preview) {
      // Re-encoded as a maximally compressed PNG without text chunks: we have no WebP/JPEG encoder.
      const png = PNG.sync.read(bytes);
      return { status: 200, body: encodePng(png.data, png.width, png.height, [], 9), type: 'image/png' };
    }
    return {
      status: 200,
      body: bytes,
      type: filename.endsWith('.png') ? 'image/png' : 'application/octet-stream',
      headers: { 'Content-Disposition': `filename="${path.basename(filename)}"`, 'X-Content-Type-Options': 'nosniff' },
    };
  }

  private systemStats(): unknown {
    // Idle: a warm torch cache. Running: models plus activations that grow with the latent (engine.vramInUse).
    // The figures relate as comfy/model_management.py computes them (and as the recording sweep_system_stats.json
    // shows): torch_vram_total = torch's reserved pool, torch_vram_free = reserved − active, vram_free = CUDA's free
    // (mem_get_info) + torch_vram_free. So vram_total − vram_free = CUDA context + active, and the device-level
    // figure nvidia-smi shows, vram_total − vram_free + torch_vram_free, is the context plus the whole reserved pool.
    const used = this.engine.vramInUse;
    const reserved = 512 * MIB + used;
    const torchFree = Math.round(480 * MIB - Math.min(448 * MIB, used / 16));
    const cudaFree = VRAM_TOTAL - CUDA_CONTEXT - reserved;
    return {
      system: {
        os: process.platform,
        ram_total: os.totalmem(),
        ram_free: os.freemem(),
        comfyui_version: this.version,
        required_frontend_version: '1.49.6',
        installed_templates_version: null,
        required_templates_version: '0.11.44',
        comfy_package_versions: [
          { name: 'comfyui-frontend-package', installed: null, required: '1.49.6' },
          { name: 'comfyui-workflow-templates', installed: null, required: '0.11.44' },
          { name: 'comfyui-embedded-docs', installed: null, required: '0.5.10' },
          { name: 'comfy-kitchen', installed: null, required: '0.2.31' },
          { name: 'comfy-aimdo', installed: null, required: '0.4.13' },
        ],
        python_version: '3.12.3 (qwenprompt test server, no Python)',
        pytorch_version: '2.11.0+cu130',
        embedded_python: false,
        deploy_environment: 'local-git',
        argv: ['out/test/fakes/main.js', '--port', String(this.port)],
      },
      devices: [
        {
          name: `cuda:0 ${this.gpu} : cudaMallocAsync`,
          type: 'cuda',
          index: 0,
          vram_total: VRAM_TOTAL,
          vram_free: cudaFree + torchFree,
          torch_vram_total: reserved,
          torch_vram_free: torchFree,
        },
      ],
    };
  }

  private job(id: string, detail: boolean): Record<string, unknown> | undefined {
    const h = this.engine.history.get(id);
    const running = this.engine.running?.job.id === id ? this.engine.running.job : undefined;
    const pending = this.engine.pending.find((j) => j.id === id);
    const queued = running ?? pending;
    if (queued) {
      return {
        id,
        status: running ? 'in_progress' : 'pending',
        priority: queued.number,
        create_time: queued.extra.create_time,
        outputs_count: 0,
        previewable_outputs_count: 0,
        ...(detail ? { workflow: { prompt: queued.prompt, extra_data: queued.extra } } : {}),
      };
    }
    if (!h) {
      return undefined;
    }
    const msgs = h.status.messages;
    const last = msgs[msgs.length - 1];
    const status = h.status.status_str === 'success' ? 'completed' : last?.[0] === 'execution_interrupted' ? 'cancelled' : 'failed';
    const images = Object.entries(h.outputs).flatMap(([nodeId, ui]) =>
      (ui.images ?? []).map((im) => ({ ...im, nodeId, mediaType: 'images' })),
    );
    const out: Record<string, unknown> = {
      id,
      status,
      priority: h.prompt[0],
      create_time: h.prompt[3].create_time,
      execution_start_time: msgs.find((x) => x[0] === 'execution_start')?.[1].timestamp,
      execution_end_time: last?.[1].timestamp,
    };
    if (last?.[0] === 'execution_error') {
      out.execution_error = last[1];
    }
    out.outputs_count = images.length;
    out.previewable_outputs_count = images.length;
    if (images[0]) {
      out.preview_output = images[0];
    }
    if (detail) {
      out.outputs = h.outputs;
      out.execution_status = h.status;
      out.workflow = { prompt: h.prompt[2], extra_data: h.prompt[3] };
    }
    return out;
  }

  private jobsList(query: Record<string, string>): Reply {
    const ids = [
      ...(this.engine.running ? [this.engine.running.job.id] : []),
      ...this.engine.pending.map((j) => j.id),
      ...this.engine.history.keys(),
    ];
    const wanted = query.status ? query.status.split(',') : undefined;
    let jobs = [...new Set(ids)].map((id) => this.job(id, false)!).filter((j) => !wanted || wanted.includes(String(j.status)));
    const key =
      query.sort_by === 'execution_duration'
        ? (j: Record<string, unknown>) => Number(j.execution_end_time ?? 0) - Number(j.execution_start_time ?? 0)
        : (j: Record<string, unknown>) => Number(j.create_time ?? 0);
    jobs.sort((a, b) => (query.sort_order === 'asc' ? key(a) - key(b) : key(b) - key(a)));
    const offset = Math.max(0, parseInt(query.offset ?? '0', 10) || 0);
    const limit = query.limit !== undefined ? parseInt(query.limit, 10) : undefined;
    const total = jobs.length;
    jobs = jobs.slice(offset, limit !== undefined ? offset + limit : undefined);
    return json({ jobs, pagination: { offset, limit: limit ?? null, total, has_more: offset + jobs.length < total } });
  }
}

/** The recorded /object_info with these file names taken out of every combo list. */
function withoutModels(info: ObjectInfo, files: string[]): ObjectInfo {
  if (!files.length) return info;
  for (const node of Object.values(info)) {
    for (const group of [node.input?.required, node.input?.optional]) {
      for (const spec of Object.values(group ?? {})) {
        if (Array.isArray(spec?.[0])) spec[0] = spec[0].filter((v: unknown) => !files.includes(String(v)));
        const opts = spec?.[1] as { options?: unknown[] } | undefined;
        if (spec?.[0] === 'COMBO' && Array.isArray(opts?.options)) opts.options = opts.options.filter((v) => !files.includes(String(v)));
      }
    }
  }
  return info;
}

export async function startFakeComfy(opts: FakeComfyOptions = {}): Promise<FakeComfy> {
  const s = new FakeComfyServer(opts);
  await s.listen(opts.port ?? 0);
  return s;
}
