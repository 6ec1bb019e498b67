/** The client's one retry loop, trying real requests against the ComfyUI test server. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isTransient, retry } from '../../src/core/comfy/retry';
import { rejection } from './helpers/comfyAssert';
import { comfyFixture } from './helpers/comfyPieces';

const fx = comfyFixture();

describe('retry', () => {
  it('retries a 5xx until the server answers, then returns that answer', async () => {
    const fake = await fx.server();
    const image = (await fx.finished(fake)).images[0];
    const http = fx.http(fake);
    fake.faults.viewFailures = 2;
    const tries: number[] = [];
    const { data } = await retry(
      (n) => {
        tries.push(n);
        return http.bytes('/view', { query: { ...image }, maxBytes: 1 << 24 });
      },
      { attempts: 4, delayMs: 5, retryOn: isTransient },
    );
    assert.deepEqual(tries, [1, 2, 3]);
    assert.ok(data.byteLength > 0);
  });

  it('gives up after the last attempt with its error, and does not retry what will not pass', async () => {
    const fake = await fx.server();
    const image = (await fx.finished(fake)).images[0];
    const http = fx.http(fake);
    const views = () => fake.requests.filter((r) => r.path === '/view').length;
    fake.faults.viewFailures = 10;
    const failed = await rejection(
      retry(() => http.bytes('/view', { query: { ...image }, maxBytes: 1 << 24 }), { attempts: 3, delayMs: 5, retryOn: isTransient }),
    );
    assert.equal(failed.kind, 'server');
    assert.equal(views(), 3);

    fake.faults.viewFailures = 0;
    const missing = await rejection(
      retry(() => http.bytes('/view', { query: { ...image, filename: 'no_such_file.png' }, maxBytes: 1 << 24 }), {
        attempts: 3,
        delayMs: 5,
        retryOn: isTransient,
      }),
    );
    assert.equal(missing.kind, 'notFound');
    assert.equal(views(), 4, 'a 404 is asked once');
  });

  it('retries an unreachable server, and an answer `again` asks for until the last attempt', async () => {
    const fake = await fx.server();
    const done = await fx.finished(fake);
    const http = fx.http(fake);
    fake.faults.historyEmptyFor = 2;
    const entry = await retry(
      async () => ((await http.json<Record<string, unknown>>('GET', `/history/${done.promptId}`)) ?? {})[done.promptId],
      { attempts: 5, delayMs: 5, again: (h) => h === undefined },
    );
    assert.ok(entry, 'the entry once /history has it');
    fake.faults.historyEmptyFor = 10;
    const still = await retry(
      async () => ((await http.json<Record<string, unknown>>('GET', `/history/${done.promptId}`)) ?? {})[done.promptId],
      { attempts: 2, delayMs: 5, again: (h) => h === undefined },
    );
    assert.equal(still, undefined, 'the last answer as it is');

    await fake.close();
    let tries = 0;
    const down = await rejection(retry(() => (tries++, http.json('GET', '/queue')), { attempts: 3, delayMs: 5, retryOn: isTransient }));
    assert.equal(down.kind, 'unreachable');
    assert.equal(tries, 3);
  });

  it('an abort during the wait stops at once with kind aborted', async () => {
    const fake = await fx.server();
    const http = fx.http(fake);
    fake.faults.http500 = ['/queue'];
    const ctrl = new AbortController();
    const e = await rejection(
      retry(() => http.json('GET', '/queue'), {
        attempts: 5,
        delayMs: 60_000,
        signal: ctrl.signal,
        retryOn: isTransient,
        onRetry: () => ctrl.abort(),
      }),
    );
    assert.equal(e.kind, 'aborted');
    assert.equal(fake.requests.filter((r) => r.path === '/queue').length, 1);
  });
});
