import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isFromWebview,
  isSafeRelativeFile,
  isToWebview,
  parsePersistedState,
  PROTOCOL_VERSION,
} from '../../src/protocol/messages';
import type { RunRecord } from '../../src/core/runs/types';

const record: RunRecord = {
  format: 'qwenprompt-run',
  version: 1,
  id: 'r1',
  createdAt: '2025-01-01T00:00:00.000Z',
  status: 'running',
  spec: { file: 'a.qwenprompt', name: 'a', id: 'a', resolved: {} },
  server: { url: 'http://127.0.0.1:8188' },
  cells: [{ key: 'steps=20#r0', axes: { steps: 20 }, column: '20 steps', repeat: 0, seed: 1, status: 'queued', images: [] }],
  stats: [],
  ratings: [],
};

test('the host accepts the handshake and the three requests the panel can make', () => {
  assert.ok(isFromWebview({ type: 'ready', protocol: PROTOCOL_VERSION }));
  assert.ok(isFromWebview({ type: 'request', id: 1, body: { kind: 'cancel' } }));
  assert.ok(isFromWebview({ type: 'request', id: 2, body: { kind: 'revealRunFolder' } }));
  assert.ok(isFromWebview({ type: 'request', id: 3, body: { kind: 'openImage', file: 'img/steps-20_r0.png' } }));
});

test('the host drops malformed or foreign messages', () => {
  for (const m of [
    null,
    'ready',
    [],
    { type: 'ready' },
    { type: 'ready', protocol: '1' },
    { type: 'request', body: { kind: 'cancel' } },
    { type: 'request', id: 1.5, body: { kind: 'cancel' } },
    { type: 'request', id: 1, body: { kind: 'deleteEverything' } },
    { type: 'request', id: 1, body: { kind: 'openImage' } },
    { type: 'runCommand', command: 'rm -rf /' },
  ]) {
    assert.equal(isFromWebview(m), false, JSON.stringify(m));
  }
});

test('a webview cannot ask the host to open a file outside the run folder', () => {
  for (const file of ['../secret.png', 'a/../../b.png', '/etc/passwd', 'C:/x.png', 'a\\..\\b.png', '', './a.png', 'a//b.png']) {
    assert.equal(isSafeRelativeFile(file), false, file);
    assert.equal(isFromWebview({ type: 'request', id: 1, body: { kind: 'openImage', file } }), false, file);
  }
  assert.ok(isSafeRelativeFile('steps-20_r0.png'));
  assert.ok(isSafeRelativeFile('images/steps 20 (r0).png'));
});

test('the webview checks the shape of what the host sends', () => {
  assert.ok(isToWebview({ type: 'record', record }));
  assert.ok(isToWebview({ type: 'cell', cell: record.cells[0], stats: [] }));
  assert.ok(isToWebview({ type: 'progress', key: 'k', value: 3, max: 20 }));
  assert.ok(isToWebview({ type: 'preview', key: 'k', mime: 'image/jpeg', data: new Uint8Array([1, 2]) }));
  assert.ok(isToWebview({ type: 'reply', id: 1, ok: false, error: 'nope' }));
  assert.ok(isToWebview({ type: 'snapshot', init: { protocol: 1, runDir: '/r', imageBase: 'x', progress: {}, record } }));
  // A preview must be bytes, not a base64 string of a full image.
  assert.equal(isToWebview({ type: 'preview', key: 'k', mime: 'image/png', data: 'iVBORw0KGgo=' }), false);
  assert.equal(isToWebview({ type: 'record', record: { ...record, format: 'other' } }), false);
  assert.equal(isToWebview({ type: 'cell', cell: { key: 'k' }, stats: [] }), false);
  assert.equal(isToWebview({ type: 'progress', key: 'k', value: NaN, max: 20 }), false);
});

test('saved panel state is revived only when it is ours (v: 1 with a run folder)', () => {
  assert.deepEqual(parsePersistedState({ v: 1, runDir: '/runs/a', zoomed: 'k' }), { v: 1, runDir: '/runs/a', zoomed: 'k' });
  assert.deepEqual(parsePersistedState({ v: 1, runDir: '/runs/a', zoomed: 7 }), { v: 1, runDir: '/runs/a' });
  assert.equal(parsePersistedState({ v: 2, runDir: '/runs/a' }), undefined);
  assert.equal(parsePersistedState({ v: 1, runDir: '' }), undefined);
  assert.equal(parsePersistedState(undefined), undefined);
});
