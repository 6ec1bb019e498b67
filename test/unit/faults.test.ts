/**
 * Faults a long sweep meets on a real network, each against the test server's fault switches:
 * every trial checks that each finished image is on disk with its hash, none is lost or
 * duplicated, and the record is valid. QWENPROMPT_SOAK=N multiplies the trial counts.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ComfyClient } from '../../src/core/comfy/client';
import { resumeRun, runSpec } from '../../src/core/runs/session';
import { startFakeComfy, type FakeComfy } from '../fakes/comfyServer';
import { studySpec } from './helpers/spec';
import { assertComplete, checkRunFolder, inLanes, rng, trials } from './helpers/trials';

const tiny = (over = {}) => studySpec({ width: 16, height: 16, steps: [1, 2], repeats: 2, ...over });
const fastClient = (url: string, over = {}) =>
  new ComfyClient({
    baseUrl: url,
    reconnect: { maxAttempts: 20, baseDelayMs: 5, maxDelayMs: 40 },
    historyGraceMs: 200,
    historyRetryDelayMs: 10,
    viewRetryDelayMs: 10,
    watchdogMs: 30_000,
    ...over,
  });

test(
  `the WebSocket dropped at a random point of a sweep: every image recovered, none lost or duplicated (${trials(100)} trials)`,
  { timeout: 300_000 },
  async (t) => {
    const lanes = 4;
    const fakes: FakeComfy[] = await Promise.all(
      Array.from({ length: lanes }, () => startFakeComfy({ msPerStep: 1, loadMs: 2, nodeMs: 1, previews: false })),
    );
    const root = mkdtempSync(path.join(tmpdir(), 'qp-wsdrop-'));
    let recovered = 0;
    try {
      await inLanes(trials(100), lanes, async (n, lane) => {
        const fake = fakes[lane];
        const random = rng(n + 1);
        // A sweep of 4 jobs sends about 60 messages; drop anywhere in it (or just after it began).
        fake.faults.dropSocketAfter = 1 + Math.floor(random() * 60);
        const client = fastClient(fake.url);
        try {
          const { runDir, record } = await runSpec({
            spec: tiny({ seed: 1000 + n * 10, id: `t${n}` }),
            specFile: '/x/t.qwenprompt',
            client,
            runsRoot: root,
            previewMethod: 'none',
            vramPollMs: 1000,
          });
          const onDisk = checkRunFolder(runDir, `trial ${n}`);
          assertComplete(onDisk, `trial ${n} (drop after ${fake.faults.dropSocketAfter ?? 'spent'})`);
          assert.deepEqual(onDisk, JSON.parse(JSON.stringify(record)), `trial ${n}: the record on disk is the final one`);
          if (fake.faults.dropSocketAfter === undefined) recovered++;
        } finally {
          fake.faults.dropSocketAfter = undefined;
          client.close();
        }
      });
      t.diagnostic(`${trials(100)} trials, ${recovered} with the socket dropped mid-sweep, 0 images lost`);
      assert.ok(recovered >= trials(100) / 2, `the drop happened mid-sweep in most trials (${recovered})`);
    } finally {
      await Promise.all(fakes.map((f) => f.close()));
    }
  },
);

test(
  'ComfyUI restarted mid-sweep: finished images kept, the lost jobs marked lost, and a resume runs only those',
  { timeout: 60_000 },
  async () => {
    const fake = await startFakeComfy({ msPerStep: 5, loadMs: 2, nodeMs: 1 });
    const root = mkdtempSync(path.join(tmpdir(), 'qp-restart-'));
    const client = fastClient(fake.url);
    try {
      let restarted = false;
      const { runDir, record } = await runSpec({
        // 100 ms jobs: on a loaded machine the first image's update must still come before the last job ends.
        spec: tiny({ steps: [20], repeats: 4 }),
        specFile: '/x/r.qwenprompt',
        client,
        runsRoot: root,
        onUpdate: (u) => {
          if (!restarted && u.type === 'cell' && u.cell.status === 'success') {
            restarted = true;
            void fake.restart();
          }
        },
      });
      assert.ok(restarted);
      const statuses = record.cells.map((c) => c.status);
      const kept = record.cells.filter((c) => c.status === 'success');
      const lost = record.cells.filter((c) => c.status === 'lost');
      assert.ok(kept.length >= 1, `finished results kept: ${statuses}`);
      assert.ok(lost.length >= 1, `the forgotten jobs are lost: ${statuses}`);
      assert.equal(kept.length + lost.length, 4, statuses.join());
      assert.ok(
        lost.every((c) => /restarted|no longer knows/.test(c.error ?? '')),
        lost[0].error,
      );
      assert.equal(record.status, 'partial');
      checkRunFolder(runDir);

      const before = fake.requests.filter((r) => r.method === 'POST' && r.path === '/prompt').length;
      const resumed = await resumeRun({ runDir, specFile: '/x/r.qwenprompt', client });
      const posted = fake.requests.filter((r) => r.method === 'POST' && r.path === '/prompt').length - before;
      assert.equal(posted, lost.length, 'only the lost jobs ran again');
      assert.equal(resumed.resumedCells, lost.length);
      const final = checkRunFolder(runDir);
      assertComplete(final, 'resumed');
      for (const c of kept)
        assert.deepEqual(
          final.cells.find((x) => x.key === c.key),
          c,
          `${c.key} untouched`,
        );
      assert.equal(final.resumedAt?.length, 1);
    } finally {
      client.close();
      await fake.close();
    }
  },
);

test(
  'a server that stalls mid-job: the watchdog ends the wait, says so, and the queued jobs do not wait forever',
  { timeout: 60_000 },
  async () => {
    const fake = await startFakeComfy({ msPerStep: 5, loadMs: 2, nodeMs: 1 });
    const root = mkdtempSync(path.join(tmpdir(), 'qp-stall-'));
    const client = fastClient(fake.url, { watchdogMs: 400 });
    try {
      fake.faults.stallMidRun = true;
      const { runDir, record } = await runSpec({
        spec: tiny({ steps: [3], repeats: 3 }),
        specFile: '/x/s.qwenprompt',
        client,
        runsRoot: root,
      });
      assert.equal(record.status, 'failed');
      assert.match(record.cells[0].error ?? '', /sent nothing about prompt .* for \d+ ms while it was running/);
      assert.match(record.cells[0].error ?? '', /watchdog/i, 'names the setting to raise');
      assert.ok(record.cells.slice(1).every((c) => c.status === 'failed' && /Not run: ComfyUI stopped answering/.test(c.error ?? '')));
      checkRunFolder(runDir);
      fake.faults.stallMidRun = false;
      const q = await client.queue();
      assert.equal(q.queue_pending.length, 0, 'the jobs behind the stuck one were taken off the queue');
    } finally {
      client.close();
      await fake.close();
    }
  },
);

test('/view failing: retried until it works; failing for good gives a clear error and a valid record', { timeout: 60_000 }, async () => {
  const fake = await startFakeComfy({ msPerStep: 1, loadMs: 2, nodeMs: 1 });
  const root = mkdtempSync(path.join(tmpdir(), 'qp-view-'));
  const client = fastClient(fake.url, { viewAttempts: 3 });
  try {
    fake.faults.viewFailures = 2;
    const ok = await runSpec({ spec: tiny({ steps: [1], repeats: 1 }), specFile: '/x/v.qwenprompt', client, runsRoot: root });
    assertComplete(checkRunFolder(ok.runDir), 'retried');
    assert.equal(fake.faults.viewFailures, 0, 'both failures were met and retried');

    fake.faults.viewFailures = 1000;
    const bad = await runSpec({ spec: tiny({ steps: [1], repeats: 1, seed: 7 }), specFile: '/x/v.qwenprompt', client, runsRoot: root });
    assert.equal(bad.record.status, 'failed');
    assert.match(bad.record.cells[0].error ?? '', /500|server error|Internal Server Error/i);
    assert.deepEqual(checkRunFolder(bad.runDir).cells[0].images, [], 'no image recorded that is not on disk');
    assert.ok(1000 - fake.faults.viewFailures >= 3, 'retried (three tries), then it gave up');
  } finally {
    client.close();
    await fake.close();
  }
});

test('/history answering {} for a while: retried, and the image recovered', { timeout: 60_000 }, async () => {
  const fake = await startFakeComfy({ msPerStep: 1, loadMs: 2, nodeMs: 1 });
  const root = mkdtempSync(path.join(tmpdir(), 'qp-hist-'));
  const client = fastClient(fake.url);
  try {
    fake.faults.historyEmptyFor = 4;
    const { runDir } = await runSpec({ spec: tiny(), specFile: '/x/h.qwenprompt', client, runsRoot: root });
    assertComplete(checkRunFolder(runDir), 'history retried');
    assert.equal(fake.faults.historyEmptyFor, 0);
  } finally {
    client.close();
    await fake.close();
  }
});

test('a server that goes away for good: the run ends with a clear error, never hangs', { timeout: 60_000 }, async () => {
  const fake = await startFakeComfy({ msPerStep: 20, loadMs: 2, nodeMs: 1 });
  const root = mkdtempSync(path.join(tmpdir(), 'qp-gone-'));
  const client = fastClient(fake.url, { reconnect: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 10 }, requestTimeoutMs: 2000 });
  try {
    let gone = false;
    const { runDir, record } = await runSpec({
      spec: tiny({ steps: [10], repeats: 2 }),
      specFile: '/x/g.qwenprompt',
      client,
      runsRoot: root,
      onUpdate: (u) => {
        if (!gone && u.type === 'progress' && u.value >= 2) {
          gone = true;
          fake.faults.refuseConnections = true;
          fake.dropSockets();
        }
      },
    });
    assert.ok(gone);
    assert.notEqual(record.status, 'complete');
    for (const c of record.cells) assert.match(c.error ?? '', /ComfyUI|connect/i, `${c.key}: ${c.status}`);
    checkRunFolder(runDir);
  } finally {
    client.close();
    await fake.close();
  }
});
