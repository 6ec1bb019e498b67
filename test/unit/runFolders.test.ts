import { test } from 'node:test';
import assert from 'node:assert/strict';
import { promises as fs, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeRunRecord } from '../../src/core/runs/record';
import {
  createRunDir,
  isRunOf,
  listRuns,
  recordPath,
  runDirOfArg,
  runsRootFor,
  runsRootOf,
  siblingRuns,
  specFileLabel,
  specFileOf,
  specFolderForImage,
} from '../../src/core/runs/runFolders';
import type { RunRecord } from '../../src/shared/runRecord';

function record(specFile: string, createdAt: string, over: Partial<RunRecord> = {}): RunRecord {
  return {
    format: 'qwenprompt-run',
    version: 1,
    id: createdAt,
    createdAt,
    status: 'complete',
    spec: { file: specFile, name: 'study', id: 'study', resolved: {} },
    server: { url: 'http://127.0.0.1:8188' },
    cells: [],
    stats: [],
    ratings: [],
    ...over,
  };
}

/** A run of `specFile` made as a session makes one: `<runs root>/<spec id>/<UTC time>` with its run.json. */
async function addRun(runsRoot: string, specFile: string, when: Date, specId = 'study'): Promise<string> {
  const { runDir } = await createRunDir(runsRoot, specId, when, (dir, id) =>
    writeRunRecord(dir, { ...record(specFileLabel(runsRoot, specFile), when.toISOString()), id }),
  );
  return runDir;
}

test('a run folder is <runs root>/<spec id>/<UTC time> with run.json in it; the runs root is beside the spec unless the setting is absolute', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'qp-layout-'));
  const spec = path.join(root, 'specs', 'study.qwenprompt');
  const runsRoot = runsRootFor(spec);
  assert.equal(runsRoot, path.join(root, 'specs', '.qwenprompt-runs'));
  assert.equal(runsRootFor(spec, 'out/runs'), path.join(root, 'specs', 'out', 'runs'));
  assert.equal(runsRootFor(spec, path.join(root, 'elsewhere')), path.join(root, 'elsewhere'));

  const runDir = await addRun(runsRoot, spec, new Date('2026-01-02T03:04:05.678Z'));
  assert.equal(runDir, path.join(runsRoot, 'study', '2026-01-02T03-04-05Z'));
  assert.equal(runsRootOf(runDir), runsRoot);
  assert.equal(recordPath(runDir), path.join(runDir, 'run.json'));
  assert.equal(runDirOfArg(recordPath(runDir)), runDir, 'a command line may name the run.json');
  assert.equal(runDirOfArg(runDir), runDir);
  const again = await addRun(runsRoot, spec, new Date('2026-01-02T03:04:05.999Z'));
  assert.equal(path.basename(again), '2026-01-02T03-04-05Z-1', 'a second run in the same second gets its own folder');
  assert.deepEqual((await fs.readdir(path.join(runsRoot, 'study'))).sort(), ['2026-01-02T03-04-05Z', '2026-01-02T03-04-05Z-1']);
});

test('run.json names the spec relative to the runs root, whatever the working directory, and that resolves back to the spec', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'qp-label-'));
  const spec = path.join(root, 'specs', 'study.qwenprompt');
  mkdirSync(path.dirname(spec));
  const before = process.cwd();
  const labels: string[] = [];
  try {
    for (const cwd of [tmpdir(), path.dirname(spec), '/']) {
      process.chdir(cwd);
      labels.push(specFileLabel(runsRootFor(spec), spec));
    }
  } finally {
    process.chdir(before);
  }
  assert.deepEqual(labels, ['../study.qwenprompt', '../study.qwenprompt', '../study.qwenprompt']);
  const runsRoot = path.join(root, 'runs');
  const label = specFileLabel(runsRoot, spec);
  assert.equal(label, '../specs/study.qwenprompt');
  const runDir = path.join(runsRoot, 'study', '2026-01-02T03-04-05Z');
  assert.equal(specFileOf(runDir, record(label, '')), spec);
  assert.ok(isRunOf(runsRoot, label, spec));
  assert.ok(!isRunOf(runsRoot, label, path.join(root, 'other', 'study.qwenprompt')), 'another file with the same spec id is not matched');
  assert.ok(isRunOf(runsRoot, undefined, spec), 'a record that names no file belongs to every spec of its id');
});

test('a record of an older CLI (spec path relative to its working directory) still matches its spec, and only it', () => {
  const repo = path.join(tmpdir(), 'qp-legacy', 'repo');
  const spec = path.join(repo, 'examples', 'study.qwenprompt');
  const runsRoot = runsRootFor(spec);
  assert.ok(isRunOf(runsRoot, 'examples/study.qwenprompt', spec), 'run from the repository root');
  assert.ok(isRunOf(runsRoot, 'study.qwenprompt', spec), 'run from the spec folder');
  assert.ok(!isRunOf(runsRoot, 'other/study.qwenprompt', spec));
  assert.ok(!isRunOf(runsRoot, 'examples/study.qwenprompt', path.join(repo, 'more', 'study.qwenprompt')));
});

test('listings: newest first, only the asked spec file among files that share a spec id, folders without a record left out', async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'qp-list-'));
  const runsRoot = path.join(root, 'runs');
  const a = path.join(root, 'a', 'study.qwenprompt');
  const b = path.join(root, 'b', 'study.qwenprompt');
  const a1 = await addRun(runsRoot, a, new Date('2026-01-01T00:00:00Z'));
  const b1 = await addRun(runsRoot, b, new Date('2026-01-02T00:00:00Z'));
  const a2 = await addRun(runsRoot, a, new Date('2026-01-03T00:00:00Z'));
  await addRun(runsRoot, a, new Date('2026-01-04T00:00:00Z'), 'other');
  await fs.mkdir(path.join(runsRoot, 'study', 'not-a-run'));
  // An older CLI's record of `a`, made from the folder above `a`.
  const legacy = path.join(runsRoot, 'study', 'legacy');
  await fs.mkdir(legacy);
  await writeRunRecord(legacy, record('a/study.qwenprompt', '2025-12-31T00:00:00Z'));

  assert.deepEqual(
    (await listRuns(runsRoot, 'study')).map((r) => r.runDir),
    [a2, b1, a1, legacy],
  );
  assert.deepEqual(
    (await listRuns(runsRoot, 'study', a)).map((r) => r.runDir),
    [a2, a1, legacy],
  );
  assert.deepEqual(
    (await listRuns(runsRoot, 'study', b)).map((r) => r.runDir),
    [b1],
  );
  assert.equal((await listRuns(runsRoot)).length, 5, 'every spec id');
  assert.deepEqual(
    (await siblingRuns(a1, specFileLabel(runsRoot, a))).map((r) => r.runDir),
    [a2, a1, legacy],
  );
  assert.deepEqual(await listRuns(path.join(root, 'nothing-here')), []);
});

test("a spec made from a run's image goes beside the run's spec file, wherever the runs folder is", async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'qp-image-'));
  const spec = path.join(root, 'specs', 'study.qwenprompt');
  await fs.mkdir(path.dirname(spec), { recursive: true });
  const runDir = await addRun(path.join(root, 'all-runs'), spec, new Date('2026-01-01T00:00:00Z'));
  assert.equal(await specFolderForImage(path.join(runDir, 'steps-20-r0.png')), path.dirname(spec));
  const loose = path.join(root, 'downloads', 'ComfyUI_00001_.png');
  assert.equal(await specFolderForImage(loose), path.dirname(loose), 'an image outside a run folder: its own folder');
});
