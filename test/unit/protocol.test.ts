import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  isAbsoluteDir,
  isFromWebview,
  isSafeRelativeFile,
  isToWebview,
  parsePersistedState,
  PROTOCOL_VERSION,
} from '../../src/protocol/messages';
import type { RunRecord } from '../../src/shared/runRecord';

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

// Every request the panel can make, well formed: the malformed variants below are each one of these
// with one thing wrong.
const GOOD_REQUESTS = [
  { kind: 'cancel' },
  { kind: 'revealRunFolder' },
  { kind: 'quality' },
  { kind: 'history' },
  { kind: 'resume' },
  { kind: 'openImage', file: 'steps-20_r0.png' },
  { kind: 'saveRatings', votes: [{ cell: 'steps=20#r0', scores: { structure: 4 }, note: 'sharp' }], blind: true },
  { kind: 'exportTable', format: 'csv', to: 'clipboard' },
  { kind: 'exportGrid', png: new Uint8Array(16), to: 'runFolder' },
  { kind: 'loadRun', runDir: '/ws/.qwenprompt-runs/a/2025-01-01' },
  { kind: 'openRun', runDir: 'C:\\ws\\.qwenprompt-runs\\a\\2025-01-01' },
  { kind: 'setPinned', pinned: true },
  { kind: 'copyCell', cell: 'steps=20#r0', what: 'settings' },
  { kind: 'rerunCell', cell: 'steps=20#r0' },
];
const req = (body: unknown, id: unknown = 7) => ({ type: 'request', id, body });

test('the host accepts each well-formed request, the resume button’s among them', () => {
  for (const body of GOOD_REQUESTS) assert.ok(isFromWebview(req(body)), JSON.stringify(body));
});

test('the host drops a request with a field it never sends, or an envelope with one', () => {
  for (const body of GOOD_REQUESTS) {
    assert.equal(
      isFromWebview(req({ ...body, runDir: '/etc' })),
      body.kind === 'loadRun' || body.kind === 'openRun',
      `${body.kind} + runDir`,
    );
    assert.equal(isFromWebview(req({ ...body, extra: 1 })), false, `${body.kind} + extra`);
    assert.equal(isFromWebview({ ...req(body), extra: 1 }), false, `${body.kind} in an envelope with an extra field`);
  }
  assert.equal(isFromWebview({ type: 'ready', protocol: 1, command: 'x' }), false);
  // A JSON "__proto__" key is an own property, not a prototype: still an unknown field.
  assert.equal(isFromWebview(JSON.parse('{"type":"request","id":1,"body":{"kind":"resume","__proto__":{"runDir":"/"}}}')), false);
  assert.equal(isFromWebview(req({ kind: 'resume', runDir: '/other/run' })), false, 'resume names no folder: it is the panel’s own');
});

test('the host drops requests of unknown kinds and types', () => {
  for (const m of [
    req({ kind: 'toString' }),
    req({ kind: 'constructor' }),
    req({ kind: '__proto__' }),
    req({ kind: 'RESUME' }),
    req({ kind: ['resume'] }),
    req({}),
    req(null),
    req([{ kind: 'cancel' }]),
    { type: 'reply', id: 1, ok: true, value: 1 },
    { type: 'snapshot', init: {} },
    { type: 'Request', id: 1, body: { kind: 'cancel' } },
    { type: ['request'], id: 1, body: { kind: 'cancel' } },
  ]) {
    assert.equal(isFromWebview(m), false, JSON.stringify(m));
  }
});

test('the host drops requests whose fields have the wrong type or an impossible id', () => {
  for (const m of [
    req({ kind: 'cancel' }, 0),
    req({ kind: 'cancel' }, -1),
    req({ kind: 'cancel' }, '1'),
    req({ kind: 'cancel' }, 2 ** 60),
    req({ kind: 'cancel' }, Infinity),
    req({ kind: 'openImage', file: 42 }),
    req({ kind: 'openImage', file: ['a.png'] }),
    req({ kind: 'saveRatings', votes: [], blind: 'yes' }),
    req({ kind: 'saveRatings', votes: {}, blind: true }),
    req({ kind: 'saveRatings', votes: [{ cell: 'k', scores: { structure: 6 } }], blind: true }),
    req({ kind: 'saveRatings', votes: [{ cell: 'k', scores: { structure: 2.5 } }], blind: true }),
    req({ kind: 'saveRatings', votes: [{ cell: 'k', scores: { sharpness: 3 } }], blind: true }),
    req({ kind: 'saveRatings', votes: [{ cell: 'k', scores: {}, image: '/etc/passwd' }], blind: true }),
    req({ kind: 'saveRatings', votes: [{ cell: 7, scores: {} }], blind: true }),
    req({ kind: 'saveRatings', votes: [{ cell: 'k', scores: {}, note: 5 }], blind: true }),
    req({ kind: 'exportTable', format: 'html', to: 'clipboard' }),
    req({ kind: 'exportTable', format: 'csv', to: '/tmp/x.csv' }),
    req({ kind: 'exportGrid', png: 'iVBORw0KGgo=', to: 'file' }),
    req({ kind: 'exportGrid', png: [137, 80, 78, 71, 13, 10, 26, 10, 0], to: 'file' }),
    req({ kind: 'exportGrid', png: new Uint8Array(4), to: 'file' }),
    req({ kind: 'exportGrid', png: new Uint8Array(16), to: '/tmp' }),
    req({ kind: 'loadRun', runDir: 5 }),
    req({ kind: 'openRun' }),
    req({ kind: 'setPinned', pinned: 'yes' }),
    req({ kind: 'copyCell', cell: 'steps=20#r0', what: 'graph' }),
    req({ kind: 'copyCell', cell: '', what: 'seed' }),
    req({ kind: 'rerunCell', cell: 7 }),
    req({ kind: 'rerunCell', cell: 'a'.repeat(513) }),
  ]) {
    assert.equal(isFromWebview(m), false, JSON.stringify(m));
  }
});

test('the host drops oversized strings and lists', () => {
  const long = (n: number) => 'a'.repeat(n);
  for (const m of [
    req({ kind: 'openImage', file: `${long(509)}.png` }),
    req({ kind: 'loadRun', runDir: `/${long(4096)}` }),
    req({ kind: 'saveRatings', votes: [{ cell: long(513), scores: {} }], blind: true }),
    req({ kind: 'saveRatings', votes: [{ cell: 'k', scores: {}, note: long(2001) }], blind: true }),
    req({ kind: 'saveRatings', votes: Array.from({ length: 10_001 }, () => ({ cell: 'k', scores: {} })), blind: true }),
  ]) {
    assert.equal(isFromWebview(m), false, JSON.stringify(m).slice(0, 80));
  }
  // Just inside the limits.
  assert.ok(isFromWebview(req({ kind: 'openImage', file: `${long(508)}.png` })));
  assert.ok(isFromWebview(req({ kind: 'saveRatings', votes: [{ cell: long(512), scores: {}, note: long(2000) }], blind: false })));
});

test('a webview cannot name a folder outside the runs: another run is an absolute path with no ..', () => {
  for (const runDir of [
    '',
    'relative/run',
    './run',
    '../run',
    '/ws/runs/a/../../../etc',
    '/ws/runs/a/..',
    'C:\\ws\\..\\..\\Windows',
    '/ws/\0/run',
    'file:///etc',
  ]) {
    assert.equal(isAbsoluteDir(runDir), false, runDir);
    for (const kind of ['loadRun', 'openRun']) assert.equal(isFromWebview(req({ kind, runDir })), false, `${kind} ${runDir}`);
  }
  for (const runDir of ['/ws/.qwenprompt-runs/a/2025-01-01T00-00-00', 'D:/runs/a/b', 'C:\\runs\\a\\b', '\\\\server\\share\\runs\\a']) {
    assert.ok(isAbsoluteDir(runDir), runDir);
  }
});

test('the webview drops malformed messages from the host', () => {
  const init = { protocol: 1, runDir: '/r', imageBase: 'x', progress: {}, record };
  assert.ok(isToWebview({ type: 'snapshot', init: { ...init, live: true } }));
  assert.ok(isToWebview({ type: 'compareWith', runDir: '/ws/runs/a/b' }));
  for (const m of [
    null,
    [],
    { type: 'unknown' },
    { type: 'request', id: 1, body: { kind: 'resume' } },
    { type: 'snapshot' },
    { type: 'snapshot', init: { ...init, live: 'yes' } },
    { type: 'snapshot', init: { ...init, progress: { k: { value: '3', max: 20 } } } },
    { type: 'snapshot', init: { ...init, problem: 42 } },
    { type: 'snapshot', init: { ...init, record: { ...record, cells: [{ key: 'k' }] } } },
    { type: 'cell', cell: record.cells[0], stats: [null] },
    { type: 'cell', cell: { ...record.cells[0], images: 'a.png' }, stats: [] },
    { type: 'progress', key: 'k', value: 1, max: Infinity },
    { type: 'progress', key: 7, value: 1, max: 2 },
    { type: 'preview', key: 'k', mime: 'text/html', data: new Uint8Array(4) },
    { type: 'preview', key: 'k', mime: 'image/svg+xml', data: new Uint8Array(4) },
    { type: 'preview', key: 'k', mime: 'image/png', data: new Uint8Array(8 * 1024 * 1024 + 1) },
    { type: 'record', record: { ...record, cells: 'all' } },
    { type: 'compareWith', runDir: '../other' },
    { type: 'compareWith', runDir: 7 },
    { type: 'reply', id: '1', ok: true, value: 1 },
    { type: 'reply', id: 1, ok: false },
    { type: 'reply', id: 1, ok: 'false', error: 'x' },
  ]) {
    assert.equal(
      isToWebview(m),
      false,
      JSON.stringify(m, (_k, v) => (v instanceof Uint8Array ? `[${v.length} bytes]` : v)),
    );
  }
});
