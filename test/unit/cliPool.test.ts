// The command line over several servers: `--server` repeated, and `--pool NAME` from the workspace settings.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main';
import { stripJsonc } from '../../src/cli/servers';
import { startFakeComfy } from '../fakes/comfyServer';

const STUDY = [
  'name: pool study',
  'model: qwen-image-2512',
  'prompt: a lighthouse at dusk',
  'seed: 7',
  'size: 64x64',
  'steps: [2, 4]',
  'repeats: 3',
];

function specFile(): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-clipool-'));
  const file = path.join(dir, 'study.qwenprompt');
  writeFileSync(file, STUDY.join('\n') + '\n');
  return { dir, file };
}

async function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (d) => (stdout += d));
  err.on('data', (d) => (stderr += d));
  const code = await main(args, { out: out as never, err: err as never });
  return { code, stdout, stderr };
}

/** The sum of the images column of the table headed by `heading` in the CLI's summary. */
function imagesColumn(stderr: string, heading: RegExp): number {
  const lines = stderr.split('\n');
  const at = lines.findIndex((l) => heading.test(l));
  assert.ok(at >= 0, `no table headed ${heading}`);
  const header = lines[at + 1];
  const col = header.indexOf('images');
  let sum = 0;
  for (const row of lines.slice(at + 3)) {
    if (!/^\d+ steps/.test(row)) break;
    sum += Number(row.slice(col, col + 'images'.length).trim());
  }
  return sum;
}

test('run --server A --server B spreads the sweep, and the summary says what each server made on which GPU', async () => {
  const fakes = await Promise.all([startFakeComfy({ msPerStep: 5 }), startFakeComfy({ msPerStep: 5, gpu: 'NVIDIA L40S' })]);
  try {
    const { file } = specFile();
    const r = await runCli(['run', file, '--server', fakes[0].url, '--server', fakes[1].url, '--json']);
    assert.equal(r.code, 0, r.stderr);
    const record = JSON.parse(r.stdout);
    assert.equal(record.servers.length, 2);
    const names = record.servers.map((s: { name: string }) => s.name);
    assert.deepEqual(
      names,
      fakes.map((f) => new URL(f.url).host),
    );
    assert.match(r.stderr, /^Servers:$/m);
    assert.match(r.stderr, new RegExp(`^  ${names[1]} \\(NVIDIA L40S · \\d+ GiB, ComfyUI 0\\.33\\.0\\): \\d+ image\\(s\\)`, 'm'));
    // Two GPU kinds: one table each, headed by the kind and its servers.
    assert.match(r.stderr, /^NVIDIA GeForce RTX 4090 · \d+ GiB \(/m);
    assert.match(r.stderr, /^NVIDIA L40S · \d+ GiB \(/m);
    // Each kind's images column counts the images made on that kind alone: together, the run's 6.
    const made = (server: string) => record.cells.filter((c: { server: string }) => c.server === server).length;
    assert.deepEqual(imagesColumn(r.stderr, /^NVIDIA L40S · /), made(names[1]));
    assert.deepEqual(imagesColumn(r.stderr, /^NVIDIA GeForce RTX 4090 · /), made(names[0]));
    assert.equal(made(names[0]) + made(names[1]), 6);
  } finally {
    await Promise.all(fakes.map((f) => f.close()));
  }
});

test('run --pool NAME takes the pool from .vscode/settings.json (comments allowed); a pool nobody is in is a usage error', async () => {
  const fakes = await Promise.all([startFakeComfy({ msPerStep: 5 }), startFakeComfy({ msPerStep: 5 })]);
  try {
    const { dir, file } = specFile();
    mkdirSync(path.join(dir, '.vscode'));
    writeFileSync(
      path.join(dir, '.vscode', 'settings.json'),
      `{
  // the team's boxes
  "qwenprompt.comfy.servers": [
    { "url": "${fakes[0].url}", "name": "left", "pools": ["lab"] },
    { "url": "${fakes[1].url}", "name": "right", "pools": ["lab"], "tokenKey": "right" }, /* proxied */
    { "url": "http://127.0.0.1:1", "name": "elsewhere", "pools": ["other"] },
  ],
}`,
    );
    const r = await runCli(['run', file, '--pool', 'lab', '--json']);
    assert.equal(r.code, 0, r.stderr);
    const record = JSON.parse(r.stdout);
    assert.deepEqual(
      record.servers.map((s: { name: string }) => s.name),
      ['left', 'right'],
    );
    assert.ok(record.cells.every((c: { server: string }) => c.server === 'left' || c.server === 'right'));
    // The first run had no past to go by; the second's start line says how long it will take.
    assert.doesNotMatch(r.stderr, /queued 6 job\(s\) · ~/);
    const again = await runCli(['run', file, '--pool', 'lab']);
    assert.equal(again.code, 0, again.stderr);
    assert.match(again.stderr, /^queued 6 job\(s\) · ~\d+ (s|min); run folder /m);
    const bad = await runCli(['run', file, '--pool', 'nobody']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /lists no server in pool "nobody"/);
  } finally {
    await Promise.all(fakes.map((f) => f.close()));
  }
});

test('settings.json comments and trailing commas are read as VS Code reads them, strings left alone', () => {
  assert.deepEqual(JSON.parse(stripJsonc('{ "a": "http://x//y", /* c */ "b": [1, 2,], // end\n }')), { a: 'http://x//y', b: [1, 2] });
});
