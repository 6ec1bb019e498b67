/**
 * Lost routing in whole sweeps, through the runner: at a random point of a 4-job sweep the socket drops
 * and comes back under a new socket id (a proxy that ignores ?clientId=), so no execution message of
 * the rest reaches the client. Every trial must complete from /queue + /history with every image on
 * disk, long before the 10-minute watchdog. Also: a shared server where another client deletes one of
 * our queued prompts. QWENPROMPT_SOAK=N multiplies the trial counts.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { ComfyClient } from '../../src/core/comfy/client';
import { runSpec } from '../../src/core/runs/session';
import { startFakeComfy, type FakeComfy } from '../fakes/comfyServer';
import { request } from '../fakes/rawClient';
import { studySpec } from './helpers/spec';
import { assertComplete, checkRunFolder, inLanes, rng, trials } from './helpers/trials';

const MINUTES = 10 * 60_000;
const tiny = (over = {}) => studySpec({ width: 16, height: 16, steps: [2, 4], repeats: 2, ...over });
const client = (url: string) =>
  new ComfyClient({
    baseUrl: url,
    watchdogMs: MINUTES,
    reconnect: { maxAttempts: 20, baseDelayMs: 5, maxDelayMs: 40 },
    historyGraceMs: 200,
    historyRetryDelayMs: 10,
    viewRetryDelayMs: 10,
  });

test(
  `routing lost at a random point of a sweep (reconnect under a new socket id): every image made, none lost, no watchdog (${trials(50)} trials)`,
  { timeout: 180_000 },
  async (t) => {
    const lanes = 2;
    const fakes: FakeComfy[] = await Promise.all(
      Array.from({ length: lanes }, () => startFakeComfy({ msPerStep: 5, loadMs: 2, nodeMs: 1, previews: false })),
    );
    const root = mkdtempSync(path.join(tmpdir(), 'qp-routing-'));
    let lost = 0;
    try {
      await inLanes(trials(50), lanes, async (n, lane) => {
        const fake = fakes[lane];
        fake.faults.ignoreClientId = false;
        const random = rng(n + 7);
        // A sweep of 4 jobs sends about 60 messages; lose routing anywhere in it.
        fake.faults.dropSocketAfter = 2 + Math.floor(random() * 55);
        const c = client(fake.url);
        // Every reconnect from the drop on gets a fresh socket id.
        c.onEvent((e) => {
          if (e.type === 'connection' && e.state === 'reconnecting') fake.faults.ignoreClientId = true;
        });
        try {
          const { runDir } = await runSpec({
            spec: tiny({ seed: 5000 + n * 10, id: `r${n}` }),
            specFile: '/x/r.qwenprompt',
            client: c,
            runsRoot: root,
            previewMethod: 'none',
            vramPollMs: 60_000,
          });
          assertComplete(checkRunFolder(runDir, `trial ${n}`), `trial ${n}`);
          if (fake.faults.ignoreClientId) lost++;
        } finally {
          fake.faults.dropSocketAfter = undefined;
          fake.faults.ignoreClientId = false;
          c.close();
        }
      });
      t.diagnostic(`${trials(50)} trials, ${lost} with routing lost mid-sweep, 0 images lost`);
      assert.ok(lost >= trials(50) / 2, `routing was lost mid-sweep in most trials (${lost})`);
    } finally {
      await Promise.all(fakes.map((f) => f.close()));
    }
  },
);

test('another client deletes one of our queued prompts mid-sweep: that cell says so, the rest complete', { timeout: 60_000 }, async () => {
  const fake = await startFakeComfy({ msPerStep: 20, loadMs: 2, nodeMs: 1, previews: false });
  const c = client(fake.url);
  const root = mkdtempSync(path.join(tmpdir(), 'qp-deleted-'));
  try {
    let deleted: string | undefined;
    const timer = setInterval(() => {
      const last = fake.requests.filter((r) => r.method === 'POST' && r.path === '/prompt').length >= 4;
      if (!last || deleted) return;
      // The last prompt posted is still queued behind the others.
      void c.queue().then((q) => {
        const id = q.queue_pending.map((item) => item[1] as string).pop();
        if (!id || deleted) return;
        deleted = id;
        void request(fake.url, 'POST', '/queue', { delete: [id] });
      });
    }, 5);
    const { record } = await runSpec({
      spec: tiny({ seed: 9100 }),
      specFile: '/x/d.qwenprompt',
      client: c,
      runsRoot: root,
      previewMethod: 'none',
      vramPollMs: 60_000,
    });
    clearInterval(timer);
    assert.ok(deleted, 'a queued prompt was deleted');
    const cell = record.cells.find((x) => x.promptId === deleted)!;
    assert.equal(cell.status, 'lost');
    assert.match(cell.error ?? '', /deleted on the server by another client/i);
    assert.deepEqual(
      record.cells.filter((x) => x !== cell).map((x) => x.status),
      ['success', 'success', 'success'],
    );
  } finally {
    c.close();
    await fake.close();
  }
});
