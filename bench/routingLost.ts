/**
 * `node out/bench/routingLost.js [--jobs=N]`: with the client's execution messages lost (a proxy that
 * ignores ?clientId=, one that sends HTTP and the WebSocket to different servers, a reconnect under a new
 * socket id mid-job), how long after the server finished each job (its execution_success timestamp, same
 * machine clock) the client settled it from /queue + /history; target ≤ 2 s, with the 10-minute watchdog
 * never reached. Also: another client's prompt running while we cancel ours is never interrupted.
 */
import { loadavg } from 'node:os';
import { ComfyClient } from '../src/core/comfy/client';
import type { ApiGraph } from '../src/core/comfy/types';
import { startFakeComfy, type FakeComfy } from '../test/fakes/comfyServer';
import { request } from '../test/fakes/rawClient';
import { freshGraph } from '../test/unit/helpers/comfyPieces';
import { startProxy } from '../test/unit/helpers/proxy';
import { fmt, max, median, printTable, verdict } from './table';

const TARGET_MS = 2000;
const MINUTES = 10 * 60_000;
const jobs = Number(process.argv.find((a) => a.startsWith('--jobs='))?.slice(7) ?? 5);

/** Runs `n` jobs one after another's post and returns how long after the server's end each settled. */
async function lags(client: ComfyClient, n: number, onFirstProgress?: () => void): Promise<number[]> {
  const posted = [];
  let fired = false;
  for (let i = 0; i < n; i++) {
    posted.push(
      await client.submit(freshGraph(6) as ApiGraph, {
        previewMethod: 'none',
        onEvent: (e) => e.type === 'progress' && !fired && onFirstProgress && ((fired = true), onFirstProgress()),
      }),
    );
  }
  return Promise.all(
    posted.map(async (j) => {
      const outcome = await j.done;
      const end = outcome.history?.status.messages.find(([t]) => t === 'execution_success')?.[1].timestamp as number;
      return Date.now() - end;
    }),
  );
}

async function scenario(name: string, how: string, run: () => Promise<number[]>): Promise<string[]> {
  const xs = await run();
  return [name, how, String(xs.length), fmt(median(xs), 0), fmt(max(xs), 0), verdict(max(xs) <= TARGET_MS)];
}

async function main(): Promise<void> {
  const servers: FakeComfy[] = [];
  const server = async () => {
    const s = await startFakeComfy({ msPerStep: 20, loadMs: 5, nodeMs: 1 });
    servers.push(s);
    return s;
  };
  const clients: ComfyClient[] = [];
  const client = (url: string, more: Partial<ConstructorParameters<typeof ComfyClient>[0]> = {}) => {
    const c = new ComfyClient({ baseUrl: url, watchdogMs: MINUTES, ...more });
    clients.push(c);
    return c;
  };
  const rows: string[][] = [];
  try {
    rows.push(
      await scenario('proxy ignores ?clientId=', 'status broadcasts', async () => {
        const fake = await server();
        fake.faults.ignoreClientId = true;
        return lags(client(fake.url), jobs);
      }),
    );
    rows.push(
      await scenario('HTTP and WebSocket to different servers', 'polling', async () => {
        const fake = await server();
        const other = await server();
        const proxy = await startProxy({ http: fake.url, ws: other.url });
        try {
          return await lags(client(proxy.url), jobs);
        } finally {
          await proxy.close();
        }
      }),
    );
    rows.push(
      await scenario('reconnect under a new socket id mid-job', 'status broadcasts', async () => {
        const fake = await server();
        const c = client(fake.url, { reconnect: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 50 } });
        return lags(c, jobs, () => {
          fake.faults.ignoreClientId = true;
          fake.dropSockets();
        });
      }),
    );
    // Cancel while another client's prompt runs: theirs must finish, not be interrupted.
    let othersInterrupted = 0;
    for (let i = 0; i < jobs; i++) {
      const fake = await server();
      const theirs = (await request(fake.url, 'POST', '/prompt', { prompt: freshGraph(30), client_id: 'someone-else' })).json
        .prompt_id as string;
      const ours = client(fake.url);
      const mine = await ours.submit(freshGraph(6) as ApiGraph, { previewMethod: 'none' });
      await ours.cancel([mine.promptId]);
      await mine.done.catch(() => undefined);
      for (;;) {
        const h = (await request(fake.url, 'GET', `/history/${theirs}`)).json[theirs];
        if (h) {
          if (h.status?.status_str !== 'success') othersInterrupted++;
          break;
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    const load = loadavg()
      .map((x) => x.toFixed(2))
      .join(', ');
    printTable(
      `Routing lost: job end → cell settled (ms), target ≤ ${TARGET_MS} ms · load average ${load}`,
      ['case', 'signal', 'jobs', 'median', 'max', 'target'],
      rows,
    );
    printTable(
      `Cancel on a shared server · load average ${load}`,
      ['case', 'trials', "others' prompts interrupted"],
      [["our cancel while another client's prompt runs", String(jobs), String(othersInterrupted)]],
    );
  } finally {
    clients.forEach((c) => c.close());
    await Promise.all(servers.map((s) => s.close()));
  }
}

void main();
