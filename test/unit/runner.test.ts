import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import { ComfyClient } from '../../src/core/comfy/client';
import { isComfyError } from '../../src/core/comfy/errors';
import { readRunRecord } from '../../src/core/runs/record';
import { runSpec } from '../../src/core/runs/session';
import { SpecRejectedError } from '../../src/core/runs/specRejected';
import type { RunUpdate } from '../../src/core/runs/options';
import { startFakeComfy } from '../fakes/comfyServer';
import { buildGraph } from '../../src/core/comfy/graph';
import { planCells } from '../../src/core/runs/plan';
import { studySpec } from './helpers/spec';

const small = (over = {}) => studySpec({ width: 64, height: 64, steps: [2, 4], repeats: 2, ...over });

async function withServer<T>(fn: (url: string, fake: Awaited<ReturnType<typeof startFakeComfy>>) => Promise<T>, opts = {}): Promise<T> {
  const fake = await startFakeComfy({ msPerStep: 10, loadMs: 10, ...opts });
  try {
    return await fn(fake.url, fake);
  } finally {
    await fake.close();
  }
}

test('a sweep runs end to end: every image on disk with its hash, timings, stats and a complete record', async () => {
  await withServer(
    async (url, fake) => {
      const root = mkdtempSync(path.join(tmpdir(), 'qp-run-'));
      const client = new ComfyClient({ baseUrl: url });
      const updates: RunUpdate[] = [];
      try {
        const { runDir, record } = await runSpec({
          spec: small(),
          specFile: '/x/study.qwenprompt',
          client,
          runsRoot: root,
          onUpdate: (u) => updates.push(u),
          vramPollMs: 5,
        });
        assert.equal(record.status, 'complete');
        assert.equal(record.cells.length, 4);
        assert.equal(record.server.url, url);
        assert.ok(record.server.gpu, 'the GPU is named in the record');
        const onDisk = await readRunRecord(runDir);
        assert.deepEqual(
          onDisk.cells.map((c) => c.status),
          ['success', 'success', 'success', 'success'],
        );
        const hashes = new Set<string>();
        for (const c of onDisk.cells) {
          assert.equal(c.images.length, 1);
          const bytes = readFileSync(path.join(runDir, c.images[0].file));
          assert.equal(createHash('sha256').update(bytes).digest('hex'), c.images[0].sha256);
          assert.equal(c.images[0].width, 64);
          hashes.add(c.images[0].sha256);
          assert.ok(c.timings!.executionMs > 0);
          assert.ok(c.timings!.clientWallMs! >= c.timings!.executionMs - 50);
          assert.ok(c.graph, 'the exact graph sent is kept');
        }
        assert.equal(hashes.size, 4, 'each seed and step count gave its own image');
        assert.equal(onDisk.cells[0].timings!.cold, true, 'the first job loaded the models');
        assert.ok(
          onDisk.cells.slice(1).every((c) => !c.timings!.cold),
          'later jobs found them loaded',
        );
        const [s2, s4] = onDisk.stats;
        assert.equal(s2.column, '2 steps');
        assert.equal(s4.all!.n, 2);
        // Each column's statistics are its own cells' fresh costs: the execution time plus the cached encoders,
        // latent and model patch priced at their time in the first job (wall-clock order between columns is
        // not asserted: on a loaded machine 20 ms of sampling does not reliably outweigh scheduling noise).
        for (const s of [s2, s4]) {
          const warm = onDisk.cells.filter((c) => c.column === s.column && !c.timings!.cold);
          for (const c of warm) {
            const f = c.timings!.fresh!;
            assert.deepEqual(
              f.reused.map((r) => [r.node, r.from]).sort(),
              ['58', '6', '66', '7'].map((n) => [n, 'steps=2#r0']),
              `${c.key} reused what the first job ran`,
            );
            assert.equal(f.ms, c.timings!.executionMs + f.reused.reduce((a, r) => a + r.ms, 0));
          }
          const times = warm.map((c) => c.timings!.fresh!.ms);
          assert.equal(s.warm!.n, times.length, `${s.column}: warm n`);
          assert.equal(s.warm!.mean, times.reduce((a, b) => a + b, 0) / times.length, `${s.column}: warm mean`);
          assert.equal(s.warm!.max, Math.max(...times), `${s.column}: warm max`);
        }
        assert.ok(
          onDisk.cells.some((c) => c.timings!.peakVramBytes! > 0),
          'VRAM was sampled while jobs ran',
        );
        // All prompts were queued before the first result was fetched: the GPU never waited for the client.
        const reqs = fake.requests.map((r) => `${r.method} ${r.path}`);
        const lastPost = reqs.lastIndexOf('POST /prompt');
        const firstHistory = reqs.findIndex((r) => r.startsWith('GET /history/'));
        assert.ok(lastPost < firstHistory, `posts ${lastPost} before history ${firstHistory}`);
        assert.equal(reqs.filter((r) => r === 'POST /prompt').length, 4);
        assert.equal(updates[0].type, 'planned');
        assert.equal(updates.at(-1)!.type, 'finished');
        assert.ok(updates.some((u) => u.type === 'progress'));
        assert.deepEqual(readdirSync(runDir).sort(), ['run.json', ...onDisk.cells.map((c) => c.images[0].file)].sort());
      } finally {
        client.close();
      }
    },
    { loadMs: 300 },
  ); // a first job long enough that every prompt is posted while it runs
});

test('running the same spec again is served from cache: shown as cached and left out of statistics', async () => {
  await withServer(async (url) => {
    const root = mkdtempSync(path.join(tmpdir(), 'qp-cache-'));
    const client = new ComfyClient({ baseUrl: url });
    try {
      const spec = small({ steps: [2], repeats: 1 });
      await runSpec({ spec, specFile: '/x/a.qwenprompt', client, runsRoot: root });
      const { record } = await runSpec({ spec, specFile: '/x/a.qwenprompt', client, runsRoot: root });
      assert.equal(record.cells[0].status, 'cached', record.cells[0].error);
      assert.equal(record.cells[0].images.length, 1, 'the cached image is still saved');
      assert.equal(record.stats[0].all, undefined);
      assert.equal(record.stats[0].cachedCount, 1);
    } finally {
      client.close();
    }
  });
});

test('a spec the server rejects names the spec field and leaves no run folder', async () => {
  await withServer(async (url) => {
    const root = mkdtempSync(path.join(tmpdir(), 'qp-rej-'));
    const client = new ComfyClient({ baseUrl: url });
    try {
      const err = await runSpec({ spec: small({ sampler: 'not_a_sampler' }), specFile: '/x/a.qwenprompt', client, runsRoot: root }).then(
        () => assert.fail('should be rejected'),
        (e) => e,
      );
      assert.ok(err instanceof SpecRejectedError, String(err));
      assert.equal(err.problems[0].field, 'sampler');
      assert.match(err.message, /not_a_sampler/);
      assert.deepEqual(readdirSync(root), []);
    } finally {
      client.close();
    }
  });
});

test('cancel interrupts the running prompt, deletes the queued ones and leaves a valid record', async () => {
  await withServer(
    async (url, fake) => {
      const root = mkdtempSync(path.join(tmpdir(), 'qp-cancel-'));
      const client = new ComfyClient({ baseUrl: url });
      const ac = new AbortController();
      try {
        const { runDir, record } = await runSpec({
          spec: small({ steps: [50], repeats: 3 }),
          specFile: '/x/a.qwenprompt',
          client,
          runsRoot: root,
          signal: ac.signal,
          // Cancel once a second prompt waits on the server (on a loaded machine it may be posted after the
          // first steps), so there is a queued one to delete.
          onUpdate: (u) => {
            const posted = fake.requests.filter((r) => r.method === 'POST' && r.path === '/prompt').length;
            if (u.type === 'progress' && u.value >= 3 && posted >= 2) ac.abort();
          },
        });
        assert.equal(record.status, 'cancelled');
        assert.deepEqual(
          record.cells.map((c) => c.status),
          ['cancelled', 'cancelled', 'cancelled'],
        );
        assert.equal((await readRunRecord(runDir)).status, 'cancelled');
        const paths = fake.requests.map((r) => `${r.method} ${r.path}`);
        // Stopped by its id: POST /api/jobs/{id}/cancel, or /interrupt {prompt_id} where the server lacks it.
        assert.ok(paths.some((p) => p === 'POST /interrupt' || /^POST (\/api)?\/jobs\/[^/]+\/cancel$/.test(p)));
        assert.ok(paths.includes('POST /queue'));
        const q = (await client.queue()) as { queue_running: unknown[]; queue_pending: unknown[] };
        assert.equal(q.queue_running.length + q.queue_pending.length, 0, 'nothing left on the server');
      } finally {
        client.close();
      }
    },
    { msPerStep: 20 },
  );
});

test('no server at the address: a clear error and no run folder', async () => {
  const fake = await startFakeComfy();
  const url = fake.url;
  await fake.close();
  const root = mkdtempSync(path.join(tmpdir(), 'qp-down-'));
  const client = new ComfyClient({ baseUrl: url, reconnect: { maxAttempts: 1, baseDelayMs: 10, maxDelayMs: 10 } });
  try {
    const err = await runSpec({ spec: small(), specFile: '/x/a.qwenprompt', client, runsRoot: root }).then(
      () => assert.fail('should fail'),
      (e) => e,
    );
    assert.ok(isComfyError(err, 'unreachable'), String(err));
    assert.match(err.message, /ComfyUI/);
    assert.equal(existsSync(path.join(root, 'bamboo-portrait')), false);
  } finally {
    client.close();
  }
});

test('a socket dropped in the middle of a sweep loses no image', async () => {
  await withServer(async (url, fake) => {
    const root = mkdtempSync(path.join(tmpdir(), 'qp-drop-'));
    const client = new ComfyClient({ baseUrl: url, reconnect: { maxAttempts: 10, baseDelayMs: 10, maxDelayMs: 50 } });
    try {
      let dropped = false;
      const { record } = await runSpec({
        spec: small({ steps: [6], repeats: 3 }),
        specFile: '/x/a.qwenprompt',
        client,
        runsRoot: root,
        onUpdate: (u) => {
          if (!dropped && u.type === 'progress' && u.value === 2) {
            dropped = true;
            fake.dropSockets();
          }
        },
      });
      assert.ok(dropped);
      assert.equal(record.status, 'complete');
      assert.ok(record.cells.every((c) => c.images.length === 1 && c.timings!.executionMs > 0));
    } finally {
      client.close();
    }
  });
});

test('a job that saves two images records both under numbered names and leaves no other file behind', async () => {
  await withServer(async (url) => {
    const root = mkdtempSync(path.join(tmpdir(), 'qp-batch-'));
    const client = new ComfyClient({ baseUrl: url });
    const spec = small({ steps: [2], repeats: 1 });
    const graph = structuredClone(buildGraph(spec, planCells(spec, {})[0].settings).graph);
    const latent = Object.values(graph).find((n) => 'batch_size' in n.inputs)!;
    latent.inputs.batch_size = 2;
    try {
      const { runDir, record } = await runSpec({ spec, specFile: '/x/a.qwenprompt', client, runsRoot: root, userGraph: graph });
      assert.equal(record.status, 'complete');
      const files = record.cells[0].images.map((i) => i.file);
      assert.deepEqual(files, ['steps-2-r0-1.png', 'steps-2-r0-2.png']);
      assert.deepEqual(readdirSync(runDir).sort(), [...files, 'run.json'].sort(), 'no stray image from the early save');
      for (const img of record.cells[0].images) {
        assert.equal(
          createHash('sha256')
            .update(readFileSync(path.join(runDir, img.file)))
            .digest('hex'),
          img.sha256,
        );
      }
    } finally {
      client.close();
    }
  });
});
