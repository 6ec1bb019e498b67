/** ComfyClient against the project's ComfyUI test server: job lifecycle, failures, recovery. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { ComfyClient, type ComfyClientOptions } from '../../src/core/comfy/client';
import type { ApiGraph, JobEvent } from '../../src/core/comfy/types';
import { startFakeComfy, type FakeComfy } from '../fakes/comfyServer';
import { onFirstProgress, rejection } from './helpers/comfyAssert';
import { FIXTURES } from './helpers/transcripts';
import { sniffImage } from '../../src/shared/image';

const WORKFLOW = JSON.parse(readFileSync(path.join(FIXTURES, 'comfy', 'workflow.api.json'), 'utf8')) as ApiGraph;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

let seedCounter = 1000;
/** The transcripts' graph with a fresh seed (so it really runs) and the given steps. */
function graph(steps = 8, seed = seedCounter++): ApiGraph {
  const g = structuredClone(WORKFLOW);
  g['3'].inputs.seed = seed;
  g['3'].inputs.steps = steps;
  return g;
}

const servers: FakeComfy[] = [];
const clients: ComfyClient[] = [];
afterEach(async () => {
  clients.splice(0).forEach((c) => c.close());
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function setup(
  server: Parameters<typeof startFakeComfy>[0] = {},
  opts: Partial<ComfyClientOptions> = {},
): Promise<{ fake: FakeComfy; client: ComfyClient }> {
  const fake = await startFakeComfy({ msPerStep: 2, loadMs: 5, nodeMs: 1, ...server });
  servers.push(fake);
  const client = new ComfyClient({
    baseUrl: fake.url,
    reconnect: { maxAttempts: 5, baseDelayMs: 50, maxDelayMs: 200 },
    historyRetryDelayMs: 10,
    viewRetryDelayMs: 10,
    ...opts,
  });
  clients.push(client);
  return { fake, client };
}

/** Resolves on the first event that matches. */
function nextEvent(client: ComfyClient, match: (e: JobEvent) => boolean): Promise<JobEvent> {
  return new Promise((resolve) => {
    const sub = client.onEvent((e) => {
      if (match(e)) {
        sub.dispose();
        resolve(e);
      }
    });
  });
}

describe('ComfyClient job lifecycle', () => {
  it('success: posts with our ids, reports events in order, settles with history and the saved image', async () => {
    const { fake, client } = await setup({ previews: true });
    const events: JobEvent[] = [];
    const job = await client.submit(graph(), { onEvent: (e) => events.push(e), extraPngInfo: { qwenprompt: { spec: 'x' } } });
    assert.match(job.promptId, UUID);
    const outcome = await job.done;

    const post = fake.requests.find((r) => r.method === 'POST' && r.path === '/prompt') as { body: Record<string, any> };
    assert.equal(post.body.client_id, client.clientId);
    assert.equal(post.body.prompt_id, job.promptId);
    assert.deepEqual(post.body.extra_data, { preview_method: 'auto', extra_pnginfo: { qwenprompt: { spec: 'x' } } });

    assert.equal(outcome.status, 'success');
    assert.equal(outcome.promptId, job.promptId);
    assert.equal(outcome.number, job.number);
    assert.ok(outcome.acceptedAt >= outcome.postedAt);
    assert.ok(outcome.history, 'history attached');
    assert.equal(outcome.images.length, 1);
    assert.equal(outcome.images[0].type, 'output');
    const types = outcome.messages.map((m) => m.msg.type);
    assert.equal(types[0], 'execution_start');
    assert.ok(types.includes('execution_success'));
    assert.ok(outcome.messages.every((m) => m.msg.data.prompt_id === job.promptId && m.at > 0));

    const kinds = events.map((e) => e.type);
    assert.ok(kinds.indexOf('started') < kinds.indexOf('progress'));
    assert.ok(kinds.lastIndexOf('progress') < kinds.indexOf('executed'));
    assert.equal(kinds.at(-1), 'finished');
    assert.ok(kinds.includes('queued'));
    assert.ok(kinds.includes('preview'), 'live previews arrive as preview events');
    const steps = events.flatMap((e) => (e.type === 'progress' && e.node === '3' ? [e.value] : []));
    assert.equal(steps.at(-1), 8);

    const bytes = await client.view(outcome.images[0]);
    assert.equal(sniffImage(bytes), 'png');
  });

  it('cached re-run: success with every node cached and nothing sampled', async () => {
    const { client } = await setup();
    const g = graph();
    const first = await (await client.submit(g)).done;
    const events: JobEvent[] = [];
    const again = await (await client.submit(g, { onEvent: (e) => events.push(e) })).done;
    assert.equal(again.status, 'success');
    const cached = events.find((e) => e.type === 'cached');
    assert.ok(cached && cached.type === 'cached');
    assert.deepEqual([...cached.nodes].sort(), Object.keys(g).sort());
    assert.equal(events.filter((e) => e.type === 'progress').length, 0);
    assert.deepEqual(again.images, first.images);
  });

  it('interrupt: the running prompt ends interrupted, naming the node', async () => {
    const { client } = await setup({ msPerStep: 20 });
    const job = await client.submit(graph(500), {
      onEvent: (e) => {
        if (e.type === 'progress') void client.interrupt(job.promptId);
      },
    });
    const outcome = await job.done;
    assert.equal(outcome.status, 'interrupted');
    assert.match(outcome.error ?? '', /KSampler \(node 3\)/);
    assert.deepEqual(outcome.images, []);
  });

  it('deleteQueued removes a pending prompt; the queue no longer lists it', async () => {
    const { client } = await setup({ msPerStep: 20 });
    const running = await client.submit(graph(200));
    const pending = await client.submit(graph(8));
    await client.deleteQueued([pending.promptId]);
    const q = await client.queue();
    assert.ok(!q.queue_pending.some((item) => item[1] === pending.promptId));
    await client.interrupt();
    assert.equal((await running.done).status, 'interrupted');
  });
});

describe('ComfyClient refusals', () => {
  it('400 validation carries node errors; missing node type and no outputs are invalidPrompt', async () => {
    const { client } = await setup();
    const bad = graph();
    bad['3'].inputs.sampler_name = 'not_a_sampler';
    const v = await rejection(client.submit(bad));
    assert.equal(v.kind, 'validation');
    assert.equal(v.status, 400);
    assert.deepEqual(
      v.nodeErrors?.map((n) => [n.node, n.input, n.type]),
      [['3', 'sampler_name', 'value_not_in_list']],
    );
    assert.match(v.message, /node 3 \(KSampler\), input sampler_name: 'not_a_sampler' is not an allowed value/);

    const missing = graph();
    missing['4'].class_type = 'NoSuchNode';
    const m = await rejection(client.submit(missing));
    assert.equal(m.kind, 'invalidPrompt');
    assert.match(m.message, /\(NoSuchNode\) is not installed on the server/);

    const noOut = graph();
    delete noOut['9'];
    assert.equal((await rejection(client.submit(noOut))).kind, 'invalidPrompt');
  });

  it('500 on POST /prompt is a server error with the body line', async () => {
    const { fake, client } = await setup();
    fake.faults.http500 = ['/prompt'];
    const e = await rejection(client.submit(graph()));
    assert.equal(e.kind, 'server');
    assert.match(e.message, /HTTP 500/);
  });

  it('server down: submit says no server answers at the URL', async () => {
    const { fake, client } = await setup();
    await fake.close();
    const e = await rejection(client.submit(graph()));
    assert.equal(e.kind, 'unreachable');
    assert.match(e.message, new RegExp(`No ComfyUI server answers at ${fake.url.replace(/[.]/g, '\\.').replace(/\/$/, '')}`));
  });
});

describe('ComfyClient recovery', () => {
  it('socket drop mid-run: reconnects and recovers the result from /history with its image', async () => {
    const { fake, client } = await setup({ msPerStep: 5 }, { reconnect: { maxAttempts: 5, baseDelayMs: 400, maxDelayMs: 400 } });
    const states: string[] = [];
    client.onEvent((e) => {
      if (e.type === 'connection') states.push(e.state);
    });
    const job = await client.submit(graph(10), { onEvent: onFirstProgress(() => fake.dropSockets()) });
    // The reconnect's resync or the poll of a silent job, whichever comes first, settles it.
    const reconnected = nextEvent(client, (e) => e.type === 'connection' && e.state === 'connected');
    const outcome = await job.done;
    assert.equal(outcome.status, 'success');
    assert.equal(outcome.recovered, true);
    assert.equal(outcome.images.length, 1);
    assert.ok(outcome.history);
    await reconnected;
    assert.deepEqual(states.slice(0, 3), ['connected', 'reconnecting', 'connected']);
  });

  it('server restart mid-run: the prompt is reported lost', async () => {
    const { fake, client } = await setup({ msPerStep: 30 });
    const job = await client.submit(graph(200), { onEvent: onFirstProgress(() => void fake.restart()) });
    const outcome = await job.done;
    assert.equal(outcome.status, 'lost');
    assert.match(outcome.error ?? '', /no longer knows prompt .* \(it probably restarted\)/);
    assert.equal(outcome.history, undefined);
  });

  it('giving up reconnecting settles unfinished jobs as lost', async () => {
    const { fake, client } = await setup({ msPerStep: 30 }, { reconnect: { maxAttempts: 2, baseDelayMs: 20, maxDelayMs: 20 } });
    const job = await client.submit(graph(200), { onEvent: onFirstProgress(() => void fake.close()) });
    const outcome = await job.done;
    assert.equal(outcome.status, 'lost');
    assert.match(outcome.error ?? '', /could not reconnect after 2 attempts/);
  });

  it('a run that stalls mid-way ends in a watchdog error saying how long it waited', async () => {
    const { fake, client } = await setup({}, { watchdogMs: 300 });
    fake.faults.stallMidRun = true;
    const job = await client.submit(graph());
    const e = await rejection(job.done);
    assert.equal(e.kind, 'watchdog');
    assert.match(e.message, /sent nothing about prompt .* for 3\d\d ms while it was running/);
    assert.match(e.message, /check the ComfyUI console/);
  });

  it('a queued prompt the server no longer lists (another client deleted it) ends as deleted, not in a watchdog error', async () => {
    const { fake, client } = await setup({}, { watchdogMs: 60_000 });
    fake.faults.stall = true;
    const job = await client.submit(graph());
    // Another client removes it from the queue behind our back.
    const other = new ComfyClient({ baseUrl: fake.url });
    clients.push(other);
    await other.deleteQueued([job.promptId]);
    const outcome = await job.done;
    assert.equal(outcome.status, 'lost');
    assert.equal(outcome.reason, 'deletedOnServer');
    assert.match(outcome.error ?? '', /deleted on the server by another client/i);
  });

  it('a /history that answers {} at first is retried until the entry is there', async () => {
    const { fake, client } = await setup();
    fake.faults.historyEmptyFor = 2;
    const outcome = await (await client.submit(graph())).done;
    assert.equal(outcome.status, 'success');
    assert.ok(outcome.history);
    const reads = fake.requests.filter((r) => r.method === 'GET' && r.path === `/history/${outcome.promptId}`);
    assert.ok(reads.length >= 3, `read ${reads.length} times`);
  });

  it('/view retries transient failures, then reports the server error', async () => {
    const { fake, client } = await setup({}, { viewAttempts: 3 });
    const outcome = await (await client.submit(graph())).done;
    fake.faults.viewFailures = 2;
    assert.equal(sniffImage(await client.view(outcome.images[0])), 'png');
    fake.faults.viewFailures = 5;
    assert.equal((await rejection(client.view(outcome.images[0]))).kind, 'server');
  });
});

describe('ComfyClient cancellation', () => {
  it('aborting the wait rejects done with aborted; an aborted submit posts nothing', async () => {
    const { fake, client } = await setup({ msPerStep: 20 });
    const ctrl = new AbortController();
    const job = await client.submit(graph(200), { signal: ctrl.signal, onEvent: onFirstProgress(() => ctrl.abort()) });
    assert.equal((await rejection(job.done)).kind, 'aborted');
    await client.interrupt();

    const posts = fake.requests.filter((r) => r.method === 'POST' && r.path === '/prompt').length;
    assert.equal((await rejection(client.submit(graph(), { signal: AbortSignal.abort() }))).kind, 'aborted');
    assert.equal(fake.requests.filter((r) => r.method === 'POST' && r.path === '/prompt').length, posts);
  });

  it('close() rejects pending jobs with aborted and reports the connection closed', async () => {
    const { client } = await setup({ msPerStep: 20 });
    const closed = nextEvent(client, (e) => e.type === 'connection' && e.state === 'closed');
    const job = await client.submit(graph(200));
    client.close();
    const e = await rejection(job.done);
    assert.equal(e.kind, 'aborted');
    assert.match(e.message, /closed before prompt/);
    await closed;
  });
});
