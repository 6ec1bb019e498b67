import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { deflateSync } from 'node:zlib';
import { NotPngError, readPngText, withPngText } from '../../src/core/quality/pngText';
import { ROOT } from './helpers/specJobs';

const SAMPLE = readFileSync(path.join(ROOT, 'test/fixtures/comfy/sample-output.png'));

test('reads the API graph ComfyUI wrote into a real output PNG, and the extra chunk beside it', () => {
  const text = readPngText(SAMPLE);
  assert.deepEqual([...text.keys()], ['prompt', 'qwenprompt']);
  const graph = JSON.parse(text.get('prompt')!);
  assert.equal(graph['4'].class_type, 'CheckpointLoaderSimple');
  assert.equal(graph['6'].inputs.text, 'a lighthouse at dusk');
  assert.equal(text.get('qwenprompt'), '{"steps": 20}');
});

/** A chunk with a correct length; the CRC is not checked by the reader. */
function chunk(type: string, body: Uint8Array): Uint8Array {
  const out = new Uint8Array(body.length + 12);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(Buffer.from(type, 'latin1'), 4);
  out.set(body, 8);
  return out;
}

function insertAfterIhdr(png: Uint8Array, ...chunks: Uint8Array[]): Uint8Array {
  return Buffer.concat([png.subarray(0, 33), ...chunks, png.subarray(33)]);
}

test('reads zTXt and compressed iTXt chunks, UTF-8 included', () => {
  const ztxt = chunk('zTXt', Buffer.concat([Buffer.from('workflow\0\0', 'latin1'), deflateSync(Buffer.from('{"nodes":[]}'))]));
  const itxt = chunk(
    'iTXt',
    Buffer.concat([Buffer.from('prompt\0\x01\0en\0\0', 'latin1'), deflateSync(Buffer.from('竹林 portrait', 'utf8'))]),
  );
  const text = readPngText(insertAfterIhdr(SAMPLE, ztxt, itxt));
  assert.equal(text.get('workflow'), '{"nodes":[]}');
  assert.equal(text.get('prompt'), '竹林 portrait', 'an iTXt before the tEXt of the same keyword wins');
});

test('a corrupt compressed chunk is skipped and the rest still read; a truncated file keeps what came first', () => {
  const bad = chunk('zTXt', Buffer.from('broken\0\0not deflate', 'latin1'));
  assert.deepEqual([...readPngText(insertAfterIhdr(SAMPLE, bad)).keys()], ['prompt', 'qwenprompt']);
  assert.deepEqual([...readPngText(SAMPLE.subarray(0, 880)).keys()], ['prompt']);
});

test('bytes that are not a PNG are refused with a clear error', () => {
  assert.throws(() => readPngText(Buffer.from('GIF89a-not-a-png')), NotPngError);
});

test('text written with withPngText reads back exactly, before the image data', () => {
  const png = withPngText(SAMPLE, { parameters: 'steps 40 · cfg 6.5 — «ok»' });
  assert.equal(readPngText(png).get('parameters'), 'steps 40 · cfg 6.5 — «ok»');
  assert.equal(png.length, SAMPLE.length + 12 + 'parameters'.length + 5 + Buffer.byteLength('steps 40 · cfg 6.5 — «ok»'));
  assert.deepEqual(Buffer.from(png.subarray(png.length - 12)), SAMPLE.subarray(SAMPLE.length - 12), 'IEND stays last');
});
