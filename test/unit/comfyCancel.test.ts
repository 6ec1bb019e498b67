/**
 * Cancelling against the test server, which shares one queue between clients as ComfyUI does: a cancel
 * names our prompts only (never a bare /interrupt), catches a prompt of ours the server started
 * meanwhile, says what happened to each, and returns at once after a reconnect under a new socket id.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ComfyClient } from '../../src/core/comfy/client';
import type { FakeComfy } from '../fakes/comfyServer';
import { request } from '../fakes/rawClient';
import { comfyFixture, freshGraph } from './helpers/comfyPieces';
import { startProxy } from './helpers/proxy';

const fx = comfyFixture();
const MINUTES = 10 * 60_000;

/** Every POST /interrupt the server saw named one of `ours`. */
function assertInterruptsNamed(fake: FakeComfy, ours: string[]): void {
  for (const r of fake.requests.filter((x) => x.path === '/interrupt')) {
    const id = (r.body as { prompt_id?: unknown } | undefined)?.prompt_id;
    assert.ok(typeof id === 'string' && ours.includes(id), `an interrupt named ${String(id)}`);
  }
}

/** A prompt of another client, running now. */
async function othersRunning(fake: FakeComfy): Promise<string> {
  const res = await request(fake.url, 'POST', '/prompt', { prompt: freshGraph(400), client_id: 'someone-else' });
  assert.equal(res.status, 200, res.text);
  const id = res.json.prompt_id as string;
  await until(async () => (await jobStatus(fake, id)) === 'in_progress');
  return id;
}

async function jobStatus(fake: FakeComfy, id: string): Promise<string | undefined> {
  const res = await request(fake.url, 'GET', `/api/jobs/${id}`);
  return res.status === 200 ? (res.json.status as string) : undefined;
}

async function until(check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) assert.fail('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function ourIdsOnServer(client: ComfyClient, ids: string[]): Promise<string[]> {
  const q = await client.queue();
  return [...q.queue_running, ...q.queue_pending].map((item) => item[1] as string).filter((id) => ids.includes(id));
}

describe('cancel', () => {
  it("never touches another client's running prompt: ours is deleted from the queue, theirs runs on", { timeout: 20_000 }, async () => {
    const fake = await fx.server({ msPerStep: 20 });
    const theirs = await othersRunning(fake);
    const client = fx.client(fake, { watchdogMs: MINUTES });
    const job = await client.submit(freshGraph(4));
    // A bare interrupt would stop theirs: without an id the client stops only a prompt of its own.
    await client.interrupt();
    assert.equal(await jobStatus(fake, theirs), 'in_progress');
    const results = await client.cancel([job.promptId]);
    assert.deepEqual(results, [{ promptId: job.promptId, fate: 'deleted', via: 'queueDelete' }]);
    const outcome = await job.done;
    assert.equal(outcome.status, 'interrupted');
    assert.equal(outcome.reason, 'cancelledInQueue');
    assert.equal(await jobStatus(fake, theirs), 'in_progress');
    assertInterruptsNamed(fake, [job.promptId]);
    assert.deepEqual(await ourIdsOnServer(client, [job.promptId]), []);
  });

  it('interrupts our next prompt when the server moved on to it before we knew', { timeout: 20_000 }, async () => {
    const fake = await fx.server({ msPerStep: 20 });
    const client = fx.client(fake, { watchdogMs: MINUTES });
    const first = await client.submit(freshGraph(2));
    const second = await client.submit(freshGraph(400));
    // The caller still thinks `first` runs and `second` waits; the server already runs `second`.
    await until(async () => (await jobStatus(fake, second.promptId)) === 'in_progress');
    const results = await client.cancel([first.promptId, second.promptId]);
    assert.deepEqual(
      results.map((r) => [r.promptId, r.fate]),
      [
        [first.promptId, 'finished'],
        [second.promptId, 'interrupted'],
      ],
    );
    assert.equal((await first.done).status, 'success');
    assert.equal((await second.done).status, 'interrupted');
    assert.deepEqual(await ourIdsOnServer(client, [first.promptId, second.promptId]), []);
    assertInterruptsNamed(fake, [second.promptId]);
  });

  it('on a server without /api/jobs: /interrupt {prompt_id} and /queue {delete}, and the same results', { timeout: 20_000 }, async () => {
    const fake = await fx.server({ msPerStep: 20 });
    const proxy = await startProxy({ http: fake.url, missing: /^\/api\/jobs/ });
    try {
      const client = fx.client({ url: proxy.url } as FakeComfy, { watchdogMs: MINUTES });
      const running = await client.submit(freshGraph(400));
      const queued = await client.submit(freshGraph(4));
      await until(async () => (await jobStatus(fake, running.promptId)) === 'in_progress');
      const results = await client.cancel([running.promptId, queued.promptId, 'b1c5b3d0-6a4e-4f55-9d1e-0d5b7a0c4e11']);
      assert.deepEqual(results, [
        { promptId: running.promptId, fate: 'interrupted', via: 'interrupt' },
        { promptId: queued.promptId, fate: 'deleted', via: 'queueDelete' },
        { promptId: 'b1c5b3d0-6a4e-4f55-9d1e-0d5b7a0c4e11', fate: 'notFound' },
      ]);
      assert.equal((await running.done).status, 'interrupted');
      assert.equal((await queued.done).reason, 'cancelledInQueue');
      assertInterruptsNamed(fake, [running.promptId]);
      assert.deepEqual(await ourIdsOnServer(client, [running.promptId, queued.promptId]), []);
    } finally {
      await proxy.close();
    }
  });

  it('after a reconnect under a new socket id, returns at once and the running job ends interrupted', { timeout: 15_000 }, async () => {
    const fake = await fx.server({ msPerStep: 20 });
    const client = fx.client(fake, { watchdogMs: MINUTES, reconnect: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 50 } });
    const job = await client.submit(freshGraph(400));
    const queued = await client.submit(freshGraph(4));
    await until(async () => (await jobStatus(fake, job.promptId)) === 'in_progress');
    const reconnected = new Promise<void>((resolve) => {
      let drops = 0;
      client.onEvent((e) => {
        if (e.type === 'connection' && e.state === 'reconnecting') drops++;
        if (e.type === 'connection' && e.state === 'connected' && drops > 0) resolve();
      });
    });
    fake.faults.ignoreClientId = true;
    fake.dropSockets();
    await reconnected;
    const results = await client.cancel([job.promptId, queued.promptId]);
    assert.deepEqual(
      results.map((r) => r.fate),
      ['interrupted', 'deleted'],
    );
    const outcome = await job.done;
    assert.equal(outcome.status, 'interrupted');
    assert.match(outcome.error ?? '', /KSampler/);
    assert.equal((await queued.done).status, 'interrupted');
  });

  it('an unreachable server: each prompt is unknown, with the reason', async () => {
    const fake = await fx.server();
    const client = fx.client(fake, { requestTimeoutMs: 2000 });
    await fake.kill();
    const [r] = await client.cancel(['b1c5b3d0-6a4e-4f55-9d1e-0d5b7a0c4e11']);
    assert.equal(r.fate, 'unknown');
    assert.match(r.error ?? '', /No ComfyUI server answers/);
  });
});
