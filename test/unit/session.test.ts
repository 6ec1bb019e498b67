import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ComfyClient } from '../../src/core/comfy/client';
import { readRunRecord } from '../../src/core/runs/record';
import { findResumable, openRun } from '../../src/core/runs/resume';
import { listRuns, runsRootFor } from '../../src/core/runs/runFolders';
import { runSession } from '../../src/core/runs/session';
import { startFakeComfy } from '../fakes/comfyServer';
import { studySpec } from './helpers/spec';

const spec = () => studySpec({ width: 64, height: 64, steps: [2, 4], repeats: 2 });

async function withClient<T>(fn: (client: ComfyClient, fake: Awaited<ReturnType<typeof startFakeComfy>>) => Promise<T>): Promise<T> {
  const fake = await startFakeComfy({ msPerStep: 10, loadMs: 5 });
  const client = new ComfyClient({ baseUrl: fake.url });
  try {
    return await fn(client, fake);
  } finally {
    client.close();
    await fake.close();
  }
}

/** A spec file in a fresh folder, with its runs folder where the CLI and the editor put it by default. */
function specFile(): { file: string; runsRoot: string } {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'qp-session-')), 'study.qwenprompt');
  return { file, runsRoot: runsRootFor(file) };
}

const posts = (fake: Awaited<ReturnType<typeof startFakeComfy>>) =>
  fake.requests.filter((r) => r.method === 'POST' && r.path === '/prompt').length;

test('a session started from any working directory records its spec file the one way, so its spec finds the run', async () => {
  await withClient(async (client) => {
    const { file, runsRoot } = specFile();
    const before = process.cwd();
    process.chdir(tmpdir());
    let result;
    try {
      result = await runSession({ spec: spec(), specFile: file, runsRoot, client, convergence: false, thumbnails: false });
    } finally {
      process.chdir(before);
    }
    assert.equal(result.record.status, 'complete');
    assert.equal(path.dirname(path.dirname(result.runDir)), runsRoot);
    assert.equal((await readRunRecord(result.runDir)).spec.file, '../study.qwenprompt');
    assert.deepEqual(
      (await listRuns(runsRoot, 'bamboo-portrait', file)).map((r) => r.runDir),
      [result.runDir],
    );
    assert.equal(await findResumable(runsRoot, 'bamboo-portrait', file), undefined, 'a complete run has nothing to resume');
  });
});

test('an interrupted session is found, resumed into its own folder with only its missing cells, from the run.json read once', async () => {
  await withClient(async (client, fake) => {
    const { file, runsRoot } = specFile();
    const abort = new AbortController();
    const first = await runSession({
      spec: spec(),
      specFile: file,
      runsRoot,
      client,
      convergence: false,
      thumbnails: false,
      signal: abort.signal,
      onUpdate: (u) => {
        if (u.type === 'cell' && u.cell.status === 'success') abort.abort();
      },
    });
    assert.equal(first.record.status, 'cancelled');
    const made = first.record.cells.filter((c) => c.status === 'success').map((c) => c.key);
    assert.ok(made.length >= 1 && made.length < 4, first.record.cells.map((c) => c.status).join());

    const opened = await findResumable(runsRoot, 'bamboo-portrait', file);
    assert.ok(opened);
    assert.equal(opened.runDir, first.runDir);
    assert.equal(opened.specFile, file, 'the record names its spec file');
    assert.equal(opened.spec.id, 'bamboo-portrait');
    assert.deepEqual((await openRun(first.runDir)).record, opened.record, 'openRun reads the same record');

    // What is on disk now is not read again: the session resumes the record it was handed.
    writeFileSync(path.join(first.runDir, 'run.json'), 'not json');
    const before = posts(fake);
    const resumed = await runSession({ client, convergence: false, thumbnails: false, resume: opened });
    assert.equal(resumed.runDir, first.runDir);
    assert.equal(resumed.record.status, 'complete');
    assert.equal(resumed.resumedCells, 4 - made.length);
    assert.equal(posts(fake) - before, 4 - made.length, 'only the missing cells were made');
    const onDisk = await readRunRecord(first.runDir);
    assert.equal(onDisk.status, 'complete', 'run.json is whole again');
    assert.equal(onDisk.resumedAt?.length, 1);
    for (const key of made) {
      assert.deepEqual(
        onDisk.cells.find((c) => c.key === key)?.images,
        first.record.cells.find((c) => c.key === key)?.images,
        `${key} kept`,
      );
    }
    assert.equal(readdirSync(path.dirname(first.runDir)).length, 1, 'no second run folder');
  });
});

test('resuming a folder without a run record says so', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-norecord-'));
  await assert.rejects(openRun(dir), /Cannot resume .*: there is no run record \(expected run\.json/);
});
