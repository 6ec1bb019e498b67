/** ComfyClient's transport against bare local servers: headers, URL prefixes, deadlines, caps, retries. */
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { WebSocketServer } from 'ws';
import { ComfyClient, type ComfyClientOptions } from '../../src/core/comfy/client';
import { rejection } from './helpers/comfyAssert';

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

interface Local {
  url: string;
  seen: http.IncomingMessage[];
  server: http.Server;
  close(): Promise<void>;
}

const opened: Local[] = [];
const clients: ComfyClient[] = [];
after(async () => {
  clients.forEach((c) => c.close());
  await Promise.all(opened.map((l) => l.close()));
});

async function serve(handler: Handler): Promise<Local> {
  const seen: http.IncomingMessage[] = [];
  const server = http.createServer((req, res) => {
    seen.push(req);
    handler(req, res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const local: Local = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    server,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
  opened.push(local);
  return local;
}

function client(opts: ComfyClientOptions): ComfyClient {
  const c = new ComfyClient(opts);
  clients.push(c);
  return c;
}

const PNG_BYTES = PNG.sync.write(new PNG({ width: 4, height: 4 }));

describe('ComfyClient transport', () => {
  it('sends the bearer token, no Origin or Sec-Fetch-Site, and keeps the base URL path prefix', async () => {
    const local = await serve((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ system: { os: 'linux' }, devices: [] }));
    });
    const wss = new WebSocketServer({ noServer: true });
    const upgrades: http.IncomingMessage[] = [];
    const firstMessage = new Promise<string>((resolve) => {
      local.server.on('upgrade', (req, socket, head) => {
        upgrades.push(req);
        wss.handleUpgrade(req, socket, head, (ws) => ws.once('message', (d) => resolve(String(d))));
      });
    });
    const c = client({ baseUrl: `${local.url}/comfy/`, token: 'sekret' });
    const stats = await c.systemStats();
    assert.equal(stats.system.os, 'linux');
    await c.connect();
    assert.deepEqual(JSON.parse(await firstMessage), { type: 'feature_flags', data: { supports_preview_metadata: true } });
    const req = local.seen[0];
    assert.equal(req.url, '/comfy/system_stats');
    assert.equal(req.headers.authorization, 'Bearer sekret');
    assert.equal(req.headers.origin, undefined);
    assert.equal(req.headers['sec-fetch-site'], undefined);
    assert.equal(upgrades[0].url, `/comfy/ws?clientId=${c.clientId}`);
    assert.equal(upgrades[0].headers.authorization, 'Bearer sekret');
    assert.equal(upgrades[0].headers.origin, undefined);
    c.close();
    wss.close();
  });

  it('normalises base URLs (https, path prefix, trailing slash) and rejects what is not http(s)', () => {
    assert.equal(client({ baseUrl: 'https://gpu.example/comfy/?x=1' }).baseUrl, 'https://gpu.example/comfy');
    assert.equal(client({ baseUrl: ' http://127.0.0.1:8188/ ' }).baseUrl, 'http://127.0.0.1:8188');
    assert.throws(() => client({ baseUrl: 'ftp://x' }), /not an http\(s\) URL.*qwenprompt\.comfy\.url/);
    assert.throws(() => client({ baseUrl: 'localhost 8188' }), /not a valid ComfyUI URL/);
  });

  it('a server that is not there: unreachable, naming the URL and the setting', async () => {
    const local = await serve(() => {});
    await local.close();
    const c = client({ baseUrl: local.url });
    const e = await rejection(c.systemStats());
    assert.equal(e.kind, 'unreachable');
    assert.equal(
      e.message,
      `No ComfyUI server answers at ${local.url}. Is ComfyUI running? Start it or change qwenprompt.comfy.url / --server.`,
    );
    assert.equal((await rejection(c.connect())).kind, 'unreachable');
  });

  it('a body that never ends times out instead of hanging', async () => {
    const local = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"queue_running": [');
    });
    const c = client({ baseUrl: local.url, requestTimeoutMs: 200 });
    const t0 = Date.now();
    const e = await rejection(c.queue());
    assert.equal(e.kind, 'timeout');
    assert.ok(Date.now() - t0 < 2000);
  });

  it('an aborted request rejects at once with kind aborted', async () => {
    const local = await serve(() => {});
    const c = client({ baseUrl: local.url });
    const ctrl = new AbortController();
    const p = c.objectInfo(ctrl.signal);
    setTimeout(() => ctrl.abort(), 30);
    assert.equal((await rejection(p)).kind, 'aborted');
    assert.equal((await rejection(c.objectInfo(ctrl.signal))).kind, 'aborted');
  });

  it('HTML where JSON was expected is a badResponse that questions the URL', async () => {
    const local = await serve((_req, res) => res.end('<!DOCTYPE html><html></html>'));
    const e = await rejection(client({ baseUrl: local.url }).systemStats());
    assert.equal(e.kind, 'badResponse');
    assert.match(e.message, /did not answer JSON.*qwenprompt\.comfy\.url/);
  });

  it('403 from a guard or proxy on POST /prompt: forbidden, saying what to check', async () => {
    const local = await serve((_req, res) => {
      res.statusCode = 403;
      res.end();
    });
    local.server.on('upgrade', (req, socket, head) => {
      const wss = new WebSocketServer({ noServer: true });
      wss.handleUpgrade(req, socket, head, () => {});
    });
    const e = await rejection(client({ baseUrl: local.url }).submit({}));
    assert.equal(e.kind, 'forbidden');
    assert.match(e.message, /POST \/prompt at .* was refused \(HTTP 403\).*token.*--enable-cors-header/);
  });

  it('a refused WebSocket upgrade maps its status: 401 → unauthorized', async () => {
    const local = await serve(() => {});
    local.server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n'));
    const e = await rejection(client({ baseUrl: local.url }).connect());
    assert.equal(e.kind, 'unauthorized');
  });
});

describe('ComfyClient.view', () => {
  it('passes the ref only as query parameters and returns the image', async () => {
    const local = await serve((_req, res) => res.end(PNG_BYTES));
    const c = client({ baseUrl: local.url });
    const data = await c.view({ filename: '../a b&c.png', subfolder: 'x/y', type: 'output' }, { preview: 'webp;80' });
    assert.deepEqual(Buffer.from(data), PNG_BYTES);
    const u = new URL(local.seen[0].url!, local.url);
    assert.equal(u.pathname, '/view');
    assert.deepEqual(Object.fromEntries(u.searchParams), {
      filename: '../a b&c.png',
      subfolder: 'x/y',
      type: 'output',
      preview: 'webp;80',
    });
  });

  it('rejects refs with NUL without asking the server', async () => {
    const local = await serve((_req, res) => res.end(PNG_BYTES));
    const e = await rejection(client({ baseUrl: local.url }).view({ filename: 'a\u0000.png', subfolder: '', type: 'output' }));
    assert.equal(e.kind, 'badRequest');
    assert.equal(local.seen.length, 0);
  });

  it('retries 5xx with backoff, then succeeds', async () => {
    let n = 0;
    const local = await serve((_req, res) => {
      if (++n <= 2) {
        res.statusCode = 503;
        res.end('busy');
      } else res.end(PNG_BYTES);
    });
    const c = client({ baseUrl: local.url, viewAttempts: 3, viewRetryDelayMs: 10 });
    const data = await c.view({ filename: 'a.png', subfolder: '', type: 'output' });
    assert.equal(data.byteLength, PNG_BYTES.byteLength);
    assert.equal(local.seen.length, 3);
  });

  it('gives up after the last retry with the server error; 404 is not retried', async () => {
    const local = await serve((req, res) => {
      res.statusCode = req.url!.includes('gone') ? 404 : 500;
      res.end('500 Internal Server Error\n\nboom');
    });
    const c = client({ baseUrl: local.url, viewAttempts: 2, viewRetryDelayMs: 10 });
    const e = await rejection(c.view({ filename: 'a.png', subfolder: '', type: 'output' }));
    assert.equal(e.kind, 'server');
    assert.match(e.message, /HTTP 500\): 500 Internal Server Error/);
    assert.equal(local.seen.length, 2);
    assert.equal((await rejection(c.view({ filename: 'gone.png', subfolder: '', type: 'output' }))).kind, 'notFound');
    assert.equal(local.seen.length, 3);
  });

  it('refuses what is not an image and stops reading past maxImageBytes', async () => {
    const local = await serve((req, res) => {
      if (req.url!.includes('html')) return void res.end('<html>not an image</html>');
      res.write(PNG_BYTES);
      const timer = setInterval(() => res.write(Buffer.alloc(4096)), 5);
      res.on('close', () => clearInterval(timer));
    });
    const c = client({ baseUrl: local.url, maxImageBytes: 64 * 1024 });
    const notImage = await rejection(c.view({ filename: 'html.png', subfolder: '', type: 'output' }));
    assert.equal(notImage.kind, 'badResponse');
    assert.match(notImage.message, /not a PNG, JPEG or WebP/);
    const big = await rejection(c.view({ filename: 'big.png', subfolder: '', type: 'output' }));
    assert.equal(big.kind, 'badResponse');
    assert.match(big.message, /answered more than 64 KiB; stopped reading/);
  });
});

describe('ComfyClient races with a scripted server', () => {
  it('keeps events that beat the POST reply and reads /history when executing null never comes', { timeout: 5000 }, async () => {
    const wss = new WebSocketServer({ noServer: true });
    let sock: import('ws').WebSocket | undefined;
    let history: Record<string, unknown> = {};
    const image = { filename: 'q_00001_.png', subfolder: '', type: 'output' };
    const local = await serve((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        if (req.url === '/prompt') {
          const id = JSON.parse(Buffer.concat(chunks).toString()).prompt_id as string;
          const send = (type: string, data: object) => sock!.send(JSON.stringify({ type, data: { ...data, prompt_id: id } }));
          // The whole run is over before the HTTP reply leaves, and no `executing {node: null}` follows.
          send('execution_start', { timestamp: 1 });
          send('executed', { node: '9', output: { images: [image] } });
          send('execution_success', { timestamp: 2 });
          history = {
            [id]: {
              prompt: [0, id, {}, {}, ['9']],
              outputs: { '9': { images: [image] } },
              status: { status_str: 'success', completed: true, messages: [] },
            },
          };
          setTimeout(() => res.end(JSON.stringify({ prompt_id: id, number: 0, node_errors: {} })), 50);
        } else if (req.url?.startsWith('/history/')) {
          res.end(JSON.stringify(history));
        } else res.end('{}');
      });
    });
    local.server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => (sock = ws)));
    const c = client({ baseUrl: local.url, historyGraceMs: 100 });
    const events: string[] = [];
    const job = await c.submit({ '9': { class_type: 'SaveImage', inputs: {} } }, { onEvent: (e) => events.push(e.type) });
    const outcome = await job.done;
    assert.equal(outcome.status, 'success');
    assert.deepEqual(
      outcome.messages.map((m) => m.msg.type),
      ['execution_start', 'executed', 'execution_success'],
    );
    assert.deepEqual(outcome.images, [image]);
    assert.ok(outcome.history);
    assert.deepEqual(events, ['started', 'executed', 'queued', 'finished']);
    wss.close();
  });
});
