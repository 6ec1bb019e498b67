import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main';
import { readRunRecord } from '../../src/core/runs/record';
import { startFakeComfy } from '../fakes/comfyServer';
import { spawnCli } from './helpers/cliBundle';

function specFile(body: string[]): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-clitest-'));
  const file = path.join(dir, 'study.qwenprompt');
  writeFileSync(file, body.join('\n') + '\n');
  return { dir, file };
}

const STUDY = [
  'name: cli study',
  'model: qwen-image-2512',
  'prompt: a lighthouse at dusk',
  'seed: 7',
  'size: 64x64',
  'steps: [2, 4]',
  'repeats: 2',
];

test('run: live lines, the study table on stderr, the record as JSON on stdout, exit 0', async () => {
  const fake = await startFakeComfy({ msPerStep: 5 });
  try {
    const { dir, file } = specFile(STUDY);
    const r = await spawnCli(['run', file, '--server', fake.url, '--json']).done;
    assert.equal(r.code, 0, r.stderr);
    const record = JSON.parse(r.stdout);
    assert.equal(record.status, 'complete');
    assert.equal(record.cells.length, 4);
    assert.match(r.stderr, /queued 4 job\(s\)/);
    assert.match(r.stderr, /✔ 2 steps #1 \(seed 7\)/);
    assert.match(r.stderr, /setting\s+n\s+time \(mean ± σ\)\s+min\s+max\s+it\/s\s+VRAM \(device\)\s+VRAM \(PyTorch\)/);
    assert.match(r.stderr, /^VRAM \(device\): peak memory in use on the GPU while the job ran, as nvidia-smi shows it/m);
    assert.match(r.stderr, /^4 steps\s+2\s.*\s\d+(?:\.\d)? [GM]iB\s+\d+(?:\.\d)? [GM]iB\s/m, 'VRAM in GiB/MiB as GPU tools show it');
    assert.match(r.stderr, /^4 steps\s+2\s/m);
    assert.match(r.stderr, /Run complete: /);
    // Nothing in the CLI shows previews: it asks for none, so they cost the timed jobs nothing, and says so.
    const posts = fake.requests.filter((q) => q.method === 'POST' && q.path === '/prompt');
    assert.deepEqual(
      posts.map((q) => (q.body as { extra_data: { preview_method: string } }).extra_data.preview_method),
      ['none', 'none', 'none', 'none'],
    );
    assert.equal(record.previews, 'off');
    assert.deepEqual(
      record.cells.map((c: { previews: boolean }) => c.previews),
      [false, false, false, false],
    );
    const runDirs = readdirSync(path.join(dir, '.qwenprompt-runs', 'cli-study'));
    assert.equal(runDirs.length, 1);
    assert.equal((await readRunRecord(path.join(dir, '.qwenprompt-runs', 'cli-study', runDirs[0]))).id, record.id);
  } finally {
    await fake.close();
  }
});

test('run against no server: says there is none at that address and how to fix it, exit 3', async () => {
  const fake = await startFakeComfy();
  const url = fake.url;
  await fake.close();
  const { dir, file } = specFile(STUDY);
  const r = await spawnCli(['run', file, '--server', url]).done;
  assert.equal(r.code, 3);
  assert.match(r.stderr, new RegExp(`No ComfyUI server answers at ${url.replace(/[.]/g, '\\.')}`));
  assert.match(r.stderr, /Is ComfyUI running\?/);
  assert.equal(existsSync(path.join(dir, '.qwenprompt-runs')), false);
});

test('a broken spec: each problem as file:line:col, nothing sent, exit 2', async () => {
  const fake = await startFakeComfy();
  try {
    const { file } = specFile(['name: broken', 'prompt: fox', 'steps: [20, 0]', 'cfgg: 7']);
    const r = await spawnCli(['run', file, '--server', fake.url]).done;
    assert.equal(r.code, 2);
    assert.match(r.stderr, /study\.qwenprompt:3:\d+: error: .*steps/);
    assert.match(r.stderr, /study\.qwenprompt:4:1: error: .*cfgg.*did you mean 'cfg'/i);
    assert.match(r.stderr, /nothing was sent to the server/);
    assert.equal(fake.requests.filter((q) => q.method === 'POST').length, 0);
  } finally {
    await fake.close();
  }
});

test('ComfyUI rejects the graph: the error points at the spec line, exit 2', async () => {
  const fake = await startFakeComfy();
  try {
    const { file } = specFile([...STUDY, 'sampler: no_such_sampler']);
    const r = await spawnCli(['run', file, '--server', fake.url]).done;
    assert.equal(r.code, 2, r.stderr);
    assert.match(r.stderr, /study\.qwenprompt:8:\d+: error: sampler: .*no_such_sampler/);
    assert.match(r.stderr, /nothing ran/);
  } finally {
    await fake.close();
  }
});

test('Ctrl-C interrupts the running prompt, removes the queued ones, and leaves a cancelled record; exit 130', async () => {
  const fake = await startFakeComfy({ msPerStep: 30 });
  try {
    const { dir, file } = specFile(['name: long', 'prompt: fox', 'size: 64x64', 'steps: [200]', 'repeats: 3']);
    const cli = spawnCli(['run', file, '--server', fake.url]);
    // Wait until the first job samples, then press Ctrl-C.
    const deadline = Date.now() + 20_000;
    while (!/started/.test(cli.stderr()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await new Promise((r) => setTimeout(r, 200));
    cli.child.kill('SIGINT');
    const r = await cli.done;
    assert.equal(r.code, 130, r.stderr);
    assert.match(r.stderr, /Cancelling/);
    const paths = fake.requests.map((q) => `${q.method} ${q.path}`);
    assert.ok(
      paths.some((p) => p === 'POST /interrupt' || /^POST (\/api)?\/jobs\/[^/]+\/cancel$/.test(p)),
      'the running prompt was interrupted (by its id)',
    );
    assert.ok(paths.includes('POST /queue'), 'the queued prompts were deleted');
    const specDir = path.join(dir, '.qwenprompt-runs', 'long');
    const record = await readRunRecord(path.join(specDir, readdirSync(specDir)[0]));
    assert.equal(record.status, 'cancelled');
    assert.ok(record.cells.every((c) => c.status === 'cancelled'));
    const q = (await (await fetch(`${fake.url}/queue`)).json()) as { queue_running: unknown[]; queue_pending: unknown[] };
    assert.equal(q.queue_running.length + q.queue_pending.length, 0, 'nothing left running on the server');
  } finally {
    await fake.close();
  }
});

test('on a terminal, a progress bar per job redrawn in place', async () => {
  const fake = await startFakeComfy({ msPerStep: 10 });
  try {
    const { file } = specFile(['name: tty', 'prompt: fox', 'size: 64x64', 'steps: [10, 20]', 'repeats: 1']);
    let text = '';
    const err = Object.assign(new PassThrough(), { isTTY: true, columns: 100 });
    err.on('data', (d) => (text += d));
    const code = await main(['run', file, '--server', fake.url], { out: new PassThrough() as never, err: err as never });
    assert.equal(code, 0, text);
    assert.match(text, /\x1b\[\d+A/, 'the block is redrawn by moving the cursor up');
    assert.match(text, /10 steps #1\s+█+ /);
    assert.match(text, /20 steps #1\s+█+ \d/, 'a finished job shows a full bar and its time');
    assert.match(text, /2\/2 done/);
  } finally {
    await fake.close();
  }
});

test('usage errors say what is wrong and exit 2', async () => {
  const r = await spawnCli(['run', 'x.qwenprompt', '--steps', 'abc']).done;
  assert.equal(r.code, 2);
  assert.match(r.stderr, /--steps needs a whole number ≥ 1, not "abc"/);
  const missing = await spawnCli(['run', '/no/such/file.qwenprompt']).done;
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /Cannot read .*no such file/);
});
