/**
 * The client against a hostile or broken server (the test server's hostile switches): WebSocket frames
 * over the cap are dropped with one log line and the job still finishes; a response whose headers never
 * finish times out with an error naming the route; a job naming 100,000 outputs takes a bounded number;
 * messages about prompts nobody here posted are kept bounded by size as well as by count.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MAX_JOB_IMAGES } from '../../src/core/comfy/outcome';
import { MAX_FRAME_BYTES } from '../../src/core/comfy/socket';
import type { JobEvent } from '../../src/core/comfy/types';
import type { ILogger } from '../../src/core/logger';
import { rejection } from './helpers/comfyAssert';
import { comfyFixture, freshGraph } from './helpers/comfyPieces';

const fx = comfyFixture();

function recordingLogger(): ILogger & { lines: string[] } {
  const lines: string[] = [];
  const add = (m: unknown) => void lines.push(String(m));
  return { lines, trace: add, debug: add, info: add, warn: add, error: add };
}

/** Peak RSS while `fn` runs, sampled every 20 ms. */
async function peakRss<T>(fn: () => Promise<T>): Promise<{ value: T; peakMiB: number }> {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  try {
    const value = await fn();
    return { value, peakMiB: Math.round(Math.max(peak, process.memoryUsage().rss) / 1048576) };
  } finally {
    clearInterval(timer);
  }
}

describe('bounded against a hostile server', () => {
  it(
    'sixty 60 MB WebSocket frames: each dropped with one log line, the job finishes, the process lives',
    { timeout: 60_000 },
    async (t) => {
      const fake = await fx.server({ msPerStep: 10 });
      const log = recordingLogger();
      const client = fx.client(fake, { logger: log, reconnect: { maxAttempts: 50, baseDelayMs: 10, maxDelayMs: 50 } });
      fake.faults.binaryFlood = { bytes: 60_000_000, count: 60 };
      const { value: outcome, peakMiB } = await peakRss(async () => (await client.submit(freshGraph(8))).done);
      assert.equal(outcome.status, 'success', outcome.error);
      assert.equal(outcome.images.length, 1);
      const dropped = log.lines.filter((l) => /WebSocket frame over 20 MiB/.test(l));
      assert.ok(dropped.length >= 1, 'the dropped frame is logged');
      t.diagnostic(`${dropped.length} frames dropped, peak RSS ${peakMiB} MiB`);
    },
  );

  it(
    '300 one-MB messages about a prompt nobody here posted: at most 8 MiB of them kept, the job finishes',
    { timeout: 60_000 },
    async (t) => {
      setFlagsFromString('--expose-gc');
      const gc = runInNewContext('gc') as () => void;
      const fake = await fx.server({ msPerStep: 10 });
      const client = fx.client(fake);
      await client.connect();
      gc();
      const before = process.memoryUsage().heapUsed;
      fake.faults.textFlood = { bytes: 1_000_000, count: 300 };
      const outcome = await (await client.submit(freshGraph(4))).done;
      assert.equal(outcome.status, 'success', outcome.error);
      gc();
      const keptMiB = (process.memoryUsage().heapUsed - before) / 1048576;
      // Before the size cap, all 300 were kept (up to 2,000 by count): ~300 MiB of heap.
      assert.ok(keptMiB < 40, `${keptMiB.toFixed(0)} MiB of heap kept after the flood`);
      t.diagnostic(`heap kept after 300 × 1 MB foreign messages: ${keptMiB.toFixed(1)} MiB`);
    },
  );

  it('frames under the cap (1 MiB previews) are delivered as previews', { timeout: 30_000 }, async () => {
    const fake = await fx.server({ msPerStep: 10 });
    const client = fx.client(fake);
    fake.faults.binaryFlood = { bytes: 1024 * 1024, count: 3 };
    const previews: JobEvent[] = [];
    const outcome = await (await client.submit(freshGraph(8), { onEvent: (e) => e.type === 'preview' && previews.push(e) })).done;
    assert.equal(outcome.status, 'success');
    assert.ok(previews.filter((p) => p.type === 'preview' && p.data.byteLength > 1000_000).length >= 3);
    assert.ok(MAX_FRAME_BYTES >= 16 * 1024 * 1024, 'room for a 2048² RGBA preview stored uncompressed');
  });

  for (const route of ['/history', '/queue', '/prompt', '/view', '/system_stats', '/api/jobs']) {
    it(`a ${route} response whose headers never finish times out, naming the route`, { timeout: 15_000 }, async () => {
      const fake = await fx.server();
      const done = route === '/view' || route === '/history' ? await fx.finished(fake) : undefined;
      const client = fx.client(fake, { requestTimeoutMs: 400 });
      // The test server names routes without their /api prefix.
      fake.faults.hangHeaders = [route.replace(/^\/api/, '')];
      const call: Record<string, () => Promise<unknown>> = {
        '/history': () => client.history(done!.promptId),
        '/queue': () => client.queue(),
        '/prompt': () => client.submit(freshGraph()),
        '/view': () => client.view(done!.images[0]),
        '/system_stats': () => client.systemStats(),
        '/api/jobs': async () => {
          const [r] = await client.cancel(['b1c5b3d0-6a4e-4f55-9d1e-0d5b7a0c4e11']);
          if (r.fate === 'unknown') throw new Error(r.error);
          return r;
        },
      };
      if (route === '/api/jobs') {
        // It runs (and hangs), so the cancel asks the jobs route to stop it.
        fake.faults.stallMidRun = true;
        const job = await client.submit(freshGraph());
        const [r] = await client.cancel([job.promptId]);
        assert.equal(r.fate, 'unknown');
        assert.match(r.error ?? '', /POST \/api\/jobs\/.*\/cancel .*sent no answer within 0\.4 s/);
        return;
      }
      const e = await rejection(call[route]());
      assert.equal(e.kind, 'timeout');
      assert.match(e.message, new RegExp(`(GET|POST) ${route.replace('/', '\\/')}.* sent no answer within 0\\.4 s`));
    });
  }

  it(
    `a job whose executed and /history name 100,000 outputs keeps the first ${MAX_JOB_IMAGES}, with a note`,
    { timeout: 60_000 },
    async (t) => {
      const fake = await fx.server();
      const client = fx.client(fake);
      fake.faults.outputCount = 100_000;
      let announced = 0;
      const { value: outcome, peakMiB } = await peakRss(
        async () => (await client.submit(freshGraph(), { onEvent: (e) => e.type === 'executed' && (announced += e.images.length) })).done,
      );
      assert.equal(outcome.status, 'success');
      assert.equal(outcome.images.length, MAX_JOB_IMAGES);
      assert.ok(announced <= MAX_JOB_IMAGES, `${announced} images announced to listeners`);
      assert.match(outcome.notes?.join(' ') ?? '', /named 100000 output images .* only the first 256/);
      t.diagnostic(`peak RSS ${peakMiB} MiB`);
    },
  );
});
