// Live previews cost the server GPU time inside the jobs being timed: a run asks for them only when its
// caller shows them, prompt by prompt, and run.json says whether each job had them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ComfyClient } from '../../src/core/comfy/client';
import { readRunRecord } from '../../src/core/runs/record';
import { previewsOf } from '../../src/core/runs/runner';
import { runSpec } from '../../src/core/runs/session';
import type { RunUpdate } from '../../src/core/runs/options';
import type { CellRecord } from '../../src/shared/runRecord';
import { startFakeComfy } from '../fakes/comfyServer';
import { studySpec } from './helpers/spec';

const spec = studySpec({ width: 64, height: 64, steps: [3, 4], repeats: 2 });

async function run(previewMethod: Parameters<typeof runSpec>[0]['previewMethod']) {
  const fake = await startFakeComfy({ msPerStep: 5, loadMs: 5 });
  const client = new ComfyClient({ baseUrl: fake.url });
  const updates: RunUpdate[] = [];
  try {
    const root = mkdtempSync(path.join(tmpdir(), 'qp-previews-'));
    const { runDir, record } = await runSpec({
      spec,
      specFile: '/x/s.qwenprompt',
      client,
      runsRoot: root,
      previewMethod,
      onUpdate: (u) => updates.push(u),
      vramPollMs: 50,
    });
    const asked = fake.requests
      .filter((q) => q.method === 'POST' && q.path === '/prompt')
      .map((q) => (q.body as { extra_data: { preview_method: string } }).extra_data.preview_method);
    const previewed = new Set(updates.flatMap((u) => (u.type === 'preview' ? [u.key] : [])));
    return { record: await readRunRecord(runDir), live: record, asked, previewed };
  } finally {
    client.close();
    await fake.close();
  }
}

test('a run whose caller says nothing asks for no previews, and run.json says so', async () => {
  const { record, asked, previewed } = await run(undefined);
  assert.deepEqual(asked, ['none', 'none', 'none', 'none']);
  assert.equal(record.previews, 'off');
  assert.ok(record.cells.every((c) => c.previews === false));
  assert.equal(previewed.size, 0, 'the server sent none');
});

test('asked as each prompt is posted: a panel closed after two prompts leaves the rest without previews, recorded per cell', async () => {
  let posted = 0;
  const { record, live, asked, previewed } = await run(() => (posted++ < 2 ? 'auto' : 'none'));
  assert.deepEqual(asked, ['auto', 'auto', 'none', 'none']);
  assert.deepEqual(
    record.cells.map((c) => c.previews),
    [true, true, false, false],
  );
  assert.equal(record.previews, 'mixed');
  assert.equal(live.previews, 'mixed');
  assert.deepEqual(
    [...previewed].sort(),
    record.cells
      .slice(0, 2)
      .map((c) => c.key)
      .sort(),
    'previews came for the first two jobs only',
  );
});

test('previewsOf: on, off, mixed over the cells posted; nothing before any was', () => {
  const cells = (...p: (boolean | undefined)[]) => p.map((previews) => ({ previews }) as CellRecord);
  assert.equal(previewsOf(cells(true, true, undefined)), 'on');
  assert.equal(previewsOf(cells(false)), 'off');
  assert.equal(previewsOf(cells(false, true)), 'mixed');
  assert.equal(previewsOf(cells(undefined)), undefined);
});
