/**
 * The test server's hostile and broken-server switches: PNG headers that declare huge images, floods of big
 * WebSocket frames, a job with 100k outputs, a response whose headers never end, and a server that dies
 * mid-run (port closed) and comes back. Checked with plain http/ws/net clients, not the project's.
 */
import assert from 'node:assert/strict';
import * as net from 'node:net';
import { test } from 'node:test';
import * as zlib from 'node:zlib';
import { PNG } from 'pngjs';
import { FakeComfy } from '../fakes/comfyServer';
import { RawSocket, request } from '../fakes/rawClient';
import { post, run, sd15, withServer } from './helpers/fakeComfy';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** IHDR fields and the concatenated IDAT data of a PNG. */
function pngParts(png: Buffer): { width: number; height: number; colorType: number; interlace: number; idat: Buffer } {
  const idat: Buffer[] = [];
  for (let i = 8; i < png.length;) {
    const n = png.readUInt32BE(i);
    if (png.toString('latin1', i + 4, i + 8) === 'IDAT') {
      idat.push(png.subarray(i + 8, i + 8 + n));
    }
    i += 12 + n;
  }
  return { width: png.readUInt32BE(16), height: png.readUInt32BE(20), colorType: png[25], interlace: png[28], idat: Buffer.concat(idat) };
}

async function firstImage(s: FakeComfy, sock: RawSocket) {
  const r = await run(
    s,
    sock,
    sd15((g) => {
      g['3'].inputs.steps = 1;
    }),
  );
  return r.msgs.find((m) => m.type === 'executed')!.data.output.images[0] as Record<string, string>;
}

test('hugePng: /view answers a small PNG whose header declares a huge (optionally interlaced) image, or a complete zero-filled one', async () => {
  await withServer({}, async (s) => {
    const sock = await RawSocket.open(s.url, { clientId: 'h1' });
    const q = '/view?' + new URLSearchParams(await firstImage(s, sock)).toString();
    const original = (await request(s.url, 'GET', q)).bytes;
    s.faults.hugePng = { width: 30000, height: 30000 };
    const small = await request(s.url, 'GET', q);
    assert.equal(small.status, 200);
    assert.equal(small.headers['content-type'], 'image/png');
    assert.equal(Number(small.headers['content-length']), small.bytes.length);
    assert.ok(small.bytes.length < 200, `${small.bytes.length} bytes`);
    assert.deepEqual(
      { ...pngParts(small.bytes), idat: undefined },
      { width: 30000, height: 30000, colorType: 6, interlace: 0, idat: undefined },
    );

    // 32768² RGBA interlaced: 4 GiB of pixels in a few MB of valid zlib stream, streamed as it is made.
    s.faults.hugePng = { width: 32768, height: 32768, interlaced: true, complete: true };
    const bomb = await request(s.url, 'GET', q + '&preview=webp;50');
    assert.equal(Number(bomb.headers['content-length']), bomb.bytes.length);
    assert.ok(bomb.bytes.length < 32 * 1024 * 1024, `${bomb.bytes.length} bytes`);
    assert.deepEqual([pngParts(bomb.bytes).width, pngParts(bomb.bytes).interlace], [32768, 1]);

    // The same generator at a size one can decode: a valid PNG, all zero pixels.
    s.faults.hugePng = { width: 300, height: 200, interlaced: true, complete: true };
    const decoded = PNG.sync.read((await request(s.url, 'GET', q)).bytes);
    assert.deepEqual([decoded.width, decoded.height, decoded.data.every((b) => b === 0)], [300, 200, true]);
    s.faults.hugePng = { width: 2048, height: 1024, complete: true };
    const inflated = zlib.inflateSync(pngParts((await request(s.url, 'GET', q)).bytes).idat);
    assert.equal(inflated.length, 1024 * (1 + 2048 * 4));

    s.faults.hugePng = undefined;
    assert.deepEqual((await request(s.url, 'GET', q)).bytes, original);
    sock.close();
  });
});

test("binaryFlood: the next sampling step sends that many frames of that size to the prompt's socket, in its preview format, once", async () => {
  await withServer({ msPerStep: 2 }, async (s) => {
    const modern = await RawSocket.open(s.url, { clientId: 'f1', featureFlags: true });
    const other = await RawSocket.open(s.url, { clientId: 'f2' });
    const size = 8 * 1024 * 1024;
    s.faults.binaryFlood = { bytes: size, count: 5 };
    const r = await run(
      s,
      modern,
      sd15((g) => {
        g['3'].inputs.steps = 3;
      }),
    );
    assert.equal(s.faults.binaryFlood, undefined);
    const frames = modern.events.filter((e) => e.kind === 'binary');
    assert.equal(frames.length, 5, 'no previews were asked for: only the flood');
    for (const f of frames) {
      assert.ok(f.kind === 'binary' && f.event === 4 && f.meta?.prompt_id === r.id);
      assert.equal(f.image.length + 8 + Buffer.byteLength(JSON.stringify(f.meta)), size);
      assert.equal(PNG.sync.read(f.image.subarray(0, f.image.lastIndexOf('IEND') + 8)).width, 8);
    }
    assert.ok(r.msgs.some((m) => m.type === 'execution_success'));
    assert.equal(other.events.filter((e) => e.kind === 'binary').length, 0);
    s.faults.binaryFlood = { bytes: 1024, count: 2 };
    await run(
      s,
      other,
      sd15((g) => {
        g['3'].inputs.steps = 2;
        g['3'].inputs.seed = 3;
      }),
    );
    assert.deepEqual(
      other.events.filter((e) => e.kind === 'binary').map((e) => e.kind === 'binary' && [e.event, e.image.length + 8]),
      [
        [1, 1024],
        [1, 1024],
      ],
    );
    modern.close();
    other.close();
  });
});

test("outputCount: one job's executed message and /history list 100k images, each served by /view", async () => {
  await withServer({}, async (s) => {
    const sock = await RawSocket.open(s.url, { clientId: 'o1' });
    s.faults.outputCount = 100_000;
    const r = await run(
      s,
      sock,
      sd15((g) => {
        g['3'].inputs.steps = 1;
      }),
    );
    const images = r.msgs.find((m) => m.type === 'executed')!.data.output.images as Record<string, string>[];
    assert.equal(images.length, 100_000);
    assert.equal(new Set(images.map((i) => i.filename)).size, 100_000);
    const history = (await request(s.url, 'GET', `/history/${r.id}`)).json[r.id];
    assert.equal(history.outputs['9'].images.length, 100_000);
    const first = await request(s.url, 'GET', '/view?' + new URLSearchParams(images[0]).toString());
    const last = await request(s.url, 'GET', '/view?' + new URLSearchParams(images[99_999]).toString());
    assert.equal(last.status, 200);
    assert.deepEqual(last.bytes, first.bytes);
    s.faults.outputCount = undefined;
    const plain = await run(
      s,
      sock,
      sd15((g) => {
        g['3'].inputs.seed = 2;
        g['3'].inputs.steps = 1;
      }),
    );
    assert.equal(plain.msgs.find((m) => m.type === 'executed')!.data.output.images.length, 1);
    sock.close();
  });
});

test('hangHeaders: the route sends its status line and a header, then nothing; other routes answer; close() cuts it', async () => {
  await withServer({}, async (s) => {
    s.faults.hangHeaders = ['/history'];
    const conn = net.connect(s.port, '127.0.0.1');
    let got = '';
    conn.on('data', (d) => {
      got += d.toString('latin1');
    });
    conn.on('error', () => undefined);
    conn.write('GET /api/history/abc HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n');
    for (let i = 0; i < 500 && !got.includes('\r\n'); i++) {
      await sleep(5);
    }
    assert.match(got, /^HTTP\/1\.1 200 OK\r\nContent-Type: application\/json; charset=utf-8\r\n$/);
    assert.equal((await request(s.url, 'GET', '/queue')).status, 200);
    await sleep(100);
    assert.ok(!got.includes('\r\n\r\n'), 'the headers never end');
    assert.ok(!conn.destroyed);
    conn.destroy();
  });
});

test('kill: sockets and connections cut, the port refuses (ECONNREFUSED), then a fresh server on the same port', async () => {
  await withServer({ msPerStep: 3 }, async (s) => {
    const sock = await RawSocket.open(s.url, { clientId: 'k1' });
    const r = await post(
      s,
      sd15((g) => {
        g['3'].inputs.steps = 500;
      }),
      { client_id: sock.sid },
    );
    await sock.waitFor((e) => e.kind === 'text' && e.type === 'progress');
    const port = s.port;
    await s.kill();
    await sock.waitFor(() => false, 500).catch(() => undefined);
    assert.ok(sock.closed);
    await assert.rejects(request(s.url, 'GET', '/queue'), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
    await assert.rejects(RawSocket.open(s.url, { clientId: 'k1' }), (e: NodeJS.ErrnoException) => e.code === 'ECONNREFUSED');
    await s.revive();
    assert.equal(s.port, port);
    assert.deepEqual((await request(s.url, 'GET', '/queue')).json, { queue_running: [], queue_pending: [] });
    assert.deepEqual((await request(s.url, 'GET', `/history/${r.json.prompt_id}`)).json, {});
    const again = await RawSocket.open(s.url, { clientId: 'k1' });
    assert.ok(
      (
        await run(
          s,
          again,
          sd15((g) => {
            g['3'].inputs.steps = 2;
          }),
        )
      ).msgs.some((m) => m.type === 'execution_success'),
    );
    again.close();
  });
});

test('dieAtStep: the server dies as the job reaches that step and comes back by itself after reviveAfterMs', async () => {
  await withServer({ msPerStep: 2 }, async (s) => {
    const sock = await RawSocket.open(s.url, { clientId: 'k2' });
    s.faults.dieAtStep = { step: 4, reviveAfterMs: 150 };
    const r = await post(
      s,
      sd15((g) => {
        g['3'].inputs.steps = 50;
      }),
      { client_id: sock.sid },
    );
    await sock.waitFor(() => false, 2000).catch(() => undefined);
    assert.ok(sock.closed);
    const steps = sock
      .texts()
      .filter((m) => m.type === 'progress')
      .map((m) => m.data.value);
    assert.deepEqual(steps, [1, 2, 3]);
    assert.equal(s.faults.dieAtStep, undefined);
    let status = 0;
    for (let i = 0; i < 200 && status !== 200; i++) {
      status = (await request(s.url, 'GET', '/system_stats').catch(() => ({ status: 0 }))).status;
      if (status !== 200) {
        await sleep(10);
      }
    }
    assert.equal(status, 200);
    assert.deepEqual((await request(s.url, 'GET', `/history/${r.json.prompt_id}`)).json, {});
  });
});
