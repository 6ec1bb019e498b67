import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ComfyClient } from '../../src/core/comfy/client';
import type { ILogger } from '../../src/core/logger';
import { nullLogger } from '../../src/core/logger';
import { readRunRecord, stableStringify } from '../../src/core/runs/record';
import { RecordWriter } from '../../src/core/runs/recordWriter';
import { PendingRunDir } from '../../src/core/runs/runFolders';
import { runSpec } from '../../src/core/runs/session';
import { startFakeComfy } from '../fakes/comfyServer';
import { studySpec } from './helpers/spec';
import type { RunRecord } from '../../src/shared/runRecord';

/** A record of `n` queued cells, each with a graph of some size, as a big sweep's run.json. */
function bigRecord(n: number): RunRecord {
  const graph = Object.fromEntries(
    Array.from({ length: 12 }, (_, k) => [String(k), { class_type: 'KSampler', inputs: { seed: k, text: 'x'.repeat(200) } }]),
  );
  return {
    format: 'qwenprompt-run',
    version: 1,
    id: 'big',
    createdAt: '2026-01-01T00:00:00.000Z',
    status: 'running',
    spec: { file: '../big.qwenprompt', name: 'big', id: 'big', resolved: {} },
    server: { url: 'http://127.0.0.1:8188' },
    cells: Array.from({ length: n }, (_, i) => ({
      key: `steps=${i}#r0`,
      axes: { steps: i },
      column: `${i} steps`,
      repeat: 0,
      seed: 1,
      status: 'queued' as const,
      graph,
      images: [],
    })),
    stats: [],
    ratings: [],
  };
}

function opened(): { folder: PendingRunDir; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-writer-'));
  const folder = new PendingRunDir();
  folder.opened(dir);
  return { folder, dir };
}

test('while changes pour in, run.json is always a whole record, and the final write holds the final state at once', async () => {
  const { folder, dir } = opened();
  const record = bigRecord(400);
  const writer = new RecordWriter(folder, record, nullLogger);
  await writer.write();
  let reads = 0;
  let reading = true;
  const reader = (async () => {
    while (reading) {
      const text = readFileSync(path.join(dir, 'run.json'), 'utf8');
      assert.equal(JSON.parse(text).format, 'qwenprompt-run', 'a reader never sees half a record');
      reads++;
      await new Promise((ok) => setImmediate(ok));
    }
  })();
  for (const [i, c] of record.cells.entries()) {
    c.status = i % 2 ? 'success' : 'failed';
    void writer.write();
    if (i % 50 === 0) await new Promise((ok) => setTimeout(ok, 1));
  }
  record.status = 'cancelled';
  await writer.final();
  reading = false;
  await reader;
  assert.ok(reads > 0);
  assert.equal(readFileSync(path.join(dir, 'run.json'), 'utf8'), stableStringify(record), 'the file is the final record, byte for byte');
  assert.equal((await readRunRecord(dir)).stats.length, 400, 'with the statistics of the moment');
  assert.deepEqual(readdirSync(dir), ['run.json'], 'no temp file left');
});

test('nothing is written before the run folder exists; a write that fails is logged and the next one writes', async () => {
  const folder = new PendingRunDir();
  const record = bigRecord(2);
  const errors: string[] = [];
  const log: ILogger = { ...nullLogger, error: (m: string | Error) => void errors.push(String(m)) };
  const writer = new RecordWriter(folder, record, log);
  await writer.write();
  assert.deepEqual(errors, [], 'no write was tried');
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-writer-'));
  rmSync(dir, { recursive: true });
  folder.opened(dir);
  await writer.write();
  assert.equal(errors.length, 1);
  assert.match(errors[0], /Could not write the run record/);
  const { dir: real } = opened();
  folder.dir = real;
  record.status = 'complete';
  await writer.final();
  assert.equal((await readRunRecord(real)).status, 'complete');
});

test('a run cancelled while its record is being rewritten leaves a valid run.json saying so, and no temp file', async () => {
  const fake = await startFakeComfy({ msPerStep: 30, loadMs: 5 });
  const client = new ComfyClient({ baseUrl: fake.url });
  const root = mkdtempSync(path.join(tmpdir(), 'qp-writer-cancel-'));
  try {
    const abort = new AbortController();
    const { runDir, record } = await runSpec({
      spec: studySpec({ width: 64, height: 64, steps: [2, 3, 4], repeats: 3 }),
      specFile: path.join(root, 'study.qwenprompt'),
      runsRoot: root,
      client,
      convergence: false,
      signal: abort.signal,
      onUpdate: (u) => {
        if (u.type === 'progress') abort.abort();
      },
    });
    const onDisk = await readRunRecord(runDir);
    assert.equal(onDisk.status, 'cancelled');
    assert.deepEqual(
      onDisk.cells.map((c) => c.status),
      record.cells.map((c) => c.status),
    );
    assert.ok(
      onDisk.cells.every((c) => c.status === 'cancelled' || c.status === 'success'),
      onDisk.cells.map((c) => c.status).join(),
    );
    assert.ok(onDisk.finishedAt);
    assert.deepEqual(
      readdirSync(runDir).filter((f) => f.endsWith('.tmp')),
      [],
    );
  } finally {
    client.close();
    await fake.close();
  }
});
