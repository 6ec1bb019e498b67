// The server dies mid-run: the run says so within seconds (not after the watchdog's minutes), says so
// again when it is back, and its cells end as before (lost: a crashed ComfyUI forgets its prompts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { ProgressView } from '../../src/cli/progressView';
import { ComfyClient } from '../../src/core/comfy/client';
import type { JobEvent } from '../../src/core/comfy/types';
import type { RunUpdate } from '../../src/core/runs/options';
import { watchServer } from '../../src/core/runs/serverWatch';
import { runSpec } from '../../src/core/runs/session';
import type { ServerReach } from '../../src/shared/serverReach';
import { startFakeComfy } from '../fakes/comfyServer';
import { studySpec } from './helpers/spec';

const spec = () => studySpec({ width: 64, height: 64, steps: [20], repeats: 2 });

/** A run against the test server whose updates also go through the CLI's progress view (as a log). */
async function runWatched(
  fake: Awaited<ReturnType<typeof startFakeComfy>>,
  client: ComfyClient,
  onServer: (s: ServerReach, updates: RunUpdate[]) => void,
) {
  const updates: RunUpdate[] = [];
  const out = new PassThrough();
  let printed = '';
  out.on('data', (b: Buffer) => (printed += b.toString()));
  const view = new ProgressView(out, { tty: false });
  const result = await runSpec({
    spec: spec(),
    specFile: '/x/s.qwenprompt',
    client,
    runsRoot: mkdtempSync(path.join(tmpdir(), 'qp-down-')),
    convergence: false,
    onUpdate: (u) => {
      updates.push(u);
      view.update(u);
      if (u.type === 'server') onServer(u.server, updates);
    },
  });
  view.close();
  return { result, updates, printed };
}

test(
  'the server killed mid-job: "unreachable" while the run still goes, "online" after revive, then its cells are lost as before',
  { timeout: 60_000 },
  async () => {
    const fake = await startFakeComfy({ msPerStep: 50, loadMs: 10 });
    // The watchdog at minutes: only the socket's state can tell the run within the test's time.
    const client = new ComfyClient({ baseUrl: fake.url, watchdogMs: 5 * 60_000 });
    fake.faults.dieAtStep = { step: 5 };
    let settledWhenDown: number | undefined;
    try {
      const { result, updates, printed } = await runWatched(fake, client, (s, seen) => {
        if (s.state !== 'unreachable' || settledWhenDown !== undefined) return;
        settledWhenDown = seen.filter((u) => u.type === 'cell' && !['queued', 'running'].includes(u.cell.status)).length;
        void fake.revive();
      });
      const server = updates.filter((u) => u.type === 'server').map((u) => (u.type === 'server' ? u.server : undefined));
      assert.equal(server[0]?.state, 'unreachable', `first server update: ${JSON.stringify(server)}`);
      assert.equal(server[0]?.url, fake.url);
      assert.equal(settledWhenDown, 0, 'the run was still going (no cell had ended) when it said the server was unreachable');
      assert.equal(server.at(-1)?.state, 'online', 'the run said the server was back');
      const kinds = updates.map((u) => u.type);
      assert.ok(kinds.indexOf('server') < kinds.indexOf('finished'));
      // The revived server forgot every prompt: each cell is lost, with the words a user acts on.
      assert.deepEqual(
        result.record.cells.map((c) => c.status),
        ['lost', 'lost'],
      );
      assert.match(result.record.cells[0].error ?? '', /no longer knows prompt/);
      assert.equal(result.record.status, 'failed');
      assert.match(
        printed,
        new RegExp(`Server unreachable at ${fake.url.replace(/[.]/g, '\\.')} — retrying \\(attempt \\d+\\); Ctrl-C to stop`),
      );
      assert.match(printed, /Server back online at /);
    } finally {
      client.close();
      await fake.close();
    }
  },
);

test(
  'a server that never comes back: "unreachable", then "gave up" as the client stops retrying, and the cells are lost',
  { timeout: 60_000 },
  async () => {
    const fake = await startFakeComfy({ msPerStep: 50, loadMs: 10 });
    const client = new ComfyClient({
      baseUrl: fake.url,
      watchdogMs: 5 * 60_000,
      reconnect: { maxAttempts: 4, baseDelayMs: 400, maxDelayMs: 800 },
    });
    fake.faults.dieAtStep = { step: 5 };
    try {
      const { result, updates, printed } = await runWatched(fake, client, () => undefined);
      const states = updates.flatMap((u) => (u.type === 'server' ? [u.server.state] : []));
      assert.equal(states[0], 'unreachable');
      assert.equal(states.at(-1), 'gaveUp');
      assert.ok(!states.includes('online'));
      assert.deepEqual(
        result.record.cells.map((c) => c.status),
        ['lost', 'lost'],
      );
      assert.match(result.record.cells[0].error ?? '', /could not reconnect after 4 attempts/);
      assert.match(printed, /✘ Server unreachable at .* — gave up after 4 attempts/);
    } finally {
      client.close();
      await fake.close();
    }
  },
);

/** A client stand-in that only emits connection events. */
function socketStates() {
  let listener: ((e: JobEvent) => void) | undefined;
  return {
    client: { onEvent: (fn: (e: JobEvent) => void) => ((listener = fn), { dispose: () => (listener = undefined) }) } as never,
    emit: (e: JobEvent) => listener?.(e),
    get listening() {
      return listener !== undefined;
    },
  };
}

test('a drop the first reconnect mends says nothing; a socket still down after the grace says "unreachable" once per attempt', async (t) => {
  t.mock.timers.enable({ apis: ['setTimeout'] });
  const s = socketStates();
  const seen: ServerReach[] = [];
  const watch = watchServer(s.client, 'http://gpu:8188', (r) => seen.push(r), 1500);
  s.emit({ type: 'connection', state: 'reconnecting', attempt: 1 });
  t.mock.timers.tick(1000);
  s.emit({ type: 'connection', state: 'connected' });
  t.mock.timers.tick(5000);
  assert.deepEqual(seen, [], 'a blip is not an outage');

  s.emit({ type: 'connection', state: 'reconnecting', attempt: 1 });
  s.emit({ type: 'connection', state: 'reconnecting', attempt: 2 });
  t.mock.timers.tick(1500);
  s.emit({ type: 'connection', state: 'reconnecting', attempt: 3 });
  s.emit({ type: 'connection', state: 'connected' });
  assert.deepEqual(seen, [
    { state: 'unreachable', url: 'http://gpu:8188', attempt: 2 },
    { state: 'unreachable', url: 'http://gpu:8188', attempt: 3 },
    { state: 'online', url: 'http://gpu:8188' },
  ]);
  // The client closed at the end of a run is not the server giving out.
  s.emit({ type: 'connection', state: 'closed' });
  assert.equal(seen.length, 3);
  watch.dispose();
  assert.equal(s.listening, false, 'the run lets go of the client when it ends');
});

test(
  "the panel's Retry while the server is down gives the reconnection a fresh budget: five Retries never make the client give up",
  { timeout: 30_000 },
  async () => {
    const fake = await startFakeComfy({ msPerStep: 20, loadMs: 5 });
    // Three attempts, 0.5 s apart: the backoff alone spends about one of them during the Retries.
    const client = new ComfyClient({
      baseUrl: fake.url,
      watchdogMs: 5 * 60_000,
      reconnect: { maxAttempts: 3, baseDelayMs: 500, maxDelayMs: 500 },
    });
    const states: string[] = [];
    client.onEvent((e) => e.type === 'connection' && states.push(e.state));
    try {
      await client.connect();
      await fake.kill();
      while (!states.includes('reconnecting')) await new Promise((r) => setTimeout(r, 20));
      for (let i = 0; i < 5; i++) {
        await assert.rejects(client.retryConnection(), /No ComfyUI server answers/, `Retry ${i + 1} says why while the server is down`);
      }
      assert.ok(!states.includes('closed'), `the client did not give up: ${states.join(', ')}`);
      await fake.revive();
      await client.retryConnection();
      assert.equal(states.at(-1), 'connected');
    } finally {
      client.close();
      await fake.close();
    }
  },
);
