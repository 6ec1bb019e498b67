/** /view downloads (ImageViews): into memory and streamed into a sink, against the ComfyUI test server. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sniffImage } from '../../src/shared/image';
import type { ByteSink, ImageRef } from '../../src/core/comfy/types';
import { ImageViews } from '../../src/core/comfy/view';
import { nullLogger } from '../../src/core/logger';
import type { FakeComfy } from '../fakes/comfyServer';
import { rejection } from './helpers/comfyAssert';
import { comfyFixture } from './helpers/comfyPieces';

const fx = comfyFixture();

function views(fake: FakeComfy, maxImageBytes = 1 << 24): ImageViews {
  return new ImageViews({ http: fx.http(fake), log: nullLogger, maxImageBytes, retry: { attempts: 3, delayMs: 5 } });
}

/** A sink that keeps what it is given, and says how it ended. */
function memorySink(sinks: { chunks: Uint8Array[]; end?: 'closed' | 'aborted' }[]): () => Promise<ByteSink<Buffer>> {
  return async () => {
    const s: { chunks: Uint8Array[]; end?: 'closed' | 'aborted' } = { chunks: [] };
    sinks.push(s);
    return {
      write: (c) => void s.chunks.push(Uint8Array.from(c)),
      close: async () => ((s.end = 'closed'), Buffer.concat(s.chunks)),
      abort: async () => void (s.end = 'aborted'),
    };
  };
}

const viewRequests = (fake: FakeComfy) => fake.requests.filter((r) => r.path === '/view').length;

describe('ImageViews', () => {
  it('streams a saved image into the sink, the same bytes view() gives', async () => {
    const fake = await fx.server();
    const image = (await fx.finished(fake)).images[0];
    const v = views(fake);
    const sinks: { chunks: Uint8Array[]; end?: 'closed' | 'aborted' }[] = [];
    const streamed = await v.viewTo(image, memorySink(sinks));
    assert.equal(sniffImage(streamed), 'png');
    assert.deepEqual(streamed, Buffer.from(await v.view(image)));
    assert.deepEqual(
      sinks.map((s) => s.end),
      ['closed'],
    );
  });

  it('a retried download starts a fresh sink and aborts the failed one', async () => {
    const fake = await fx.server();
    const image = (await fx.finished(fake)).images[0];
    fake.faults.viewFailures = 1;
    const sinks: { chunks: Uint8Array[]; end?: 'closed' | 'aborted' }[] = [];
    const streamed = await views(fake).viewTo(image, memorySink(sinks));
    assert.equal(sniffImage(streamed), 'png');
    assert.deepEqual(
      sinks.map((s) => s.end),
      ['aborted', 'closed'],
    );
    assert.deepEqual(sinks[0].chunks, [], 'the 500 page never reached a sink');
  });

  it('refuses a bad ref without asking the server', async () => {
    const fake = await fx.server();
    const v = views(fake);
    const bad: ImageRef[] = [
      { filename: 'a\u0000.png', subfolder: '', type: 'output' },
      { filename: '', subfolder: '', type: 'output' },
      { filename: 'a.png', subfolder: 'x\u0000', type: 'output' },
    ];
    for (const ref of bad) {
      assert.equal((await rejection(v.view(ref))).kind, 'badRequest');
      const sinks: { chunks: Uint8Array[]; end?: 'closed' | 'aborted' }[] = [];
      assert.equal((await rejection(v.viewTo(ref, memorySink(sinks)))).kind, 'badRequest');
      assert.deepEqual(sinks, [], 'no sink opened');
    }
    assert.equal(
      (await rejection(v.view({ filename: 'a.png', subfolder: '', type: 'output' }, { preview: 'webp\u0000' }))).kind,
      'badRequest',
    );
    assert.equal(viewRequests(fake), 0);
  });

  it('an image over the limit stops the stream; the sink is aborted with nothing written', async () => {
    const fake = await fx.server();
    const image = (await fx.finished(fake)).images[0];
    const sinks: { chunks: Uint8Array[]; end?: 'closed' | 'aborted' }[] = [];
    const e = await rejection(views(fake, 8).viewTo(image, memorySink(sinks)));
    assert.equal(e.kind, 'badResponse');
    assert.match(e.message, /answered more than 8 bytes; stopped reading/);
    assert.deepEqual(
      sinks.map((s) => [s.end, s.chunks.length]),
      [['aborted', 0]],
    );
  });
});
