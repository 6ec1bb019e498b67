/**
 * A hostile (or broken) server: path tricks in file names, oversized and non-image bodies, garbage
 * and floods on the WebSocket, responses that never end. Each is refused or contained with a clear
 * error, and nothing is written outside the run folder. The server here is purpose-built: it speaks
 * just enough of ComfyUI's protocol for one prompt, then misbehaves as each test asks.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import * as http from 'node:http';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { WebSocket, WebSocketServer } from 'ws';
import { ComfyClient } from '../../src/core/comfy/client';
import { runSpec } from '../../src/core/runs/session';
import { encodePng } from '../fakes/imageGen';
import { studySpec } from './helpers/spec';
import { checkRunFolder } from './helpers/trials';

const PNG = encodePng(Buffer.alloc(8 * 8 * 4, 200), 8, 8, [], 6);

interface Hostile {
  /** The image refs /history names for the prompt. */
  images?: unknown[];
  /** Answers GET /view (default: a small valid PNG). */
  view?: (res: http.ServerResponse) => void;
  /** Answers GET /history/{id} (default: the outputs above). */
  history?: (res: http.ServerResponse, body: string) => void;
  /** Sent on the socket before the prompt's own messages. */
  noise?: (ws: WebSocket) => void;
}

async function hostileServer(h: Hostile): Promise<{ url: string; views: string[]; close(): Promise<void> }> {
  const sockets = new Set<WebSocket>();
  const views: string[] = [];
  const images = h.images ?? [{ filename: 'ComfyUI_00001_.png', subfolder: '', type: 'output' }];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    let raw = '';
    req.on('data', (d) => (raw += d));
    req.on('end', () => {
      const send = (v: unknown) => {
        res.writeHead(200, { 'Content-Type': 'application/json' });
        res.end(JSON.stringify(v));
      };
      if (url.pathname === '/system_stats')
        return send({
          system: { comfyui_version: 'hostile' },
          devices: [{ name: 'cuda:0 Evil GPU : native', vram_total: 1, vram_free: 1 }],
        });
      if (url.pathname === '/prompt' && req.method === 'POST') {
        const body = JSON.parse(raw) as { prompt_id: string; client_id: string };
        send({ prompt_id: body.prompt_id, number: 0, node_errors: {} });
        setTimeout(() => play(body.prompt_id), 5);
        return;
      }
      if (url.pathname.startsWith('/history/')) {
        const id = decodeURIComponent(url.pathname.slice('/history/'.length));
        const body = JSON.stringify({
          [id]: {
            prompt: [0, id, {}, {}, ['9']],
            outputs: { 9: { images } },
            status: { status_str: 'success', completed: true, messages: [] },
            meta: {},
          },
        });
        return h.history ? h.history(res, body) : (res.writeHead(200, { 'Content-Type': 'application/json' }), res.end(body));
      }
      if (url.pathname === '/view') {
        views.push(url.search);
        if (h.view) return h.view(res);
        res.writeHead(200, { 'Content-Type': 'image/png' });
        return res.end(PNG);
      }
      if (url.pathname === '/queue' || url.pathname === '/interrupt') return send({ queue_running: [], queue_pending: [] });
      res.writeHead(404);
      res.end();
    });
  });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => {
    sockets.add(ws);
    ws.on('close', () => sockets.delete(ws));
    ws.on('error', () => undefined);
    ws.send(JSON.stringify({ type: 'status', data: { status: { exec_info: { queue_remaining: 0 } }, sid: 'x' } }));
  });
  function play(id: string): void {
    const t = Date.now();
    for (const ws of sockets) {
      h.noise?.(ws);
      const msgs: [string, Record<string, unknown>][] = [
        ['execution_start', { prompt_id: id, timestamp: t }],
        ['executing', { node: '3', display_node: '3', prompt_id: id }],
        ['progress', { value: 1, max: 1, node: '3', prompt_id: id }],
        ['executing', { node: '9', display_node: '9', prompt_id: id }],
        ['executed', { node: '9', display_node: '9', output: { images }, prompt_id: id }],
        ['execution_success', { prompt_id: id, timestamp: t + 5 }],
        ['executing', { node: null, prompt_id: id }],
      ];
      for (const [type, data] of msgs) ws.send(JSON.stringify({ type, data }));
    }
  }
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    views,
    close: async () => {
      for (const ws of sockets) ws.terminate();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/** Everything under `dir`, recursively, as relative paths. */
function tree(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = path.join(dir, n);
    return statSync(p).isDirectory() ? [n + '/', ...tree(p).map((x) => `${n}/${x}`)] : [n];
  });
}

/** Runs one job against the hostile server in a sandbox folder; returns the cell and what is on disk. */
async function runAgainst(h: Hostile, clientOpts = {}) {
  const server = await hostileServer(h);
  const sandbox = mkdtempSync(path.join(tmpdir(), 'qp-hostile-'));
  const runsRoot = path.join(sandbox, 'project', 'runs');
  const client = new ComfyClient({
    baseUrl: server.url,
    historyRetryDelayMs: 5,
    viewRetryDelayMs: 5,
    requestTimeoutMs: 1500,
    ...clientOpts,
  });
  try {
    const { runDir, record } = await runSpec({
      spec: studySpec({ width: 16, height: 16, steps: [1], repeats: 1 }),
      specFile: path.join(sandbox, 'project', 'a.qwenprompt'),
      client,
      runsRoot,
      vramPollMs: 1000,
    });
    checkRunFolder(runDir);
    const files = tree(sandbox);
    // The sandbox holds the run folder and nothing else: no file escaped it.
    const rel = path.relative(sandbox, runDir);
    for (const f of files) assert.ok(`${rel}/`.startsWith(f) || f.startsWith(`${rel}/`), `unexpected ${f}`);
    return { cell: record.cells[0], record, runDir, files, views: server.views };
  } finally {
    client.close();
    await server.close();
  }
}

test('file names with ../, absolute paths or a sub folder trick are never used as local paths', async () => {
  for (const ref of [
    { filename: '../../../../escape.png', subfolder: '../../..', type: 'output' },
    { filename: '/tmp/absolute.png', subfolder: '/etc', type: 'output' },
    { filename: '..\\..\\windows.png', subfolder: 'C:\\', type: 'output' },
  ]) {
    const { cell, runDir, views } = await runAgainst({ images: [ref] });
    assert.equal(cell.status, 'success', cell.error);
    assert.deepEqual(readdirSync(runDir).sort(), ['run.json', 'steps-1-r0.png'], 'saved under a name the client chose');
    // The server's name only ever travels back to it as a query parameter.
    assert.ok(views.every((q) => new URLSearchParams(q).get('filename') === ref.filename));
  }
});

test('a file name with a NUL byte is refused with a clear error', async () => {
  const { cell, runDir } = await runAgainst({ images: [{ filename: 'a\u0000.png', subfolder: '', type: 'output' }] });
  assert.equal(cell.status, 'failed');
  assert.match(cell.error ?? '', /Invalid image reference: filename/);
  assert.deepEqual(readdirSync(runDir), ['run.json']);
});

test('an image over the size limit is refused, declared or streamed', async () => {
  const big = Buffer.concat([PNG, randomBytes(300 * 1024)]);
  for (const declare of [true, false]) {
    const { cell, runDir } = await runAgainst(
      {
        view: (res) => {
          res.writeHead(200, { 'Content-Type': 'image/png', ...(declare ? { 'Content-Length': String(big.length) } : {}) });
          if (declare) return res.end(big);
          // Chunked, no length: the cap must hold while reading.
          for (let i = 0; i < big.length; i += 16 * 1024) res.write(big.subarray(i, i + 16 * 1024));
          res.end();
        },
      },
      { maxImageBytes: 256 * 1024 },
    );
    assert.equal(cell.status, 'failed', `declared=${declare}`);
    assert.match(cell.error ?? '', /more than 256 KiB; stopped reading/);
    assert.deepEqual(readdirSync(runDir), ['run.json']);
  }
});

test('bytes that are not an image are refused and never saved', async () => {
  const { cell, runDir } = await runAgainst({
    view: (res) => {
      res.writeHead(200, { 'Content-Type': 'image/png' });
      res.end('<html><script>alert(1)</script></html>');
    },
  });
  assert.equal(cell.status, 'failed');
  assert.match(cell.error ?? '', /not a PNG, JPEG or WebP image/);
  assert.deepEqual(readdirSync(runDir), ['run.json']);
});

test('malformed and unknown WebSocket messages and binary garbage are ignored: the job still completes', async () => {
  const { cell } = await runAgainst({
    noise: (ws) => {
      for (const text of [
        'not json',
        '{"type":',
        '[]',
        'null',
        '42',
        '{"data":{}}',
        '{"type":"executing"}',
        '{"type":"executing","data":"x"}',
        '{"type":"progress","data":{"value":"NaN","max":null,"prompt_id":{}}}',
        '{"type":"weird_new_type","data":{"prompt_id":"zzz"}}',
        '{"type":"execution_success","data":{"prompt_id":"not-ours","timestamp":1}}',
        '{"type":"__proto__","data":{"__proto__":{"polluted":true}}}',
      ])
        ws.send(text);
      for (const bytes of [
        Buffer.alloc(0),
        Buffer.from([0, 0]),
        Buffer.from([0, 0, 0, 1]),
        Buffer.from([0, 0, 0, 4, 255, 255, 255, 255]),
        randomBytes(4096),
      ])
        ws.send(bytes);
    },
  });
  assert.equal(cell.status, 'success', cell.error);
  assert.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype pollution');
});

test('a flood of messages is absorbed: the job completes', { timeout: 60_000 }, async () => {
  const { cell } = await runAgainst({
    noise: (ws) => {
      const junk = JSON.stringify({ type: 'progress', data: { value: 1, max: 2, node: '3', prompt_id: 'someone-else' } });
      for (let i = 0; i < 20_000; i++) ws.send(junk);
      for (let i = 0; i < 200; i++) ws.send(Buffer.concat([Buffer.from([0, 0, 0, 1, 0, 0, 0, 2]), randomBytes(8 * 1024)]));
    },
  });
  assert.equal(cell.status, 'success', cell.error);
});

test('a response that never ends: the request times out with a clear error', { timeout: 60_000 }, async () => {
  // /view sends its headers and a trickle of bytes, forever.
  const trickle: NodeJS.Timeout[] = [];
  const { cell } = await runAgainst(
    {
      view: (res) => {
        res.writeHead(200, { 'Content-Type': 'image/png' });
        res.write(PNG.subarray(0, 16));
        trickle.push(setInterval(() => res.write(Buffer.from([0])), 50));
      },
    },
    { requestTimeoutMs: 400, viewAttempts: 2 },
  );
  trickle.forEach(clearInterval);
  assert.equal(cell.status, 'failed');
  assert.match(cell.error ?? '', /did not finish within/);
});

test('a /history answer that never ends: the job is not left waiting forever', { timeout: 60_000 }, async () => {
  const { cell } = await runAgainst(
    { history: (res) => (res.writeHead(200, { 'Content-Type': 'application/json' }), res.write('{"')) },
    { requestTimeoutMs: 300, historyGraceMs: 50 },
  );
  // The live messages named the image: the job settles from them and the image is still saved.
  assert.equal(cell.status, 'success', cell.error);
  assert.equal(cell.images.length, 1);
});
