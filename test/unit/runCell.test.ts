import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ComfyClient } from '../../src/core/comfy/client';
import { buildGraph } from '../../src/core/comfy/graph';
import { nullLogger } from '../../src/core/logger';
import { planCells } from '../../src/core/runs/plan';
import { readRunRecord, writeRunRecord } from '../../src/core/runs/record';
import { RecordWriter } from '../../src/core/runs/recordWriter';
import { RunCell, type CellRunContext } from '../../src/core/runs/runCell';
import { PendingRunDir } from '../../src/core/runs/runFolders';
import { ServerSlot } from '../../src/core/runs/pool';
import { isSpecRejectedError } from '../../src/core/runs/specRejected';
import type { Spec } from '../../src/core/spec/types';
import { startFakeComfy, type FakeComfy } from '../fakes/comfyServer';
import { studySpec } from './helpers/spec';
import type { CellStatus, RunRecord } from '../../src/shared/runRecord';

/** One cell in a run folder of its own, its record written by a RecordWriter, and what run.json said after each change. */
async function oneCell(client: ComfyClient, spec: Spec) {
  const runDir = mkdtempSync(path.join(tmpdir(), 'qp-cell-'));
  const [plan] = planCells(spec);
  const built = buildGraph(spec, plan.settings);
  const record: RunRecord = {
    format: 'qwenprompt-run',
    version: 1,
    id: 'cell',
    createdAt: new Date().toISOString(),
    status: 'running',
    spec: { file: '../cell.qwenprompt', name: spec.name, id: spec.id, resolved: {} },
    server: { url: client.baseUrl },
    cells: [
      {
        key: plan.key,
        axes: plan.axes,
        column: plan.column,
        repeat: plan.repeat,
        seed: plan.settings.seed,
        status: 'queued',
        graph: built.graph,
        images: [],
      },
    ],
    stats: [],
    ratings: [],
  };
  await writeRunRecord(runDir, record);
  const folder = new PendingRunDir();
  folder.opened(runDir);
  const writer = new RecordWriter(folder, record, nullLogger);
  const onDisk: CellStatus[] = [];
  const slot = new ServerSlot({ name: 'box', client }, 1000);
  const context: CellRunContext & { cancelled: boolean } = {
    folder,
    log: nullLogger,
    specName: spec.name,
    previewMethod: 'none',
    cancelled: false,
    abandoned: false,
    emit: () => undefined,
    changed: async () => {
      await writer.write();
      onDisk.push((await readRunRecord(runDir)).cells[0].status);
    },
    imagesRecorded: () => undefined,
    stuck: () => undefined,
    canMove: () => false,
  };
  const cell = new RunCell(context, plan, built, record.cells[0], false, client);
  return { cell, runDir, onDisk, context, slot, done: () => slot.dispose() };
}

const spec = (over: Partial<Spec> = {}) => studySpec({ width: 64, height: 64, steps: [3], repeats: 1, ...over });

async function withServer(fn: (client: ComfyClient, fake: FakeComfy) => Promise<void>): Promise<void> {
  const fake = await startFakeComfy({ msPerStep: 20, loadMs: 5 });
  const client = new ComfyClient({ baseUrl: fake.url });
  try {
    await fn(client, fake);
  } finally {
    client.close();
    await fake.close();
  }
}

test('a cell goes queued, running, success in run.json, never back, and ends with its image, its measures and its prompt', async () => {
  await withServer(async (client) => {
    const { cell, runDir, onDisk, done, slot } = await oneCell(client, spec());
    try {
      const { recorded } = await cell.submit(true, slot);
      await recorded;
      const seen = onDisk.filter((s, n) => s !== onDisk[n - 1]);
      assert.deepEqual(seen, ['running', 'success'], `run.json said: ${onDisk.join(', ')}`);
      const final = (await readRunRecord(runDir)).cells[0];
      assert.equal(final.status, 'success');
      assert.ok(final.promptId, 'the prompt it ran as');
      assert.equal(final.images.length, 1);
      const bytes = readFileSync(path.join(runDir, final.images[0].file));
      assert.equal(createHash('sha256').update(bytes).digest('hex'), final.images[0].sha256);
      assert.ok(final.timings!.executionMs > 0);
      assert.equal(typeof final.timings!.queueWaitMs, 'number', "/history's queue wait is in the final record");
      assert.ok(cell.settled);
    } finally {
      done();
    }
  });
});

test('a cell cancelled before it ran is recorded cancelled, and its wait ends though the server never reports it', async () => {
  await withServer(async (client, fake) => {
    fake.faults.stall = true;
    const { cell, runDir, done, slot } = await oneCell(client, spec());
    try {
      const { recorded } = await cell.submit(true, slot);
      await cell.cancel();
      await recorded;
      assert.equal((await readRunRecord(runDir)).cells[0].status, 'cancelled');
    } finally {
      done();
    }
  });
});

test('a prompt the server refuses: as the first of a run it is a SpecRejectedError naming the field; later, the cell is recorded failed', async () => {
  await withServer(async (client) => {
    const first = await oneCell(client, spec({ sampler: 'not_a_sampler' }));
    const later = await oneCell(client, spec({ sampler: 'not_a_sampler' }));
    try {
      const err = await first.cell.submit(true, first.slot).then(
        () => assert.fail('should be rejected'),
        (e: unknown) => e,
      );
      assert.ok(isSpecRejectedError(err), String(err));
      assert.equal(err.problems[0].field, 'sampler');
      assert.equal(first.onDisk.length, 0, 'nothing recorded: the run never started');

      const { recorded } = await later.cell.submit(false, later.slot);
      await recorded;
      const rec = (await readRunRecord(later.runDir)).cells[0];
      assert.equal(rec.status, 'failed');
      assert.match(rec.error ?? '', /not_a_sampler/);
    } finally {
      first.done();
      later.done();
    }
  });
});
