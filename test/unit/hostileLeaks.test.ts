/**
 * The bearer token for a proxied server goes to that server and nowhere else: not into run.json,
 * the log (even at debug level), the --json output, nor an error message.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main';
import { ComfyClient } from '../../src/core/comfy/client';
import { userMessage } from '../../src/core/comfy/errors';
import { startFakeComfy } from '../fakes/comfyServer';

const TOKEN = 'qp-secret-7d1f0c2e9b';

function everyFile(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? everyFile(path.join(dir, e.name)) : [path.join(dir, e.name)],
  );
}

test('the CLI sends the token on every request and the socket, and writes it nowhere', async () => {
  const fake = await startFakeComfy({ msPerStep: 1, loadMs: 2, nodeMs: 1 });
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-token-'));
  const spec = path.join(dir, 'a.qwenprompt');
  writeFileSync(spec, 'name: token test\nprompt: a cat\nsize: 16x16\nsteps: [1, 2]\n');
  let out = '';
  let err = '';
  const o = new PassThrough().on('data', (d) => (out += d));
  const e = Object.assign(
    new PassThrough().on('data', (d) => (err += d)),
    { isTTY: false },
  );
  const saved = { token: process.env.QP_TEST_TOKEN, debug: process.env.QWENPROMPT_DEBUG };
  process.env.QP_TEST_TOKEN = TOKEN;
  process.env.QWENPROMPT_DEBUG = '1';
  try {
    const code = await main(['run', spec, '--server', fake.url, '--token-env', 'QP_TEST_TOKEN', '--json'], {
      out: o as never,
      err: e as never,
    });
    assert.equal(code, 0, err);
    assert.ok(fake.requests.length > 3);
    for (const r of fake.requests) assert.equal(r.authorization, `Bearer ${TOKEN}`, `${r.method} ${r.path} carried the token`);
    assert.ok(fake.upgrades.length >= 1 && fake.upgrades.every((a) => a === `Bearer ${TOKEN}`), 'the WebSocket upgrade carried it');
    assert.ok(err.includes('[debug]') || err.includes('[info]'), 'the debug log was on');
    assert.ok(!err.includes(TOKEN), 'not in the log');
    assert.ok(!out.includes(TOKEN), 'not in the --json output');
    for (const f of everyFile(dir)) assert.ok(!readFileSync(f).includes(TOKEN), `not in ${path.relative(dir, f)}`);
  } finally {
    process.env.QP_TEST_TOKEN = saved.token;
    if (saved.debug === undefined) delete process.env.QWENPROMPT_DEBUG;
    else process.env.QWENPROMPT_DEBUG = saved.debug;
    await fake.close();
  }
});

test('a server error while a token is set: the message a user sees never repeats the token', async () => {
  const fake = await startFakeComfy();
  fake.faults.http500 = ['/system_stats'];
  const client = new ComfyClient({ baseUrl: fake.url, token: TOKEN, reconnect: { maxAttempts: 1, baseDelayMs: 1, maxDelayMs: 1 } });
  try {
    const error = await client.systemStats().then(
      () => assert.fail('should fail'),
      (x: unknown) => x,
    );
    assert.ok(!userMessage(error).includes(TOKEN) && !String(error).includes(TOKEN) && !JSON.stringify(error).includes(TOKEN));
  } finally {
    client.close();
    await fake.close();
  }
});
