import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Messenger, type RequestHandlers } from '../../src/protocol/messenger';
import { isFromWebview, isReplyTo, isToWebview, type FromWebview, type Requests, type ToWebview } from '../../src/protocol/messages';
import type { QualitySummary } from '../../src/shared/quality';

/** A host and a webview messenger wired to each other, delivering asynchronously as postMessage does. */
function pair() {
  const dropped: unknown[] = [];
  const deliver = (to: () => { receive(m: unknown): boolean }) => (m: unknown) => queueMicrotask(() => to().receive(structuredClone(m)));
  const host: Messenger<ToWebview, FromWebview, Requests> = new Messenger<ToWebview, FromWebview, Requests>({
    post: deliver(() => webview),
    isMessage: isFromWebview,
    onDropped: (m) => dropped.push(m),
  });
  const webview: Messenger<FromWebview, ToWebview, Requests> = new Messenger<FromWebview, ToWebview, Requests>({
    post: deliver(() => host),
    isMessage: isToWebview,
    isReply: isReplyTo,
    onDropped: (m) => dropped.push(m),
  });
  return { host, webview, dropped };
}

/** Handlers that each fail, to be overridden by the one a test asks. */
function handlers(over: Partial<RequestHandlers<Requests>>): RequestHandlers<Requests> {
  const no = () => {
    throw new Error('not this one');
  };
  const all = {
    cancel: no,
    openImage: no,
    revealRunFolder: no,
    saveRatings: no,
    quality: no,
    ratePack: no,
    exportReport: no,
    importRatings: no,
    exportTable: no,
    exportGrid: no,
    history: no,
    loadRun: no,
    openRun: no,
    resume: no,
    retryServer: no,
    selectServer: no,
    redoRegion: no,
    setPinned: no,
    copyCell: no,
    rerunCell: no,
  };
  return { ...all, ...over };
}

test('a request gets the handler’s answer', async () => {
  const { host, webview } = pair();
  const seen: unknown[] = [];
  host.onRequest(
    handlers({
      exportTable: (body) => {
        seen.push(body);
        return '/runs/summary.md';
      },
    }),
  );
  assert.equal(await webview.request('exportTable', { format: 'markdown', to: 'file' }), '/runs/summary.md');
  assert.deepEqual(seen, [{ kind: 'exportTable', format: 'markdown', to: 'file' }]);
});

test('a failing handler rejects the request with its message', async () => {
  const { host, webview } = pair();
  host.onRequest(
    handlers({
      openImage: async () => {
        throw new Error('x.png is not an image of this run.');
      },
    }),
  );
  await assert.rejects(webview.request('openImage', { file: 'x.png' }), /x\.png is not an image of this run/);
});

test('concurrent requests are answered by id, not by order', async () => {
  const { host, webview } = pair();
  host.onRequest(
    handlers({
      exportTable: async (b) => {
        if (b.to === 'file') await new Promise((r) => setTimeout(r, 20));
        return b.to;
      },
    }),
  );
  const [slow, fast] = await Promise.all([
    webview.request('exportTable', { format: 'csv', to: 'file' }),
    webview.request('exportTable', { format: 'csv', to: 'clipboard' }),
  ]);
  assert.equal(slow, 'file');
  assert.equal(fast, 'clipboard');
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
  const m = new Messenger<FromWebview, ToWebview, Requests>({ post: (x) => posted.push(x), isMessage: isToWebview });
  const pending = m.request('cancel');
  m.dispose();
  await assert.rejects(pending, /closed/);
  m.send({ type: 'ready', protocol: 1 });
  assert.equal(posted.length, 1);
  assert.equal(m.receive({ type: 'reply', id: 1, ok: true, value: 1 }), false);
});

test('a reply is typed by its request and checked against it: a wrong shape rejects the request', async () => {
  const { host, webview } = pair();
  host.onRequest(
    handlers({
      history: () => 'not a list' as never,
      quality: () => ({ settings: [], raters: [], agreement: [], flags: [], rounds: 0, votes: 0 }),
    }),
  );
  // Compile-time facts: the reply's type follows from the kind, and the parameters too.
  const quality: Promise<QualitySummary> = webview.request('quality');
  // @ts-expect-error a run list is not a quality summary
  const wrong: Promise<QualitySummary> = webview.request('history');
  // @ts-expect-error openImage needs the file it opens (never sent: the host would drop it)
  void (() => webview.request('openImage'));
  assert.deepEqual(await quality, { settings: [], raters: [], agreement: [], flags: [], rounds: 0, votes: 0 });
  await assert.rejects(wrong, /reply to history is not what the panel expects/);
});
