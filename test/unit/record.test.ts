import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openImageFile } from '../../src/core/runs/imageFile';
import { readRunRecord, stableStringify, writeRunRecord } from '../../src/core/runs/record';
import { createRunDir, listRuns, safeSegment } from '../../src/core/runs/runFolders';
import { sniffImage } from '../../src/shared/image';
import type { RunRecord } from '../../src/shared/runRecord';

const PNG = Uint8Array.from([
  0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 64, 0, 0, 0, 32,
]);

function record(over: Partial<RunRecord> = {}): RunRecord {
  return {
    format: 'qwenprompt-run',
    version: 1,
    id: 'x',
    createdAt: '2026-11-26T10:00:00.000Z',
    status: 'complete',
    spec: { file: 'a.qwenprompt', name: 'a', id: 'a', resolved: {} },
    server: { url: 'http://127.0.0.1:8188' },
    cells: [],
    stats: [],
    ratings: [],
    ...over,
  };
}

test('stableStringify sorts keys at every level so the same record always diffs the same', () => {
  assert.equal(
    stableStringify({ b: 1, a: { d: [{ z: 1, y: 2 }], c: undefined } }),
    '{\n  "a": {\n    "d": [\n      {\n        "y": 2,\n        "z": 1\n      }\n    ]\n  },\n  "b": 1\n}\n',
  );
});

test('run records are written atomically and read back; no temp file is left', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'qp-rec-'));
  const { runDir } = await createRunDir(root, 'bamboo portrait', new Date('2026-11-26T10:00:00Z'));
  assert.equal(path.basename(runDir), '2026-11-26T10-00-00Z');
  assert.equal(path.basename(path.dirname(runDir)), 'bamboo-portrait');
  await writeRunRecord(runDir, record({ id: 'first' }));
  await writeRunRecord(runDir, record({ id: 'second' }));
  assert.equal((await readRunRecord(runDir)).id, 'second');
  assert.deepEqual(readdirSync(runDir), ['run.json']);
  // A second run in the same second gets its own folder.
  const again = await createRunDir(root, 'bamboo portrait', new Date('2026-11-26T10:00:00Z'));
  assert.notEqual(again.runDir, runDir);
});

test('listRuns finds every run of a spec, newest first, and skips folders without a record', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'qp-list-'));
  const a = await createRunDir(root, 'spec', new Date('2026-11-26T10:00:00Z'));
  const b = await createRunDir(root, 'spec', new Date('2026-11-26T11:00:00Z'));
  await createRunDir(root, 'spec', new Date('2026-11-26T12:00:00Z'));
  await writeRunRecord(a.runDir, record({ id: 'a', createdAt: '2026-11-26T10:00:00.000Z' }));
  await writeRunRecord(b.runDir, record({ id: 'b', createdAt: '2026-11-26T11:00:00.000Z' }));
  assert.deepEqual(
    (await listRuns(root, 'spec')).map((r) => r.record.id),
    ['b', 'a'],
  );
  assert.deepEqual(await listRuns(root, 'other'), []);
});

test('images are saved under client-chosen names inside the run folder, never a server path', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-img-'));
  const save = async (name: string, bytes: Uint8Array) => {
    const sink = await openImageFile(dir, name);
    // In two pieces, as a download arrives.
    await sink.write(bytes.subarray(0, 10));
    await sink.write(bytes.subarray(10));
    return sink.close();
  };
  const { file } = await save('../../etc/passwd', PNG);
  assert.equal(file, 'etc-passwd.png');
  assert.deepEqual(readdirSync(dir), ['etc-passwd.png']);
  assert.deepEqual(new Uint8Array(readFileSync(path.join(dir, file))), PNG);
  await assert.rejects(save('x', new TextEncoder().encode('<html>not an image</html>')), /not a PNG, JPEG or WebP/);
  assert.deepEqual(readdirSync(dir), ['etc-passwd.png'], 'the refused bytes leave nothing behind');
  assert.equal(safeSegment('/abs/path\0name'), 'abs-path-name');
  assert.equal(safeSegment('...'), 'run');
  assert.equal(sniffImage(PNG), 'png');
});

test('run.json written cell by cell has exactly the bytes of the sorted, indented record', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-stream-'));
  const cells = Array.from({ length: 40 }, (_, n) => ({
    key: `steps=${n},cfg=6.5#r0`,
    axes: { steps: n, cfg: 6.5 },
    column: `${n} steps · cfg 6.5 « ü »`,
    repeat: 0,
    seed: n * 7,
    status: n % 3 ? 'success' : 'failed',
    graph: { '3': { class_type: 'KSampler', inputs: { seed: n, model: ['4', 0], text: 'a "quoted"\nline' } } },
    images: n % 3 ? [{ file: `c${n}.png`, sha256: 'ab'.repeat(32), bytes: 1000 + n, width: 64, height: 64 }] : [],
    error: n % 3 ? undefined : 'The job ended: error.',
    timings: { executionMs: n, nodes: [], cachedNodes: [], cold: false, cached: false, queueWaitMs: undefined },
  })) as unknown as RunRecord['cells'];
  const samples = [
    record({ cells }),
    record(),
    record({
      ratings: [{ cell: 'a', image: 'b', scores: {}, at: 'now' }],
      stats: [{ column: 'c', axes: {}, cachedCount: 0, failedCount: 1 }],
    }),
  ];
  for (const r of samples) {
    await writeRunRecord(dir, r);
    assert.equal(readFileSync(path.join(dir, 'run.json'), 'utf8'), stableStringify(r));
  }
  assert.deepEqual(readdirSync(dir), ['run.json']);
});
