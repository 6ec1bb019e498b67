import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { encodePreviewFrame, parseBinaryFrame } from '../../src/core/comfy/frames';
import { readTranscript } from './helpers/transcripts';
import { sniffImage } from '../../src/shared/image';

const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4]);

describe('parseBinaryFrame', () => {
  it('type 4 frames as the real server sent them give prompt id, node and mime', () => {
    const rows = readTranscript('sweep').filter((r) => r.kind === 'ws_binary');
    assert.ok(rows.length > 0);
    for (const r of rows.slice(0, 5)) {
      const f = parseBinaryFrame(encodePreviewFrame(JPEG, r.metadata));
      assert.ok(f && f.kind === 'preview' && f.event === 4);
      assert.equal(f.promptId, r.metadata.prompt_id);
      assert.equal(f.nodeId, '3');
      assert.equal(f.mime, 'image/jpeg');
      assert.deepEqual([...f.data], [...JPEG]);
    }
  });

  it('type 1 frames carry only the format (1 = JPEG, 2 = PNG)', () => {
    const f = parseBinaryFrame(encodePreviewFrame(JPEG));
    assert.ok(f && f.kind === 'preview' && f.event === 1);
    assert.equal(f.mime, 'image/jpeg');
    assert.deepEqual([...f.data], [...JPEG]);
    const png = Uint8Array.from([0, 0, 0, 1, 0, 0, 0, 2, 9]);
    const g = parseBinaryFrame(png);
    assert.ok(g && g.kind === 'preview');
    assert.equal(g.mime, 'image/png');
  });

  it('type 3 text frames give node id and text; unknown events are reported as such', () => {
    const node = new TextEncoder().encode('12');
    const text = new TextEncoder().encode('loading 40%');
    const buf = new Uint8Array(8 + node.length + text.length);
    new DataView(buf.buffer).setUint32(0, 3);
    new DataView(buf.buffer).setUint32(4, node.length);
    buf.set(node, 8);
    buf.set(text, 8 + node.length);
    assert.deepEqual(parseBinaryFrame(buf), { kind: 'text', nodeId: '12', text: 'loading 40%' });
    assert.deepEqual(parseBinaryFrame(Uint8Array.from([0, 0, 0, 9])), { kind: 'unknown', event: 9 });
  });

  it('truncated or corrupt frames are rejected, not misread', () => {
    assert.equal(parseBinaryFrame(Uint8Array.from([0, 0, 0])), undefined);
    assert.equal(parseBinaryFrame(Uint8Array.from([0, 0, 0, 4, 0, 0, 1, 0, 123])), undefined);
    const bad = encodePreviewFrame(JPEG, { prompt_id: 'x' });
    bad[8] = 0x7b + 1; // break the JSON header
    assert.equal(parseBinaryFrame(bad), undefined);
  });
});

describe('sniffImage', () => {
  it('knows PNG, JPEG and WebP by their magic bytes and nothing else', () => {
    const png = new PNG({ width: 2, height: 2 });
    assert.equal(sniffImage(PNG.sync.write(png)), 'png');
    assert.equal(sniffImage(JPEG), 'jpeg');
    const webp = new TextEncoder().encode('RIFF\0\0\0\0WEBPVP8 ');
    assert.equal(sniffImage(webp), 'webp');
    assert.equal(sniffImage(new TextEncoder().encode('<!DOCTYPE html>')), undefined);
    assert.equal(sniffImage(new Uint8Array(0)), undefined);
  });
});
