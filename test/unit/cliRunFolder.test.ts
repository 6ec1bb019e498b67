import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { readRunRecord } from '../../src/core/runs/record';
import { listRuns, runsRootFor } from '../../src/core/runs/runFolders';
import { startFakeComfy } from '../fakes/comfyServer';
import { spawnCli } from './helpers/cliBundle';

test('qwenprompt run from another working directory records the spec as the editor matches it (relative to the runs folder)', async () => {
  const fake = await startFakeComfy({ msPerStep: 2 });
  try {
    const root = mkdtempSync(path.join(tmpdir(), 'qp-cli-cwd-'));
    const file = path.join(root, 'specs', 'study.qwenprompt');
    mkdirSync(path.dirname(file));
    mkdirSync(path.join(root, 'elsewhere'));
    writeFileSync(
      file,
      ['name: cli study', 'model: qwen-image-2512', 'prompt: a lighthouse', 'seed: 7', 'size: 64x64', 'steps: [2]'].join('\n') + '\n',
    );
    const r = await spawnCli(['run', path.join('..', 'specs', 'study.qwenprompt'), '--server', fake.url], {}, path.join(root, 'elsewhere'))
      .done;
    assert.equal(r.code, 0, r.stderr);
    const runsRoot = runsRootFor(file);
    const [runDir] = readdirSync(path.join(runsRoot, 'cli-study')).map((d) => path.join(runsRoot, 'cli-study', d));
    assert.equal((await readRunRecord(runDir)).spec.file, '../study.qwenprompt');
    assert.deepEqual(
      (await listRuns(runsRoot, 'cli-study', file)).map((x) => x.runDir),
      [runDir],
      "the spec's own listing has it",
    );
  } finally {
    await fake.close();
  }
});
