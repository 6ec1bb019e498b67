/**
 * Cancelling a whole run (Ctrl-C, ■ Cancel) on a server shared with another client, through the
 * runner as the CLI and the extension use it: the other client's prompt runs on, none of ours is left
 * running or queued, and after a reconnect under a new socket id the run still ends at once.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { ComfyClient } from '../../src/core/comfy/client';
import { runSpec } from '../../src/core/runs/session';
import type { FakeComfy } from '../fakes/comfyServer';
import { request } from '../fakes/rawClient';
import { comfyFixture, freshGraph } from './helpers/comfyPieces';
import { studySpec } from './helpers/spec';

const fx = comfyFixture();
const MINUTES = 10 * 60_000;
const spec = (seed: number) => studySpec({ width: 64, height: 64, steps: [40], repeats: 3, seed });

async function jobStatus(fake: FakeComfy, id: string): Promise<string | undefined> {
  const res = await request(fake.url, 'GET', `/api/jobs/${id}`);
  return res.status === 200 ? (res.json.status as string) : undefined;
}

/** Our prompts still running or queued on the server. */
async function oursOnServer(client: ComfyClient, theirs: string): Promise<unknown[]> {
  const q = await client.queue();
  return [...q.queue_running, ...q.queue_pending].filter((item) => item[1] !== theirs);
}

function run(client: ComfyClient, seed: number, signal: AbortSignal) {
  const root = mkdtempSync(path.join(tmpdir(), 'qp-cancel-shared-'));
  return runSpec({
    spec: spec(seed),
    specFile: '/x/c.qwenprompt',
    client,
    runsRoot: root,
    previewMethod: 'none',
    signal,
    vramPollMs: 60_000,
  });
}

describe('cancelling a run on a shared server', () => {
  it("leaves another client's running prompt alone and none of ours on the server", { timeout: 30_000 }, async () => {
    const fake = await fx.server({ msPerStep: 20 });
    const res = await request(fake.url, 'POST', '/prompt', { prompt: freshGraph(600), client_id: 'someone-else' });
    const theirs = res.json.prompt_id as string;
    const client = fx.client(fake, { watchdogMs: MINUTES });
    const ac = new AbortController();
    const posted = () => fake.requests.filter((r) => r.method === 'POST' && r.path === '/prompt').length;
    const timer = setInterval(() => posted() >= 4 && ac.abort(), 10);
    try {
      const { record } = await run(client, 31, ac.signal);
      assert.equal(record.status, 'cancelled');
      assert.deepEqual(
        record.cells.map((c) => c.status),
        ['cancelled', 'cancelled', 'cancelled'],
      );
    } finally {
      clearInterval(timer);
    }
    assert.equal(await jobStatus(fake, theirs), 'in_progress', 'their prompt still runs');
    for (const r of fake.requests.filter((x) => x.path === '/interrupt')) {
      assert.notEqual((r.body as { prompt_id?: string } | undefined)?.prompt_id ?? '', '', 'no interrupt without a prompt id');
      assert.notEqual((r.body as { prompt_id?: string }).prompt_id, theirs);
    }
    assert.deepEqual(await oursOnServer(client, theirs), []);
  });

  it(
    'after a reconnect under a new socket id, ends at once (not at the watchdog) with nothing of ours left',
    { timeout: 20_000 },
    async () => {
      const fake = await fx.server({ msPerStep: 20 });
      const client = fx.client(fake, { watchdogMs: MINUTES, reconnect: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 50 } });
      const ac = new AbortController();
      let drops = 0;
      client.onEvent((e) => {
        if (e.type === 'progress' && drops === 0) {
          drops++;
          fake.faults.ignoreClientId = true;
          fake.dropSockets();
        }
        if (e.type === 'connection' && e.state === 'connected' && drops > 0) ac.abort();
      });
      const { record } = await run(client, 47, ac.signal);
      assert.equal(record.status, 'cancelled');
      assert.ok(
        record.cells.every((c) => c.status === 'cancelled'),
        record.cells.map((c) => c.status).join(),
      );
      assert.deepEqual(await oursOnServer(client, ''), []);
    },
  );
});
