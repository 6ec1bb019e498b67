// One sweep over several test servers: how the jobs spread, what a server going down costs (nothing),
// statistics per GPU kind, Cancel on every server, resume across the pool, a server lacking the models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ComfyClient } from '../../src/core/comfy/client';
import type { ILogger } from '../../src/core/logger';
import { readRunRecord } from '../../src/core/runs/record';
import { runsRootFor } from '../../src/core/runs/runFolders';
import { resumeRun, runSession } from '../../src/core/runs/session';
import type { PoolServer } from '../../src/core/runs/pool';
import { startFakeComfy, type FakeComfy, type FakeComfyOptions } from '../fakes/comfyServer';
import { studySpec } from './helpers/spec';
import type { RunRecord } from '../../src/shared/runRecord';

const spec = (steps = [2, 4], repeats = 3) => studySpec({ width: 64, height: 64, steps, repeats });

interface Pool {
  fakes: FakeComfy[];
  servers: PoolServer[];
  warnings: string[];
  log: ILogger;
}

async function withPool(opts: FakeComfyOptions[], fn: (p: Pool) => Promise<void>): Promise<void> {
  const fakes = await Promise.all(opts.map((o) => startFakeComfy({ loadMs: 5, ...o })));
  const servers = fakes.map((f, i) => ({
    name: `box${i + 1}`,
    client: new ComfyClient({ baseUrl: f.url, reconnect: { maxAttempts: 40, baseDelayMs: 50, maxDelayMs: 200 } }),
  }));
  const warnings: string[] = [];
  const quiet = () => undefined;
  const log: ILogger = {
    trace: quiet,
    debug: quiet,
    info: quiet,
    warn: (m) => warnings.push(String(m)),
    error: (m) => warnings.push(String(m)),
  };
  try {
    await fn({ fakes, servers, warnings, log });
  } finally {
    for (const s of servers) s.client.close();
    await Promise.all(fakes.map((f) => f.close()));
  }
}

function specFile(): { specFile: string; runsRoot: string } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'qp-pool-')), 'study.qwenprompt');
  return { specFile: file, runsRoot: runsRootFor(file) };
}

/** What every sweep of these tests shares: the pool, no scoring, no thumbnails. */
const common = (p: Pool) => ({
  client: p.servers[0].client,
  pool: p.servers,
  logger: p.log,
  convergence: false as const,
  thumbnails: false,
});

function sweep(p: Pool, s: ReturnType<typeof spec>, extra: { signal?: AbortSignal } = {}) {
  return runSession({ spec: s, ...specFile(), ...common(p), ...extra });
}

const posted = (fake: FakeComfy) => fake.requests.filter((r) => r.method === 'POST' && r.path === '/prompt').length;
const madeOn = (r: RunRecord, name: string) => r.cells.filter((c) => c.server === name && c.status === 'success').length;

function allMade(r: RunRecord): void {
  assert.equal(r.status, 'complete', r.cells.map((c) => `${c.key}: ${c.status} ${c.error ?? ''}`).join('\n'));
  for (const c of r.cells) assert.equal(c.images.length, 1, `${c.key} has its image`);
}

test('a sweep over two servers: both make images, each image names its server, and the faster server makes more', async () => {
  await withPool([{ msPerStep: 2 }, { msPerStep: 40 }], async (pool) => {
    const { servers, fakes, log } = pool;
    const { record, runDir } = await sweep(pool, spec([2, 4], 6));
    allMade(record);
    assert.deepEqual(
      record.servers!.map((s) => s.name),
      ['box1', 'box2'],
    );
    for (const c of record.cells) assert.ok(c.server === 'box1' || c.server === 'box2', `${c.key} names its server`);
    assert.ok(madeOn(record, 'box1') > madeOn(record, 'box2'), `fast ${madeOn(record, 'box1')} vs slow ${madeOn(record, 'box2')}`);
    assert.ok(madeOn(record, 'box2') >= 1, 'the slow server made some too');
    // No job was posted twice, and run.json on disk is the record returned.
    assert.equal(posted(fakes[0]) + posted(fakes[1]), record.cells.length);
    assert.deepEqual(
      (await readRunRecord(runDir)).cells.map((c) => c.server),
      record.cells.map((c) => c.server),
    );
  });
});

test('the top step count of each seed row is made first across the pool, so every row has its reference early', async () => {
  await withPool([{ msPerStep: 5 }, { msPerStep: 5 }], async (pool) => {
    const { servers, fakes, log } = pool;
    const { record } = await sweep(pool, spec([2, 6], 2));
    allMade(record);
    const order = fakes
      .flatMap((f) => f.requests.filter((r) => r.method === 'POST' && r.path === '/prompt').slice(0, 1))
      .map((r) => (r.body as { extra_data: { extra_pnginfo: { qwenprompt: { cell: string } } } }).extra_data.extra_pnginfo.qwenprompt.cell);
    const firstTwo = order.slice(0, 2).sort();
    assert.deepEqual(firstTwo, ['steps=6#r0', 'steps=6#r1'].sort(), `posted: ${order.join(', ')}`);
  });
});

test("statistics never mix GPUs: two kinds give two rows per setting, and `stats` holds the first server's kind alone", async () => {
  await withPool(
    [
      { msPerStep: 5, gpu: 'NVIDIA GeForce RTX 4090' },
      { msPerStep: 5, gpu: 'NVIDIA A100-SXM4-80GB' },
    ],
    async (pool) => {
      const { servers, log } = pool;
      const { record } = await sweep(pool, spec([2, 4], 4));
      allMade(record);
      assert.equal(record.servers![1].gpu, 'NVIDIA A100-SXM4-80GB');
      const kinds = record.statsByGpu!.map((g) => g.gpu).sort();
      assert.equal(kinds.length, 2);
      assert.match(kinds[0], /A100/);
      assert.match(kinds[1], /4090/);
      const first = record.statsByGpu!.find((g) => g.servers.includes('box1'))!;
      assert.deepEqual(record.stats, first.stats);
      for (const g of record.statsByGpu!) {
        const n = g.stats.reduce((sum, s) => sum + (s.all?.n ?? 0), 0);
        const expected = record.cells.filter((c) => g.servers.includes(c.server!) && c.timings && !c.timings.cached).length;
        assert.equal(n, expected, `${g.gpu} counts only its own images`);
      }
    },
  );
});

test('a server that goes down mid-sweep loses nothing: its jobs move to the others, it rejoins, and its leftover prompts are cancelled there', async () => {
  await withPool([{ msPerStep: 40 }, { msPerStep: 300 }, { msPerStep: 40 }], async (pool) => {
    const { servers, fakes, log, warnings } = pool;
    // box2 (slow: its two prompts outlast the cut) stops answering once it is busy (connections reset, its
    // queue kept, as a network cut does), then answers again.
    let cut = false;
    const sub = servers[1].client.onEvent((e) => {
      if (e.type === 'started' && !cut) {
        cut = true;
        fakes[1].faults.refuseConnections = true;
        fakes[1].dropSockets();
        setTimeout(() => (fakes[1].faults.refuseConnections = false), 2000);
      }
    });
    const { record } = await sweep(pool, spec([4, 8], 18));
    sub.dispose();
    allMade(record);
    const moved = record.cells.filter((c) => c.moves?.length);
    assert.ok(moved.length >= 1, 'the jobs box2 held moved');
    for (const c of moved) {
      assert.equal(c.moves![0].from, 'box2');
      assert.equal(c.moves![0].reason, 'serverDown');
      assert.notEqual(c.server, 'box2', `${c.key} was made elsewhere`);
    }
    assert.ok(
      moved.some((c) => c.moves![0].promptId),
      'the job box2 was running names the prompt it left there',
    );
    assert.ok(
      warnings.some((w) => /box2 does not answer/.test(w)),
      warnings.join('\n'),
    );
    assert.ok(
      record.cells.some((c) => c.server === 'box2'),
      'box2 rejoined and made images again',
    );
    // Back, box2 was asked to drop what it still held of the moved jobs.
    const dropped = fakes[1].requests.filter((r) => r.method === 'POST' && /^\/(queue|interrupt|jobs\/.+\/cancel)$/.test(r.path));
    assert.ok(dropped.length >= 1, 'box2 was cleared of the moved prompts once it answered');
    const q = await servers[1].client.queue();
    assert.equal(q.queue_running.length + q.queue_pending.length, 0, 'box2 holds nothing of the run');
  });
});

test('a server that dies and comes back empty rejoins the sweep and makes images again', async () => {
  await withPool([{ msPerStep: 15 }, { msPerStep: 15 }], async (pool) => {
    const { servers, fakes, log } = pool;
    fakes[1].faults.dieAtStep = { step: 2, reviveAfterMs: 400 };
    const { record } = await sweep(pool, spec([4, 8], 6));
    allMade(record);
    const moved = record.cells.filter((c) => c.moves?.some((m) => m.from === 'box2'));
    assert.ok(moved.length >= 1, 'the job box2 was making moved');
    assert.ok(madeOn(record, 'box2') >= 1, 'box2 made images after it came back');
  });
});

test("Cancel clears every server: each one's running prompt is interrupted and its queued ones deleted", async () => {
  await withPool([{ msPerStep: 200 }, { msPerStep: 200 }, { msPerStep: 200 }], async (pool) => {
    const { servers, fakes, log } = pool;
    const controller = new AbortController();
    const started = new Set<number>();
    servers.forEach((s, i) =>
      s.client.onEvent((e) => {
        if (e.type !== 'started') return;
        started.add(i);
        if (started.size === 3) controller.abort();
      }),
    );
    const { record } = await sweep(pool, spec([20, 30], 4), { signal: controller.signal });
    assert.equal(record.status, 'cancelled');
    assert.ok(
      record.cells.every((c) => c.status !== 'queued' && c.status !== 'running'),
      'every cell ended',
    );
    for (const s of servers) {
      const q = await s.client.queue();
      assert.equal(q.queue_running.length + q.queue_pending.length, 0, `${s.name} holds nothing of the run`);
    }
    for (const f of fakes) assert.ok(posted(f) >= 1 && posted(f) <= 2, 'no server was handed more than its two prompts');
  });
});

test('resume works across the pool: the missing cells are made on the pool, into the same folder', async () => {
  await withPool([{ msPerStep: 30 }, { msPerStep: 30 }], async (pool) => {
    const { servers, log } = pool;
    const controller = new AbortController();
    let done = 0;
    servers.forEach((s) =>
      s.client.onEvent((e) => {
        if (e.type === 'finished' && ++done === 2) controller.abort();
      }),
    );
    const first = await sweep(pool, spec([2, 4], 4), { signal: controller.signal });
    assert.equal(first.record.status, 'cancelled');
    const kept = first.record.cells.filter((c) => c.status === 'success').length;
    assert.ok(kept < first.record.cells.length);
    const resumed = await resumeRun({ runDir: first.runDir, ...common(pool) });
    allMade(resumed.record);
    assert.equal(resumed.resumedCells, first.record.cells.length - kept);
    assert.equal(resumed.runDir, first.runDir);
    assert.ok(resumed.record.cells.every((c) => c.server === 'box1' || c.server === 'box2'));
    assert.ok(existsSync(path.join(first.runDir, resumed.record.cells[0].images[0].file)));
  });
});

test("a server lacking the spec's model file gets none of its jobs, and the user is told which server lacks what", async () => {
  await withPool([{ msPerStep: 5 }, { msPerStep: 5, withoutModels: ['qwen_image_2512_fp8_e4m3fn.safetensors'] }], async (pool) => {
    const { servers, fakes, log, warnings } = pool;
    const { record } = await sweep(pool, spec([2], 3));
    allMade(record);
    assert.equal(posted(fakes[1]), 0);
    assert.ok(record.cells.every((c) => c.server === 'box1'));
    assert.match(record.servers![1].excluded ?? '', /qwen_image_2512_fp8_e4m3fn\.safetensors/);
    assert.ok(
      warnings.some((w) => /box2 gets none of this run's jobs: it lacks unet_name qwen_image_2512_fp8_e4m3fn\.safetensors/.test(w)),
      warnings.join('\n'),
    );
  });
});

test('a server down when the sweep starts joins it once it comes up, and makes images', async () => {
  // box2's port is known but nothing listens there when the run starts; its ComfyUI starts 600 ms later.
  const probe = await startFakeComfy({});
  const port = probe.port;
  await probe.close();
  const box1 = await startFakeComfy({ loadMs: 5, msPerStep: 60 });
  let box2: FakeComfy | undefined;
  const servers = [box1.url, `http://127.0.0.1:${port}`].map((url, i) => ({
    name: `box${i + 1}`,
    client: new ComfyClient({ baseUrl: url, reconnect: { maxAttempts: 40, baseDelayMs: 50, maxDelayMs: 200 } }),
  }));
  const notes: string[] = [];
  const note = (m: unknown) => notes.push(String(m));
  const log: ILogger = { trace: note, debug: note, info: note, warn: note, error: note };
  const late = setTimeout(() => void startFakeComfy({ port, loadMs: 5, msPerStep: 60, gpu: 'NVIDIA L40S' }).then((f) => (box2 = f)), 600);
  try {
    const { record } = await runSession({
      spec: spec([4, 8], 8),
      ...specFile(),
      client: servers[0].client,
      pool: servers,
      logger: log,
      convergence: false,
      thumbnails: false,
    });
    allMade(record);
    assert.ok(box2, 'box2 was started during the sweep');
    assert.ok(madeOn(record, 'box2') >= 1, `box2 made images once it came up: ${record.cells.map((c) => c.server).join(' ')}`);
    assert.ok(
      notes.some((w) => /box2 did not answer .*: it joins the run when it answers/.test(w)),
      notes.join('\n'),
    );
    assert.ok(notes.some((w) => /box2 answers now: it joins the run/.test(w)));
    // Its facts were read when it joined: its images count under its own GPU kind.
    assert.equal(record.servers![1].gpu, 'NVIDIA L40S');
    assert.equal(record.servers![1].excluded, undefined);
    assert.equal(record.server.url, box1.url, "the run's server is the one that answered");
  } finally {
    clearTimeout(late);
    for (const s of servers) s.client.close();
    await Promise.all([box1.close(), box2?.close()]);
  }
});

test('a server that never comes up is named in the record as not answering, and the sweep is made by the others', async () => {
  const probe = await startFakeComfy({});
  const port = probe.port;
  await probe.close();
  await withPool([{ msPerStep: 5 }], async (pool) => {
    const dead = { name: 'box2', client: new ComfyClient({ baseUrl: `http://127.0.0.1:${port}` }) };
    try {
      const { record } = await runSession({ spec: spec([2], 3), ...specFile(), ...common(pool), pool: [...pool.servers, dead] });
      allMade(record);
      assert.ok(record.cells.every((c) => c.server === 'box1'));
      assert.match(record.servers![1].excluded ?? '', /^did not answer/);
    } finally {
      dead.client.close();
    }
  });
});
