import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Messenger } from '../../src/protocol/messenger';
import { isFromWebview, isToWebview, type FromWebview, type ToWebview } from '../../src/protocol/messages';

/** A host and a webview messenger wired to each other, delivering asynchronously as postMessage does. */
function pair() {
  const dropped: unknown[] = [];
  const deliver = (to: () => { receive(m: unknown): boolean }) => (m: unknown) =>
    queueMicrotask(() => to().receive(structuredClone(m)));
  const host: Messenger<ToWebview, FromWebview> = new Messenger<ToWebview, FromWebview>({
    post: deliver(() => webview),
    isMessage: isFromWebview,
    onDropped: (m) => dropped.push(m),
  });
  const webview: Messenger<FromWebview, ToWebview> = new Messenger<FromWebview, ToWebview>({
    post: deliver(() => host),
    isMessage: isToWebview,
    onDropped: (m) => dropped.push(m),
  });
  return { host, webview, dropped };
}

test('a request gets the handler’s answer', async () => {
  const { host, webview } = pair();
  const seen: unknown[] = [];
  host.onRequest((body) => {
    seen.push(body);
    return 'opened';
  });
  assert.equal(await webview.request({ kind: 'openImage', file: 'a.png' }), 'opened');
  assert.deepEqual(seen, [{ kind: 'openImage', file: 'a.png' }]);
});

test('a failing handler rejects the request with its message', async () => {
  const { host, webview } = pair();
  host.onRequest(async () => {
    throw new Error('x.png is not an image of this run.');
  });
  await assert.rejects(webview.request({ kind: 'openImage', file: 'x.png' }), /x\.png is not an image of this run/);
});

test('concurrent requests are answered by id, not by order', async () => {
  const { host, webview } = pair();
  host.onRequest(async (b) => {
    if (b.kind === 'cancel') await new Promise((r) => setTimeout(r, 20));
    return b.kind;
  });
  const [slow, fast] = await Promise.all([webview.request({ kind: 'cancel' }), webview.request({ kind: 'revealRunFolder' })]);
  assert.equal(slow, 'cancel');
  assert.equal(fast, 'revealRunFolder');
});

test('messages reach the listeners of their type; unknown ones are dropped and reported', async () => {
  const { host, webview, dropped } = pair();
  const got: number[] = [];
  const stop = webview.on('progress', (m) => got.push(m.value));
  host.send({ type: 'progress', key: 'k', value: 3, max: 20 });
  await new Promise((r) => setTimeout(r, 0));
  stop();
  host.send({ type: 'progress', key: 'k', value: 4, max: 20 });
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(got, [3]);
  assert.equal(host.receive({ type: 'evil', payload: 1 }), false);
  assert.deepEqual(dropped, [{ type: 'evil', payload: 1 }]);
});

test('closing rejects pending requests and stops all traffic', async () => {
  const posted: unknown[] = [];
  const m = new Messenger<FromWebview, ToWebview>({ post: (x) => posted.push(x), isMessage: isToWebview });
  const pending = m.request({ kind: 'cancel' });
  m.dispose();
  await assert.rejects(pending, /closed/);
  m.send({ type: 'ready', protocol: 1 });
  assert.equal(posted.length, 1);
  assert.equal(m.receive({ type: 'reply', id: 1, ok: true, value: 1 }), false);
});
