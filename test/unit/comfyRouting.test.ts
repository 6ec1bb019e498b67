/**
 * Lost routing against the test server: ComfyUI sends a prompt's execution messages only to the socket
 * whose id is its client_id, so behind a proxy that ignores ?clientId=, one that splits HTTP and
 * WebSocket, after a reconnect under a new id, or once the old socket's close unregistered the new one,
 * none arrive. Every job must still finish from /history long before the 10-minute watchdog (the tests
 * give it minutes and themselves seconds), with exact execution times and the live coverage stated.
 * Also: a queued prompt of ours deleted by another client is reported so, not as a watchdog timeout.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ComfyClient } from '../../src/core/comfy/client';
import type { JobOutcome } from '../../src/core/comfy/types';
import { measureJob } from '../../src/core/runs/timing';
import type { FakeComfy } from '../fakes/comfyServer';
import { RawSocket, request } from '../fakes/rawClient';
import { onFirstProgress } from './helpers/comfyAssert';
import { comfyFixture, freshGraph } from './helpers/comfyPieces';
import { startProxy } from './helpers/proxy';

const fx = comfyFixture();
const MINUTES = 10 * 60_000;
const CTX = { samplerNode: '3', loaderNodes: ['4'] };

/** Runs `n` jobs and returns their outcomes with how long after the server's end each one settled. */
async function runJobs(client: ComfyClient, n: number, steps = 6): Promise<{ outcome: JobOutcome; lagMs: number }[]> {
  const jobs = [];
  for (let i = 0; i < n; i++) jobs.push(await client.submit(freshGraph(steps), { previewMethod: 'none' }));
  return Promise.all(
    jobs.map(async (j) => {
      const outcome = await j.done;
      const end = outcome.history?.status.messages.find(([t]) => t === 'execution_success')?.[1].timestamp as number;
      return { outcome, lagMs: Date.now() - end };
    }),
  );
}

/** Every job succeeded from /history, with its image and exact server-clock execution time. */
function assertFinishedFromHistory(results: { outcome: JobOutcome }[], heard: 'none' | 'partial'): void {
  for (const { outcome } of results) {
    assert.equal(outcome.status, 'success', outcome.error);
    assert.equal(outcome.images.length, 1);
    assert.equal(outcome.recovered, true);
    assert.equal(outcome.live?.heard, heard);
    assert.ok(outcome.live?.reason, 'the outcome says why messages are missing');
    const msgs = outcome.history!.status.messages;
    const start = msgs.find(([t]) => t === 'execution_start')![1].timestamp as number;
    const end = msgs.find(([t]) => t === 'execution_success')![1].timestamp as number;
    assert.equal(measureJob(outcome, CTX)?.executionMs, end - start);
  }
}

const lags = (r: { lagMs: number }[]) => r.map((x) => x.lagMs).join(', ');

describe('lost routing: jobs finish from /history', () => {
  it('behind a proxy that ignores ?clientId= (only status broadcasts arrive)', { timeout: 30_000 }, async (t) => {
    const fake = await fx.server({ msPerStep: 20 });
    fake.faults.ignoreClientId = true;
    const client = fx.client(fake, { watchdogMs: MINUTES });
    const results = await runJobs(client, 3);
    assertFinishedFromHistory(results, 'none');
    t.diagnostic(`settled ${lags(results)} ms after the server finished`);
  });

  it(
    'behind a proxy that sends HTTP to one server and the WebSocket to another (nothing of ours arrives: polling)',
    { timeout: 30_000 },
    async (t) => {
      const fake = await fx.server({ msPerStep: 20 });
      const other = await fx.server();
      const proxy = await startProxy({ http: fake.url, ws: other.url });
      try {
        const client = fx.client({ url: proxy.url } as FakeComfy, { watchdogMs: MINUTES });
        const results = await runJobs(client, 2);
        assertFinishedFromHistory(results, 'none');
        t.diagnostic(`settled ${lags(results)} ms after the server finished`);
      } finally {
        await proxy.close();
      }
    },
  );

  it(
    'when a late close of another socket with our id unregistered ours (not even status arrives: polling)',
    { timeout: 30_000 },
    async (t) => {
      const fake = await fx.server({ msPerStep: 20 });
      const client = fx.client(fake, { watchdogMs: MINUTES });
      await client.connect();
      // server.py: a socket of the same sid closing pops the sid, though our newer socket holds it now.
      const twin = await RawSocket.open(fake.url, { clientId: client.clientId });
      twin.close();
      await new Promise((r) => setTimeout(r, 50));
      const results = await runJobs(client, 2);
      assertFinishedFromHistory(results, 'none');
      t.diagnostic(`settled ${lags(results)} ms after the server finished`);
    },
  );

  it('after a reconnect under a new socket id mid-job: the rest of it is missed and marked partial', { timeout: 30_000 }, async () => {
    const fake = await fx.server({ msPerStep: 20 });
    const client = fx.client(fake, { watchdogMs: MINUTES, reconnect: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 50 } });
    const job = await client.submit(freshGraph(30), {
      onEvent: onFirstProgress(() => {
        fake.faults.ignoreClientId = true;
        fake.dropSockets();
      }),
    });
    const outcome = await job.done;
    assert.equal(outcome.status, 'success', outcome.error);
    assert.equal(outcome.images.length, 1);
    assert.equal(outcome.live?.heard, 'partial');
    assert.match(outcome.live?.reason ?? '', /dropped while it ran/);
    // The server's own clock still gives the whole execution time.
    const msgs = outcome.history!.status.messages;
    const start = msgs.find(([t]) => t === 'execution_start')![1].timestamp as number;
    const end = msgs.find(([t]) => t === 'execution_success')![1].timestamp as number;
    assert.equal(measureJob(outcome, CTX)?.executionMs, end - start);
  });

  it(
    'polling is bounded: a prompt waiting its turn unheard costs a /queue read every poll period, not a stream of them',
    { timeout: 15_000 },
    async () => {
      const fake = await fx.server();
      const client = fx.client(fake, { watchdogMs: MINUTES, pollQuietMs: 100 });
      await client.connect();
      const twin = await RawSocket.open(fake.url, { clientId: client.clientId });
      twin.close();
      fake.faults.stall = true;
      const job = await client.submit(freshGraph());
      const reads = () => fake.requests.filter((r) => r.path === '/queue' && r.method === 'GET').length;
      await new Promise((r) => setTimeout(r, 1500));
      // Looks at 0.1, 0.3, then every 0.2 s: about 8 in 1.5 s.
      assert.ok(reads() >= 3 && reads() <= 12, `${reads()} reads of /queue in 1.5 s`);
      fake.faults.stall = false;
      assert.equal((await job.done).status, 'success');
    },
  );

  it('with routing intact, every message is heard and the outcome says so', async () => {
    const fake = await fx.server();
    const [{ outcome }] = await runJobs(fx.client(fake), 1);
    assert.equal(outcome.status, 'success');
    assert.deepEqual(outcome.live, { heard: 'all' });
    assert.equal(outcome.recovered, undefined);
  });
});

describe('our queued prompt deleted by another client', () => {
  async function deletedByOther(fake: FakeComfy, client: ComfyClient): Promise<JobOutcome> {
    fake.faults.stall = true;
    const job = await client.submit(freshGraph());
    const kept = await client.submit(freshGraph());
    const res = await request(fake.url, 'POST', '/queue', { delete: [job.promptId] });
    assert.equal(res.status, 200);
    const outcome = await job.done;
    // The other prompt of ours is untouched and still waits its turn.
    const q = await client.queue();
    assert.ok(q.queue_pending.some((item) => item[1] === kept.promptId));
    return outcome;
  }

  it('is reported as deleted on the server by another client, long before the watchdog', { timeout: 15_000 }, async () => {
    const fake = await fx.server();
    const outcome = await deletedByOther(fake, fx.client(fake, { watchdogMs: MINUTES }));
    assert.equal(outcome.status, 'lost');
    assert.equal(outcome.reason, 'deletedOnServer');
    assert.match(outcome.error ?? '', /deleted on the server by another client/i);
    assert.equal(outcome.history, undefined);
  });

  it('is noticed by polling when no status broadcast reaches us', { timeout: 15_000 }, async () => {
    const fake = await fx.server();
    const client = fx.client(fake, { watchdogMs: MINUTES });
    await client.connect();
    const twin = await RawSocket.open(fake.url, { clientId: client.clientId });
    twin.close();
    await new Promise((r) => setTimeout(r, 50));
    const outcome = await deletedByOther(fake, client);
    assert.equal(outcome.reason, 'deletedOnServer');
    assert.match(outcome.error ?? '', /deleted on the server by another client/i);
  });

  it('a prompt forgotten in a restart is still reported as forgotten, not as deleted', { timeout: 15_000 }, async () => {
    const fake = await fx.server({ msPerStep: 30 });
    const client = fx.client(fake, { watchdogMs: MINUTES, reconnect: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 50 } });
    const job = await client.submit(freshGraph(200), { onEvent: onFirstProgress(() => void fake.restart()) });
    const outcome = await job.done;
    assert.equal(outcome.status, 'lost');
    assert.equal(outcome.reason, 'serverForgot');
    assert.match(outcome.error ?? '', /no longer knows prompt/);
  });
});
