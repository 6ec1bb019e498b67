/**
 * The test server routes WebSocket messages, shares its queue and answers /interrupt and /queue as ComfyUI
 * does (server.py, execution.py, main.py, comfy_execution/progress.py), for several clients at once and for
 * a client whose socket lost its routing. Checked with a plain ws client, not the project's.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FakeComfy } from '../fakes/comfyServer';
import { RawSocket, request, WsEvent } from '../fakes/rawClient';
import { post, run, sd15, withServer } from './helpers/fakeComfy';
import { readTranscript, TranscriptRow } from './helpers/transcripts';

/** What the source sends with the prompt's client_id as sid, never to other sockets. */
const ROUTED = [
  'execution_start',
  'execution_cached',
  'executing',
  'executed',
  'execution_success',
  'execution_error',
  'execution_interrupted',
  'progress',
  'progress_state',
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls /history until the prompt is there (for clients that hear nothing of it). */
async function historyOf(s: FakeComfy, id: string): Promise<any> {
  for (let i = 0; i < 1000; i++) {
    const h = (await request(s.url, 'GET', `/history/${id}`)).json;
    if (h[id]) {
      return h[id];
    }
    await sleep(10);
  }
  assert.fail(`no history for ${id}`);
}

const statuses = (sock: RawSocket, from = 0) =>
  sock
    .texts()
    .slice(from)
    .filter((m) => m.type === 'status')
    .map((m) => m.data.status.exec_info.queue_remaining as number);
const binaries = (sock: RawSocket) => sock.events.filter((e) => e.kind === 'binary');

/** What a socket that is not the prompt's client hears of a recorded run: only the `status` broadcasts. */
function heardByOthers(rows: TranscriptRow[], after: (r: TranscriptRow) => boolean = () => true): number[] {
  const from = Math.max(0, rows.findIndex(after));
  return rows
    .slice(from)
    .filter((r) => r.kind === 'ws' && r.msg.type === 'status' && !('sid' in r.msg.data))
    .map((r) => r.msg.data.status.exec_info.queue_remaining);
}

test('a socket gets the sid of its ?clientId= (else a fresh hex one); with ignoreClientId every socket gets a fresh one', async () => {
  await withServer({}, async (s) => {
    const asked = await RawSocket.open(s.url, { clientId: 'x-1' });
    const fresh = await RawSocket.open(s.url);
    assert.equal(asked.sid, 'x-1');
    assert.match(fresh.sid, /^[0-9a-f]{32}$/);
    s.faults.ignoreClientId = true;
    const stripped = await RawSocket.open(s.url, { clientId: 'x-2' });
    assert.match(stripped.sid, /^[0-9a-f]{32}$/);
    for (const k of [asked, fresh, stripped]) {
      k.close();
    }
  });
});

test("execution messages reach only the prompt's client_id socket; other sockets hear exactly the recorded status broadcasts", async () => {
  await withServer({ msPerStep: 2 }, async (s) => {
    const alice = await RawSocket.open(s.url, { clientId: 'alice', featureFlags: true });
    const bob = await RawSocket.open(s.url, { clientId: 'bob' });
    const ok = await run(
      s,
      alice,
      sd15((g) => {
        g['3'].inputs.steps = 3;
      }),
      { preview_method: 'auto' },
    );
    assert.deepEqual([...new Set(ok.msgs.map((m) => m.type))].sort(), [
      'executed',
      'executing',
      'execution_cached',
      'execution_start',
      'execution_success',
      'progress',
      'progress_state',
    ]);
    const failed = await run(
      s,
      alice,
      sd15((g) => {
        g['4'].inputs.ckpt_name = 'broken__fail__.safetensors';
      }),
    );
    assert.ok(failed.msgs.some((m) => m.type === 'execution_error'));
    const long = await post(
      s,
      sd15((g) => {
        g['3'].inputs.steps = 500;
      }),
      { client_id: alice.sid },
    );
    await alice.waitFor((e) => e.kind === 'text' && e.type === 'progress' && e.data.prompt_id === long.json.prompt_id);
    await request(s.url, 'POST', '/interrupt', { prompt_id: long.json.prompt_id });
    await alice.waitDone(long.json.prompt_id);
    assert.ok(alice.texts().some((m) => m.type === 'execution_interrupted'));

    assert.deepEqual(
      bob.texts().filter((m) => ROUTED.includes(m.type)),
      [],
    );
    assert.deepEqual(binaries(bob), []);
    // The smoke recording's client heard three broadcasts for its one prompt (put, get, task_done).
    const perPrompt = heardByOthers(readTranscript('smoke'), (r) => r.kind === 'ws' && r.msg.type === 'status' && !('sid' in r.msg.data));
    assert.deepEqual(perPrompt, [1, 1, 0]);
    await bob.waitFor(() => statuses(bob, 1).length >= 9).catch(() => undefined);
    assert.deepEqual(statuses(bob, 1), [...perPrompt, ...perPrompt, ...perPrompt]);
    alice.close();
    bob.close();
  });
});

test("lost routing (conformance): a socket reconnected under a new sid hears none of the prompt's execution messages, only what ComfyUI broadcasts", async () => {
  await withServer({ msPerStep: 3 }, async (s) => {
    s.faults.ignoreClientId = true;
    const first = await RawSocket.open(s.url, { clientId: 'me', featureFlags: true });
    const r = await post(
      s,
      sd15((g) => {
        g['3'].inputs.steps = 150;
      }),
      { client_id: first.sid, extra_data: { preview_method: 'auto' } },
    );
    const id = r.json.prompt_id as string;
    await first.waitFor((e) => e.kind === 'text' && e.type === 'progress' && e.data.prompt_id === id);
    s.dropSockets();
    const again = await RawSocket.open(s.url, { clientId: 'me', featureFlags: true });
    assert.notEqual(again.sid, first.sid);
    const history = await historyOf(s, id);
    assert.equal(history.status.status_str, 'success');
    await sleep(20);
    // Real ComfyUI after the first progress of a run: the task_done `status` is the only broadcast left.
    const expected = heardByOthers(readTranscript('smoke'), (r) => r.kind === 'ws' && r.msg.type === 'progress');
    assert.deepEqual(expected, [0]);
    assert.deepEqual(
      again.texts().map((m) => m.type),
      ['status', 'feature_flags', ...expected.map(() => 'status')],
    );
    assert.deepEqual(statuses(again, 2), expected);
    assert.deepEqual(binaries(again), []);
    again.close();
    // Without the fault a reconnect keeps the sid, and the running node is announced again (websocket_handler).
    s.faults.ignoreClientId = false;
    const mine = await RawSocket.open(s.url, { clientId: 'me' });
    const r2 = await post(
      s,
      sd15((g) => {
        g['3'].inputs.steps = 300;
        g['3'].inputs.seed = 2;
      }),
      { client_id: 'me' },
    );
    await mine.waitFor((e) => e.kind === 'text' && e.type === 'progress' && e.data.prompt_id === r2.json.prompt_id);
    mine.close();
    await sleep(100); // its close must be handled first: it unregisters the sid, whoever holds it by then
    const back = await RawSocket.open(s.url, { clientId: 'me' });
    assert.equal(back.sid, 'me');
    await back.waitFor((e) => e.kind === 'text' && e.type === 'executing' && e.data.node === '3' && !('prompt_id' in e.data));
    await back.waitDone(r2.json.prompt_id);
    back.close();
    first.close();
  });
});

test('a reused sid: the older socket hears nothing more, and its close unregisters the newer one too (websocket_handler)', async () => {
  await withServer({ msPerStep: 1 }, async (s) => {
    const older = await RawSocket.open(s.url, { clientId: 'dup' });
    const newer = await RawSocket.open(s.url, { clientId: 'dup' });
    const seen = older.events.length;
    await run(
      s,
      newer,
      sd15((g) => {
        g['3'].inputs.steps = 2;
      }),
    );
    assert.equal(older.events.length, seen, 'the older socket is open but unregistered');
    assert.ok(!older.closed);
    older.close();
    await sleep(100);
    const heard = newer.events.length;
    const r = await post(
      s,
      sd15((g) => {
        g['3'].inputs.steps = 2;
        g['3'].inputs.seed = 5;
      }),
      { client_id: 'dup' },
    );
    await historyOf(s, r.json.prompt_id);
    await sleep(20);
    assert.equal(newer.events.length, heard, 'not even a status: the sid is no longer registered');
    assert.ok(!newer.closed);
    newer.close();
  });
});

test('several clients share one queue; /interrupt without a prompt id stops whatever runs, with one only that prompt', async () => {
  await withServer({ msPerStep: 2 }, async (s) => {
    const alice = await RawSocket.open(s.url, { clientId: 'alice' });
    const bob = await RawSocket.open(s.url, { clientId: 'bob' });
    const owners = [alice, bob, alice, bob];
    const ids: string[] = [];
    for (const [i, o] of owners.entries()) {
      ids.push(
        (
          await post(
            s,
            sd15((g) => {
              g['3'].inputs.steps = 1000;
              g['3'].inputs.seed = i;
            }),
            { client_id: o.sid },
          )
        ).json.prompt_id,
      );
    }
    const progressOf = (id: string) => (e: WsEvent) => e.kind === 'text' && e.type === 'progress' && e.data.prompt_id === id;
    await alice.waitFor(progressOf(ids[0]));
    const queue = (await request(s.url, 'GET', '/queue')).json;
    assert.deepEqual(
      [queue.queue_running.map((q: unknown[]) => q[1]), queue.queue_pending.map((q: unknown[]) => q[1])],
      [ids.slice(0, 1), ids.slice(1)],
    );

    // A prompt id that is not the running one (pending, unknown, not a string): nothing happens.
    for (const body of [{ prompt_id: ids[1] }, { prompt_id: '00000000-0000-0000-0000-000000000000' }, { prompt_id: 5 }]) {
      assert.equal((await request(s.url, 'POST', '/interrupt', body)).status, 200);
    }
    await alice.waitFor(progressOf(ids[0]), 5000, alice.events.length);
    // No body, a body that is not JSON, a falsy prompt_id: a global interrupt, whoever sends it.
    const globals = [undefined, '{"prompt_id": "', { prompt_id: null }, { prompt_id: '' }];
    for (const [i, o] of owners.entries()) {
      await o.waitFor(progressOf(ids[i]));
      assert.equal((await request(s.url, 'POST', '/interrupt', globals[i])).status, 200);
      await o.waitFor((e) => e.kind === 'text' && e.type === 'execution_interrupted' && e.data.prompt_id === ids[i]);
    }
    for (const id of ids) {
      assert.equal((await historyOf(s, id)).status.messages.at(-1)[0], 'execution_interrupted');
    }
    // JSON that is not an object: `.get` raises, aiohttp answers 500.
    assert.equal((await request(s.url, 'POST', '/interrupt', [])).status, 500);
    alice.close();
    bob.close();
  });
});

test('POST /queue: delete removes only pending prompts (history stays {}), clear empties the pending queue, bad bodies are 500', async () => {
  await withServer({ msPerStep: 2 }, async (s) => {
    const sock = await RawSocket.open(s.url, { clientId: 'q' });
    const other = await RawSocket.open(s.url, { clientId: 'other' });
    const ids: string[] = [];
    for (const seed of [1, 2, 3, 4]) {
      ids.push(
        (
          await post(
            s,
            sd15((g) => {
              g['3'].inputs.steps = 150;
              g['3'].inputs.seed = seed;
            }),
            { client_id: seed === 2 ? 'other' : 'q' },
          )
        ).json.prompt_id,
      );
    }
    const [running, theirs, mine, last] = ids;
    await sock.waitFor((e) => e.kind === 'text' && e.type === 'progress' && e.data.prompt_id === running);
    assert.equal((await request(s.url, 'POST', '/queue', { delete: [running, theirs, 'nope', 7] })).status, 200);
    let queue = (await request(s.url, 'GET', '/queue')).json;
    assert.deepEqual(
      queue.queue_running.map((q: unknown[]) => q[1]),
      [running],
      'the running prompt is untouched',
    );
    assert.deepEqual(
      queue.queue_pending.map((q: unknown[]) => q[1]),
      [mine, last],
    );
    await sock.waitFor((e) => e.kind === 'text' && e.type === 'status' && e.data.status.exec_info.queue_remaining === 3);
    assert.deepEqual((await request(s.url, 'GET', `/history/${theirs}`)).json, {});
    assert.equal((await request(s.url, 'GET', `/api/jobs/${theirs}`)).status, 404);

    assert.equal((await request(s.url, 'POST', '/queue', { clear: true })).status, 200);
    queue = (await request(s.url, 'GET', '/queue')).json;
    assert.deepEqual([queue.queue_running.length, queue.queue_pending.length], [1, 0]);
    assert.equal((await historyOf(s, running)).status.status_str, 'success');
    for (const id of [theirs, mine, last]) {
      assert.deepEqual((await request(s.url, 'GET', `/history/${id}`)).json, {});
    }
    assert.ok(!sock.texts().some((m) => m.type === 'execution_start' && [mine, last].includes(m.data.prompt_id)));
    assert.ok(!other.texts().some((m) => m.type === 'execution_start'));

    // request.json() of no body or bad JSON raises: aiohttp's 500 page.
    for (const body of [undefined, '{"delete": [']) {
      const res = await request(s.url, 'POST', '/queue', body);
      assert.equal(res.status, 500);
      assert.match(res.text, /500 Internal Server Error/);
    }
    assert.equal((await request(s.url, 'POST', '/queue', { clear: [] })).status, 200, 'an empty list is falsy: nothing cleared');
    sock.close();
    other.close();
  });
});

test("previews go to the prompt's client socket only, in its format; a prompt without client_id sends legacy frames to every socket", async () => {
  await withServer({ msPerStep: 2 }, async (s) => {
    const modern = await RawSocket.open(s.url, { clientId: 'modern', featureFlags: true });
    const legacy = await RawSocket.open(s.url, { clientId: 'legacy' });
    const graph = (seed: number) =>
      sd15((g) => {
        g['3'].inputs.steps = 3;
        g['3'].inputs.seed = seed;
      });
    const m = await run(s, modern, graph(1), { preview_method: 'auto' });
    assert.deepEqual(
      binaries(modern).map((e) => e.kind === 'binary' && [e.event, e.meta?.prompt_id]),
      [
        [4, m.id],
        [4, m.id],
        [4, m.id],
      ],
    );
    assert.equal(binaries(legacy).length, 0);
    await run(s, legacy, graph(2), { preview_method: 'auto' });
    assert.deepEqual(
      binaries(legacy).map((e) => e.kind === 'binary' && [e.event, e.format]),
      [
        [1, 2],
        [1, 2],
        [1, 2],
      ],
    );
    assert.equal(binaries(modern).length, 3, "another client's previews never reach this socket");

    const anon = (await post(s, graph(3), { extra_data: { preview_method: 'auto' } })).json.prompt_id;
    await historyOf(s, anon);
    await sleep(20);
    for (const sock of [modern, legacy]) {
      const frames = binaries(sock).slice(3);
      assert.deepEqual(
        frames.map((e) => e.kind === 'binary' && e.event),
        [1, 1, 1],
        'legacy frames, even to a socket that negotiated metadata',
      );
      assert.equal(sock.texts().filter((x) => x.type === 'progress' && x.data.prompt_id === anon).length, 3);
    }
    // A client_id with no socket (lost routing): nobody gets its frames or progress.
    const lost = (await post(s, graph(4), { client_id: 'gone', extra_data: { preview_method: 'auto' } })).json.prompt_id;
    await historyOf(s, lost);
    await sleep(20);
    for (const sock of [modern, legacy]) {
      assert.equal(binaries(sock).length, 6);
      assert.ok(!sock.texts().some((x) => x.data?.prompt_id === lost));
    }
    modern.close();
    legacy.close();
  });
});
