import assert from 'node:assert/strict';
import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, it } from 'node:test';
import { writeRunRecord } from '../../src/core/runs/record';
import { RunHistory } from '../../src/features/runs/runHistory';
import { ROOT } from './helpers/specJobs';
import type { RunRecord } from '../../src/shared/runRecord';

const FIXTURE = path.join(ROOT, 'test/fixtures/runs/steps-study/2026-11-20T09-00-00Z');
const root = mkdtempSync(path.join(tmpdir(), 'qp-history-'));
/** A second runs folder beside the first, so its records' `../study.qwenprompt` names the same spec file. */
const other = mkdtempSync(path.join(tmpdir(), 'qp-history-'));
after(() => [root, other].forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A copy of the fixture record as run `name` of spec `spec`, made at `createdAt`. */
async function addRun(
  spec: string,
  name: string,
  createdAt: string,
  change: (r: RunRecord) => void = () => {},
  runsRoot = root,
): Promise<string> {
  const record = JSON.parse(await fs.readFile(path.join(FIXTURE, 'run.json'), 'utf8')) as RunRecord;
  record.createdAt = createdAt;
  record.spec = { ...record.spec, file: '../study.qwenprompt' }; // as runs record it: relative to the runs folder
  change(record);
  const dir = path.join(runsRoot, spec, name);
  await fs.mkdir(dir, { recursive: true });
  await writeRunRecord(dir, record);
  return dir;
}

describe('run history behind the lenses', () => {
  const specFile = path.join(path.dirname(root), 'study.qwenprompt');

  it('shows the newest run, the newest time per step count and what a resume would make', async () => {
    await addRun('study', 'old', '2026-11-01T00:00:00.000Z');
    const newest = await addRun('study', 'new', '2026-11-02T00:00:00.000Z', (r) => {
      r.status = 'cancelled';
      r.cells[0].status = 'cancelled';
      r.cells[0].images = [];
    });
    const h = await new RunHistory().get(root, specFile, 'study');
    assert.equal(h.latest?.runDir, newest);
    assert.equal(h.latest?.missing, 1, 'one cell of the newest run has no image');
    assert.ok(h.msByStep.size > 0, 'step counts carry their times');
  });

  it('reads a record again only when it changed on disk, and sees every change after invalidate()', async () => {
    const dir = await addRun('cached', 'a', '2026-11-03T00:00:00.000Z');
    const history = new RunHistory();
    const first = await history.get(root, specFile, 'cached');
    assert.equal(first.latest?.missing, 0);

    // Same bytes length, same mtime, same inode: the record is not parsed again (garbage in place stays unread).
    const file = path.join(dir, 'run.json');
    const st = await fs.stat(file);
    const handle = await fs.open(file, 'r+');
    await handle.write(Buffer.alloc(1, 0x20), 0, 1, 0); // overwrite the opening brace in place
    await handle.close();
    // The stamp keeps whole milliseconds; setting them back as seconds may land a hair below (float), which rounds back.
    await fs.utimes(file, st.atime, Math.round(st.mtimeMs) / 1000);
    history.invalidate();
    const again = await history.get(root, specFile, 'cached');
    assert.equal(again.latest?.runDir, dir, 'an unchanged stamp reuses what was read');

    // A real rewrite (atomic: new inode) is read: the run now misses an image.
    await addRun('cached', 'a', '2026-11-03T00:00:00.000Z', (r) => {
      r.status = 'cancelled';
      r.cells[1].status = 'cancelled';
      r.cells[1].images = [];
    });
    history.invalidate();
    assert.equal((await history.get(root, specFile, 'cached')).latest?.missing, 1);

    // A new run shows up; a deleted one disappears.
    const newer = await addRun('cached', 'b', '2026-11-04T00:00:00.000Z');
    history.invalidate();
    assert.equal((await history.get(root, specFile, 'cached')).latest?.runDir, newer);
    await fs.rm(newer, { recursive: true });
    history.invalidate();
    assert.equal((await history.get(root, specFile, 'cached')).latest?.runDir, dir);
  });

  it('invalidate(runsRoot) shows what changed in that runs folder and nothing else is read again', async () => {
    const history = new RunHistory();
    const here = await addRun('watched', 'a', '2026-11-05T00:00:00.000Z');
    const there = await addRun('watched', 'a', '2026-11-05T00:00:00.000Z', undefined, other);
    assert.equal((await history.get(root, specFile, 'watched')).latest?.runDir, here);
    assert.equal((await history.get(other, specFile, 'watched')).latest?.runDir, there);

    // A run made elsewhere (the CLI) lands in each folder; only the folder said to have changed is read again.
    const newHere = await addRun('watched', 'b', '2026-11-06T00:00:00.000Z');
    await addRun('watched', 'b', '2026-11-06T00:00:00.000Z', undefined, other);
    history.invalidate(root);
    assert.equal((await history.get(root, specFile, 'watched')).latest?.runDir, newHere, 'the changed folder shows its new run');
    assert.equal((await history.get(other, specFile, 'watched')).latest?.runDir, there, 'the other folder keeps what it had read');
  });
});
