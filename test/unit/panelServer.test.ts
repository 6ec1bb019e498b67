// The server-unreachable state on its way to the panel: the host remembers it for a reloaded webview,
// a new run clears it, and the webview's guard takes only its exact shape.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RunViewState } from '../../src/features/results/panel/runState';
import { isPanelInit, isToWebview } from '../../src/protocol/messages';
import type { RunRecord } from '../../src/shared/runRecord';

const record = (status: RunRecord['status'] = 'running'): RunRecord => ({
  format: 'qwenprompt-run',
  version: 1,
  id: 'r',
  createdAt: '2025-01-01T00:00:00.000Z',
  status,
  spec: { file: 'a.qwenprompt', name: 'a', id: 'a', resolved: {} },
  server: { url: 'http://127.0.0.1:8188' },
  cells: [{ key: 'steps=20#r0', axes: { steps: 20 }, column: '20 steps', repeat: 0, seed: 1, status: 'running', images: [] }],
  stats: [],
  ratings: [],
});

const down = { state: 'unreachable', url: 'http://127.0.0.1:8188', attempt: 3 } as const;

test('a reloaded panel is told the server is still unreachable; "online" and a new run clear it', () => {
  const s = new RunViewState('/runs/a', record());
  assert.deepEqual(s.apply({ type: 'server', runDir: '/runs/a', server: down }), { type: 'server', server: down });
  assert.deepEqual(s.init('x').server, down);
  s.apply({ type: 'server', runDir: '/runs/a', server: { state: 'online', url: down.url } });
  assert.equal(s.init('x').server, undefined);

  const gaveUp = { ...down, state: 'gaveUp' } as const;
  s.apply({ type: 'server', runDir: '/runs/a', server: gaveUp });
  s.apply({ type: 'finished', runDir: '/runs/a', record: record('failed') });
  assert.deepEqual(s.init('x').server, gaveUp, 'the run ended without its server: the panel still says why');
  s.apply({ type: 'planned', runDir: '/runs/a', record: record() });
  assert.equal(s.init('x').server, undefined, 'a resumed run starts on a server that answered');
  assert.ok(isPanelInit(s.init('x')));
});

test('the webview takes a server message of the exact shape only', () => {
  assert.ok(isToWebview({ type: 'server', server: down }));
  assert.ok(isToWebview({ type: 'server', server: { state: 'online', url: down.url } }));
  assert.ok(isToWebview({ type: 'server', server: { ...down, state: 'gaveUp' } }));
  for (const server of [
    { ...down, state: 'maybe' },
    { ...down, attempt: -1 },
    { ...down, attempt: 1.5 },
    { ...down, url: '' },
    { ...down, url: 'x'.repeat(5000) },
    { ...down, html: '<b>' },
    { state: 'online', url: down.url, attempt: 1 },
    { state: 'unreachable', url: down.url },
  ]) {
    assert.equal(isToWebview({ type: 'server', server }), false, JSON.stringify(server).slice(0, 80));
  }
  assert.equal(isToWebview({ type: 'server', server: down, extra: 1 }), false);
  const init = { protocol: 1, runDir: '/r', imageBase: 'x', progress: {} };
  assert.ok(isPanelInit({ ...init, server: down }));
  assert.equal(isPanelInit({ ...init, server: { state: 'down' } }), false);
});
