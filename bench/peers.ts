/**
 * Client cost against the peer clients, side by side in one run against one test server in its own process:
 * the same 1024² jobs (each client its own seeds, so the server's cache serves none) made by qwenprompt with
 * thumbnails and live scores on, by qwenprompt downloading and hashing only, by a naive client (POST every
 * prompt, wait on the socket, GET /view), and by @saintno/comfyui-sdk and @stable-canvas/comfyui-client (each
 * downloads every image's bytes too, and does nothing else with them). Prints client CPU per image, images/s
 * and peak RSS, with the machine's load beside them.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import WebSocket from 'ws';
import { ComfyClient } from '../src/core/comfy/client';
import { buildGraph } from '../src/core/comfy/graph';
import type { ApiGraph } from '../src/core/comfy/types';
import { planCells, specOfCell } from '../src/core/runs/plan';
import { runSession } from '../src/core/runs/session';
import { studySpec } from '../test/unit/helpers/spec';
import { startServerProcess } from './fakeServer';
import { fmt, printTable, verdict } from './table';

const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

const STEPS = [2, 4];
const SIDE = 1024;

function graphsFor(seed: number, repeats: number): ApiGraph[] {
  const spec = studySpec({ width: SIDE, height: SIDE, steps: STEPS, repeats, seed });
  return planCells(spec).map((c) => buildGraph(specOfCell(spec, c), c.settings).graph);
}

async function download(url: string): Promise<number> {
  const res = await fetch(url);
  return (await res.arrayBuffer()).byteLength;
}

/** The least a client can do: POST every prompt, wait for each to be executed on the socket, GET its image. */
async function naive(url: string, graphs: ApiGraph[]): Promise<number> {
  const clientId = randomUUID();
  const ws = new WebSocket(`${url.replace(/^http/, 'ws')}/ws?clientId=${clientId}`);
  await new Promise((ok, fail) => ws.once('open', ok).once('error', fail));
  const wanted = new Set<string>();
  const downloads: Promise<number>[] = [];
  let finish!: () => void;
  const done = new Promise<void>((ok) => (finish = ok));
  ws.on('message', (data, binary) => {
    if (binary) return;
    const m = JSON.parse(String(data)) as {
      type: string;
      data: { prompt_id?: string; output?: { images?: { filename: string; subfolder: string; type: string }[] } };
    };
    if (m.type !== 'executed' || !m.data.prompt_id || !wanted.has(m.data.prompt_id)) return;
    for (const img of m.data.output?.images ?? []) {
      const q = new URLSearchParams({ filename: img.filename, subfolder: img.subfolder, type: img.type });
      downloads.push(download(`${url}/view?${q}`));
    }
    wanted.delete(m.data.prompt_id);
    if (!wanted.size) finish();
  });
  for (const prompt of graphs) {
    const res = await fetch(`${url}/prompt`, { method: 'POST', body: JSON.stringify({ prompt, client_id: clientId }) });
    wanted.add(((await res.json()) as { prompt_id: string }).prompt_id);
  }
  await done;
  const n = (await Promise.all(downloads)).length;
  ws.close();
  return n;
}

async function stableCanvas(url: string, graphs: ApiGraph[]): Promise<number> {
  const { Client } = await import('@stable-canvas/comfyui-client');
  const client = new Client({
    api_host: new URL(url).host,
    WebSocket: WebSocket as never,
    fetch: globalThis.fetch.bind(globalThis) as never,
  });
  client.connect();
  try {
    const results = await Promise.all(graphs.map((g) => client.enqueue(g as Record<string, unknown>)));
    const urls = results.flatMap((r) => r.images.flatMap((i) => (i.type === 'url' ? [i.data] : [])));
    return (await Promise.all(urls.map(download))).length;
  } finally {
    client.close();
  }
}

async function saintno(url: string, graphs: ApiGraph[]): Promise<number> {
  const { ComfyApi, CallWrapper, PromptBuilder } = await import('@saintno/comfyui-sdk');
  const api = new ComfyApi(url);
  await api.init().waitForReady();
  try {
    const counts = await Promise.all(
      graphs.map(async (g) => {
        const save = Object.keys(g).find((id) => g[id].class_type === 'SaveImage')!;
        const builder = new PromptBuilder(g as never, [], ['images']).setOutputNode('images', save as never);
        const out = (await new CallWrapper(api, builder).run()) as { images?: { images?: unknown[] } } | false;
        const imgs = out ? (out.images?.images ?? []) : [];
        return (await Promise.all(imgs.map((i) => download(api.getPathImage(i as never))))).length;
      }),
    );
    return counts.reduce((a, b) => a + b, 0);
  } finally {
    api.destroy();
  }
}

async function ours(url: string, seed: number, repeats: number, full: boolean): Promise<number> {
  const client = new ComfyClient({ baseUrl: url });
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'qp-bench-peers-')), 'peers.qwenprompt');
  try {
    const { record } = await runSession({
      spec: studySpec({ width: SIDE, height: SIDE, steps: STEPS, repeats, seed }),
      specFile: file,
      runsRoot: path.join(path.dirname(file), 'runs'),
      client,
      convergence: full ? {} : false,
      thumbnails: full,
      vramPollMs: 500,
    });
    return record.cells.filter((c) => c.status === 'success').length;
  } finally {
    client.close();
  }
}

/** Each client in turn, on the same server process: CPU, wall and peak RSS of this process for its images. */
export async function benchPeers(repeats: number): Promise<void> {
  const server = await startServerProcess({ msPerStep: 5, loadMs: 5, maxImageSide: SIDE });
  const clients: [string, (seed: number) => Promise<number>][] = [
    ['qwenprompt: thumbnails + scores (default)', (seed) => ours(server.url, seed, repeats, true)],
    ['qwenprompt: download + hash only', (seed) => ours(server.url, seed, repeats, false)],
    ['naive (POST, socket, GET /view)', (seed) => naive(server.url, graphsFor(seed, repeats))],
    ['@saintno/comfyui-sdk', (seed) => saintno(server.url, graphsFor(seed, repeats))],
    ['@stable-canvas/comfyui-client', (seed) => stableCanvas(server.url, graphsFor(seed, repeats))],
  ];
  const rows: string[][] = [];
  try {
    // Warm-up first, so no client pays the server's model load, and qwenprompt's image worker and modules are
    // loaded (steady state is what feeding many servers costs; the one-off start is in the pool table's wall).
    await naive(server.url, graphsFor(1, 1).slice(0, 1));
    await ours(server.url, 1, 1, true);
    let seed = 1000;
    for (const [name, run] of clients) {
      const before = load();
      const cpu0 = process.cpuUsage();
      let rss = process.memoryUsage.rss();
      const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage.rss())), 50);
      const t0 = Date.now();
      let n = 0;
      let error = '';
      try {
        n = await run((seed += 100));
        if (process.env.QP_BENCH_DEBUG) console.error(`${name}: ${n} images`);
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      } finally {
        clearInterval(sampler);
      }
      const cpu = process.cpuUsage(cpu0);
      const ms = (cpu.user + cpu.system) / 1000;
      const wall = Date.now() - t0;
      rows.push([
        name,
        error ? `failed: ${error.slice(0, 60)}` : String(n),
        n ? fmt(ms / n, 0) : '–',
        n && name.endsWith('(default)') ? verdict(ms / n <= 60) : '',
        n ? fmt(n / (wall / 1000), 2) : '–',
        fmt(rss / 1024 ** 2, 0),
        `${before} → ${load()}`,
      ]);
    }
  } finally {
    await server.close();
  }
  printTable(
    `Client cost per 1024² PNG against the peer clients (${repeats * STEPS.length} images each, one test server in its own process, one run)`,
    ['client', 'images', 'client CPU ms/image', 'target ≤ 60', 'images/s', 'peak RSS MB', 'load before → after'],
    rows,
  );
}

if (require.main === module) {
  const n = Number(process.argv[2] ?? 12);
  void benchPeers(Math.max(1, Math.round(n / STEPS.length))).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
