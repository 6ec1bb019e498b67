/**
 * Behaviour of the ComfyUI test server that the other tests and users rely on: validation bodies,
 * caching, interrupt, the queue, VRAM readings, the PNGs it writes, previews, routing and the faults.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PNG } from 'pngjs';
import { FakeComfy } from '../fakes/comfyServer';
import { RawSocket, request } from '../fakes/rawClient';
import { Graph, post, run, sd15, withServer } from './helpers/fakeComfy';

function textChunks(png: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 8; i < png.length;) {
    const n = png.readUInt32BE(i);
    const type = png.toString('latin1', i + 4, i + 8);
    if (type === 'tEXt') {
      const data = png.subarray(i + 8, i + 8 + n);
      const z = data.indexOf(0);
      out[data.toString('latin1', 0, z)] = data.toString('latin1', z + 1);
    }
    i += 12 + n;
  }
  return out;
}

async function image(s: FakeComfy, ref: { filename: string; subfolder: string; type: string }): Promise<Buffer> {
  const res = await request(s.url, 'GET', '/view?' + new URLSearchParams(ref).toString());
  assert.equal(res.status, 200);
  return res.bytes;
}

function meanAbsDiff(a: Buffer, b: Buffer): number {
  const pa = PNG.sync.read(a).data;
  const pb = PNG.sync.read(b).data;
  let sum = 0;
  for (let i = 0; i < pa.length; i++) {
    sum += Math.abs(pa[i] - pb[i]);
  }
  return sum / pa.length;
}

test('validation: long combo lists are summarised, short ones listed, output-node errors fill error.details', async () => {
  await withServer({}, async (s) => {
    const sampler = await post(
      s,
      sd15((g) => {
        g['3'].inputs.sampler_name = 'foo';
      }),
    );
    assert.equal(sampler.status, 400);
    assert.deepEqual(sampler.json.node_errors['3'].errors[0], {
      type: 'value_not_in_list',
      message: 'Value not in list',
      details: "sampler_name: 'foo' not in (list of length 44)",
      extra_info: { input_name: 'sampler_name', input_config: null, received_value: 'foo' },
    });
    const lora = await post(
      s,
      sd15((g) => {
        g['10'] = { class_type: 'LoraLoaderModelOnly', inputs: { model: ['4', 0], lora_name: 'nope.safetensors', strength_model: 1 } };
        g['3'].inputs.model = ['10', 0];
      }),
    );
    const err = lora.json.node_errors['10'].errors[0];
    assert.match(err.details, /^lora_name: 'nope.safetensors' not in \['Qwen-Image-2512-Lightning-4steps-V1.0-fp32.safetensors', /);
    assert.ok(Array.isArray(err.extra_info.input_config[0]));
    const noPrefix = await post(
      s,
      sd15((g) => {
        delete g['9'].inputs.filename_prefix;
      }),
    );
    assert.equal(noPrefix.json.error.details, 'Required input is missing: filename_prefix');
    const noPrompt = await request(s.url, 'POST', '/prompt', { client_id: 'x' });
    assert.equal(noPrompt.status, 400);
    assert.equal(noPrompt.json.error.type, 'no_prompt');
    const cycle = await post(
      s,
      sd15((g) => {
        g['6'].inputs.clip = ['8', 0];
      }),
    );
    assert.equal(cycle.json.node_errors['6'].errors[0].type, 'return_type_mismatch');
  });
});

test('a prompt with one valid and one invalid output is queued, and the reply names the invalid one', async () => {
  await withServer({}, async (s) => {
    const res = await post(
      s,
      sd15((g) => {
        g['10'] = { class_type: 'SaveImage', inputs: { images: ['8', 0], filename_prefix: 'b' } };
        g['11'] = { class_type: 'PreviewImage', inputs: {} };
      }),
    );
    assert.equal(res.status, 200);
    assert.deepEqual(Object.keys(res.json.node_errors), ['11']);
    assert.equal(res.json.node_errors['11'].errors[0].type, 'required_input_missing');
  });
});

test('the origin guard answers 403 to cross-site requests and foreign origins, on HTTP and on the socket upgrade', async () => {
  await withServer({}, async (s) => {
    assert.equal((await request(s.url, 'GET', '/system_stats', undefined, { Origin: 'http://localhost:5173' })).status, 403);
    assert.equal((await request(s.url, 'GET', '/system_stats', undefined, { Origin: s.url })).status, 200);
    assert.equal((await request(s.url, 'GET', '/view?filename=x.png', undefined, { 'Sec-Fetch-Site': 'cross-site' })).status, 403);
    await assert.rejects(async () => {
      const { WebSocket } = await import('ws');
      const ws = new WebSocket(s.url.replace('http', 'ws') + '/ws', { headers: { Origin: 'vscode-webview://abc' } });
      await new Promise((resolve, reject) => {
        ws.once('open', resolve);
        ws.once('error', reject);
      });
    }, /403/);
  });
});

test('caching: loaders run once, a new seed reruns only the sampler chain, an identical prompt replays its image', async () => {
  await withServer({ loadMs: 120 }, async (s) => {
    const sock = await RawSocket.open(s.url, { clientId: 'c1', featureFlags: true });
    const cold = await run(s, sock, sd15());
    assert.deepEqual(cold.executing, ['4', '5', '7', '6', '3', '8', '9']);
    const warm = await run(
      s,
      sock,
      sd15((g) => {
        g['3'].inputs.seed = 43;
      }),
    );
    assert.deepEqual(warm.msgs.find((m) => m.type === 'execution_cached')!.data.nodes, ['4', '5', '6', '7']);
    assert.deepEqual(warm.executing, ['3', '8', '9']);
    const again = await run(
      s,
      sock,
      sd15((g) => {
        g['3'].inputs.seed = 43;
      }),
    );
    assert.equal(again.msgs.find((m) => m.type === 'execution_cached')!.data.nodes.length, 7);
    assert.deepEqual(again.executing, []);
    const images = (r: typeof warm) => r.msgs.find((m) => m.type === 'executed')!.data.output.images;
    assert.deepEqual(images(again), images(warm));
    const hist = await request(s.url, 'GET', `/history/${again.id}`);
    assert.deepEqual(hist.json[again.id].outputs['9'].images, images(warm));
    sock.close();
  });
});

test('interrupt stops only the running prompt it names, records an interrupted history, and the queue moves on', async () => {
  await withServer({ msPerStep: 2 }, async (s) => {
    const sock = await RawSocket.open(s.url, { clientId: 'c2', featureFlags: true });
    const long = await post(
      s,
      sd15((g) => {
        g['3'].inputs.steps = 5000;
      }),
      { client_id: sock.sid },
    );
    const next = await post(
      s,
      sd15((g) => {
        g['3'].inputs.seed = 5;
      }),
      { client_id: sock.sid },
    );
    const id = long.json.prompt_id;
    await sock.waitFor((e) => e.kind === 'text' && e.type === 'progress' && e.data.value >= 3);
    await request(s.url, 'POST', '/interrupt', { prompt_id: next.json.prompt_id });
    const before = sock.events.length;
    await sock.waitFor((e) => e.kind === 'text' && e.type === 'progress' && e.data.value >= 10, 5000, before);
    await request(s.url, 'POST', '/interrupt', { prompt_id: id });
    const stop = await sock.waitFor((e) => e.kind === 'text' && e.type === 'execution_interrupted');
    assert.equal(stop.kind === 'text' && stop.data.node_id, '3');
    await sock.waitDone(id);
    const h = (await request(s.url, 'GET', `/history/${id}`)).json[id];
    assert.equal(h.status.status_str, 'error');
    assert.equal(h.status.completed, false);
    assert.equal(h.status.messages.at(-1)[0], 'execution_interrupted');
    await sock.waitDone(next.json.prompt_id);
    const job = (await request(s.url, 'GET', `/api/jobs/${id}`)).json;
    assert.equal(job.status, 'cancelled');
    sock.close();
  });
});

test('the queue lists running and pending prompts by number, and a deleted pending prompt never runs', async () => {
  await withServer({ msPerStep: 2 }, async (s) => {
    const sock = await RawSocket.open(s.url, { clientId: 'c3' });
    const a = await post(
      s,
      sd15((g) => {
        g['3'].inputs.steps = 60;
      }),
      { client_id: sock.sid },
    );
    const b = await post(
      s,
      sd15((g) => {
        g['3'].inputs.seed = 1;
      }),
      { client_id: sock.sid },
    );
    const c = await post(
      s,
      sd15((g) => {
        g['3'].inputs.seed = 2;
      }),
      { client_id: sock.sid, number: -5 },
    );
    const q = (await request(s.url, 'GET', '/queue')).json;
    assert.equal(q.queue_running[0][1], a.json.prompt_id);
    assert.deepEqual(q.queue_pending.map((i: unknown[]) => i[1]).sort(), [b.json.prompt_id, c.json.prompt_id].sort());
    assert.equal(q.queue_pending[0].length, 5);
    assert.equal((await request(s.url, 'GET', '/prompt')).json.exec_info.queue_remaining, 3);
    await request(s.url, 'POST', '/queue', { delete: [b.json.prompt_id] });
    await sock.waitDone(c.json.prompt_id);
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual((await request(s.url, 'GET', `/history/${b.json.prompt_id}`)).json, {});
    const starts = sock
      .texts()
      .filter((m) => m.type === 'execution_start')
      .map((m) => m.data.prompt_id);
    assert.deepEqual(starts, [a.json.prompt_id, c.json.prompt_id]);
    assert.deepEqual(
      s.sent
        .get('c3')!
        .filter((m) => m.type === 'execution_start')
        .map((m) => m.data.prompt_id),
      starts,
    );
    await request(s.url, 'POST', '/history', { delete: [a.json.prompt_id] });
    assert.deepEqual(Object.keys((await request(s.url, 'GET', '/history')).json), [c.json.prompt_id]);
    await request(s.url, 'POST', '/history', { clear: true });
    assert.deepEqual((await request(s.url, 'GET', '/history')).json, {});
    sock.close();
  });
});

test('system_stats: free VRAM drops while a job runs, more for a larger latent, and recovers after', async () => {
  await withServer({ msPerStep: 3 }, async (s) => {
    const device = async () =>
      (await request(s.url, 'GET', '/system_stats')).json.devices[0] as { vram_free: number; torch_vram_free: number };
    const vramFree = async () => {
      const d = await device();
      return [d.vram_free, d.torch_vram_free];
    };
    const idle = await vramFree();
    const sock = await RawSocket.open(s.url, { clientId: 'c4' });
    const during = async (size: number) => {
      const r = await post(
        s,
        sd15((g) => {
          g['5'].inputs.width = size;
          g['5'].inputs.height = size;
          g['3'].inputs.steps = 40;
        }),
        { client_id: sock.sid },
      );
      await sock.waitFor((e) => e.kind === 'text' && e.type === 'progress' && e.data.prompt_id === r.json.prompt_id);
      const v = await vramFree();
      await sock.waitDone(r.json.prompt_id);
      return v;
    };
    const small = await during(256);
    const large = await during(1024);
    for (const i of [0, 1]) {
      assert.ok(small[i] < idle[i], 'VRAM in use while running');
      assert.ok(large[i] < small[i], 'a larger latent uses more VRAM');
    }
    assert.deepEqual(await vramFree(), idle);
    sock.close();
  });
});

test('saved PNGs: prompt and extra_pnginfo chunks, latent size clamped, pixels depend on seed and converge with steps', async () => {
  await withServer({ maxImageSide: 96 }, async (s) => {
    const sock = await RawSocket.open(s.url, { clientId: 'c5' });
    const shot = async (seed: number, steps: number) => {
      const r = await run(
        s,
        sock,
        sd15((g) => {
          Object.assign(g['5'].inputs, { width: 256, height: 192 });
          Object.assign(g['3'].inputs, { seed, steps });
        }),
        { extra_pnginfo: { qwenprompt: { steps } } },
      );
      const ref = r.msgs.find((m) => m.type === 'executed')!.data.output.images[0];
      return { ref, png: await image(s, ref) };
    };
    const s20 = await shot(1, 20);
    assert.match(s20.ref.filename, /^tiny_\d{5}_\.png$/);
    assert.equal(s20.ref.subfolder, 'smoke');
    const decoded = PNG.sync.read(s20.png);
    assert.deepEqual([decoded.width, decoded.height], [96, 72]);
    const chunks = textChunks(s20.png);
    assert.equal(JSON.parse(chunks.prompt)['3'].inputs.steps, 20);
    assert.deepEqual(JSON.parse(chunks.qwenprompt), { steps: 20 });
    const s40 = await shot(1, 40);
    const s60 = await shot(1, 60);
    const other = await shot(2, 20);
    assert.ok(meanAbsDiff(s20.png, other.png) > 10, 'another seed draws another picture');
    const near = meanAbsDiff(s40.png, s60.png);
    const far = meanAbsDiff(s20.png, s60.png);
    assert.ok(near > 0 && near * 2.5 < far, `40↔60 ${near.toFixed(2)} vs 20↔60 ${far.toFixed(2)}`);
    sock.close();
  });
});

// How fast it is written is measured in bench/pipeline.ts, not asserted here.
test('a 1024×1024 image is written at full size', async () => {
  await withServer({ maxImageSide: 1024 }, async (s) => {
    const sock = await RawSocket.open(s.url, { clientId: 'c6' });
    const r = await run(
      s,
      sock,
      sd15((g) => {
        Object.assign(g['5'].inputs, { width: 1024, height: 1024 });
        g['3'].inputs.steps = 2;
      }),
    );
    const ref = r.msgs.find((m) => m.type === 'executed')!.data.output.images[0];
    assert.equal(PNG.sync.read(await image(s, ref)).width, 1024);
    sock.close();
  });
});

test('a "__fail__" model file fails in its loader with a real execution_error, history and job', async () => {
  await withServer({}, async (s) => {
    const sock = await RawSocket.open(s.url, { clientId: 'c7' });
    const r = await run(
      s,
      sock,
      sd15((g) => {
        g['4'].inputs.ckpt_name = 'broken__fail__.safetensors';
      }),
    );
    const err = r.msgs.find((m) => m.type === 'execution_error')!.data;
    assert.equal(err.node_id, '4');
    assert.equal(err.node_type, 'CheckpointLoaderSimple');
    assert.match(err.exception_message, /header too large/);
    assert.ok(err.traceback.length > 3);
    assert.deepEqual(err.current_inputs, { ckpt_name: ['broken__fail__.safetensors'] });
    const h = (await request(s.url, 'GET', `/history/${r.id}`)).json[r.id];
    assert.equal(h.status.status_str, 'error');
    assert.equal(h.status.messages.at(-1)[0], 'execution_error');
    const job = (await request(s.url, 'GET', `/api/jobs/${r.id}`)).json;
    assert.equal(job.status, 'failed');
    assert.equal(job.execution_error.node_id, '4');
    sock.close();
  });
});

test('routing: without client_id only progress, previews and interrupts reach the sockets', async () => {
  await withServer({ msPerStep: 2 }, async (s) => {
    const sock = await RawSocket.open(s.url, { clientId: 'c8', featureFlags: true });
    const r = await post(
      s,
      sd15((g) => {
        g['3'].inputs.steps = 400;
      }),
      { extra_data: { preview_method: 'auto' } },
    );
    const id = r.json.prompt_id;
    await sock.waitFor((e) => e.kind === 'text' && e.type === 'progress' && e.data.value >= 3);
    // The preview format follows the prompt's client socket: without one, legacy frames (no prompt id) to all.
    assert.ok(sock.events.some((e) => e.kind === 'binary' && e.event === 1));
    assert.ok(!sock.events.some((e) => e.kind === 'binary' && e.event === 4));
    await request(s.url, 'POST', '/interrupt');
    await sock.waitFor((e) => e.kind === 'text' && e.type === 'execution_interrupted' && e.data.prompt_id === id);
    const types = new Set(sock.texts().map((m) => m.type));
    for (const t of ['execution_start', 'executing', 'execution_cached']) {
      assert.ok(!types.has(t), t);
    }
    assert.ok(types.has('progress_state'));
    sock.close();
  });
});

test('previews: type 4 with metadata when negotiated first, type 1 otherwise, none without preview_method', async () => {
  await withServer({}, async (s) => {
    const modern = await RawSocket.open(s.url, { clientId: 'c9', featureFlags: true });
    const a = await run(
      s,
      modern,
      sd15((g) => {
        g['3'].inputs.steps = 4;
      }),
      { preview_method: 'auto' },
    );
    const frames = modern.events.filter((e) => e.kind === 'binary');
    assert.equal(frames.length, 4);
    const f = frames[0];
    assert.ok(f.kind === 'binary' && f.event === 4 && f.meta?.prompt_id === a.id && f.meta.image_type === 'image/png');
    assert.ok(PNG.sync.read(f.image).width > 0);
    await run(
      s,
      modern,
      sd15((g) => {
        g['3'].inputs.steps = 5;
      }),
    );
    assert.equal(modern.events.filter((e) => e.kind === 'binary').length, 4, 'no previews without preview_method');
    modern.close();
    // feature_flags counts only as the first text message.
    const late = await RawSocket.open(s.url, { clientId: 'c10' });
    late.ws.send(JSON.stringify({ type: 'hello', data: {} }));
    late.ws.send(JSON.stringify({ type: 'feature_flags', data: { supports_preview_metadata: true } }));
    await run(
      s,
      late,
      sd15((g) => {
        g['3'].inputs.steps = 3;
      }),
      { preview_method: 'latent2rgb' },
    );
    const legacy = late.events.filter((e) => e.kind === 'binary');
    assert.equal(legacy.length, 3);
    assert.ok(legacy.every((e) => e.kind === 'binary' && e.event === 1 && e.format === 2));
    assert.ok(!late.texts().some((m) => m.type === 'feature_flags'));
    late.close();
  });
});

test('GET routes: /view errors, preview re-encoding, /api prefix, object_info, model lists, GGUF graph runs', async () => {
  await withServer({}, async (s) => {
    assert.equal((await request(s.url, 'GET', '/view?filename=../secret.png')).status, 400);
    assert.equal((await request(s.url, 'GET', '/view?filename=/etc/passwd')).status, 400);
    assert.equal((await request(s.url, 'GET', '/view?filename=a.png&subfolder=../../etc')).status, 403);
    assert.equal((await request(s.url, 'GET', '/view?filename=missing.png')).status, 404);
    assert.deepEqual((await request(s.url, 'GET', '/api/object_info/NoSuchNode')).json, {});
    assert.equal((await request(s.url, 'GET', '/object_info')).json.KSampler.input.required.seed[1].max, 18446744073709551615);
    assert.ok((await request(s.url, 'GET', '/object_info')).text.includes('"max":18446744073709551615'));
    assert.equal((await request(s.url, 'GET', '/models/nope')).status, 404);
    assert.ok((await request(s.url, 'GET', '/api/models/loras')).json.includes('Qwen-Image-2512-Lightning-4steps-V1.0-fp32.safetensors'));
    const info = (await request(s.url, 'GET', '/object_info/UNETLoader')).json.UNETLoader;
    assert.ok(info.input.required.unet_name[0].includes('qwen_image_2512_fp8_e4m3fn.safetensors'));
    const sock = await RawSocket.open(s.url, { clientId: 'c11', path: '/api/ws' });
    const gguf: Graph = {
      '37': { class_type: 'UnetLoaderGGUF', inputs: { unet_name: 'qwen-image-2512-Q4_K_M.gguf' } },
      '38': { class_type: 'CLIPLoaderGGUF', inputs: { clip_name: 'Qwen2.5-VL-7B-Instruct-Q4_K_M.gguf', type: 'qwen_image' } },
      '39': { class_type: 'VAELoader', inputs: { vae_name: 'qwen_image_vae.safetensors' } },
      '66': { class_type: 'ModelSamplingAuraFlow', inputs: { shift: 3.1, model: ['37', 0] } },
      '6': { class_type: 'CLIPTextEncode', inputs: { text: 'a bamboo forest', clip: ['38', 0] } },
      '7': { class_type: 'CLIPTextEncode', inputs: { text: ' ', clip: ['38', 0] } },
      '58': { class_type: 'EmptySD3LatentImage', inputs: { width: 1328, height: 1328, batch_size: 1 } },
      '3': {
        class_type: 'KSampler',
        inputs: {
          seed: 1,
          steps: 4,
          cfg: 1,
          sampler_name: 'euler',
          scheduler: 'simple',
          denoise: 1,
          model: ['66', 0],
          positive: ['6', 0],
          negative: ['7', 0],
          latent_image: ['58', 0],
        },
      },
      '8': { class_type: 'VAEDecode', inputs: { samples: ['3', 0], vae: ['39', 0] } },
      '60': { class_type: 'SaveImage', inputs: { filename_prefix: 'qwenprompt/test', images: ['8', 0] } },
    };
    const r = await run(s, sock, gguf);
    assert.ok(r.msgs.some((m) => m.type === 'execution_success'));
    const ref = r.msgs.find((m) => m.type === 'executed')!.data.output.images[0];
    const raw = await request(s.url, 'GET', '/view?' + new URLSearchParams(ref).toString());
    assert.equal(raw.headers['content-type'], 'image/png');
    const small = await request(s.url, 'GET', '/view?' + new URLSearchParams({ ...ref, preview: 'webp;50' }).toString());
    assert.equal(small.headers['content-type'], 'image/png');
    assert.equal(PNG.sync.read(small.bytes).width, PNG.sync.read(raw.bytes).width);
    assert.ok(!('prompt' in textChunks(small.bytes)));
    sock.close();
  });
});

test('faults: 500 routes, empty history, failing views, stalls, socket drops, refused connections', async () => {
  await withServer({ msPerStep: 2 }, async (s) => {
    const sock = await RawSocket.open(s.url, { clientId: 'c12' });
    const r = await run(
      s,
      sock,
      sd15((g) => {
        g['3'].inputs.steps = 2;
      }),
    );
    s.faults.http500 = ['/history'];
    const e500 = await request(s.url, 'GET', `/api/history/${r.id}`);
    assert.equal(e500.status, 500);
    assert.match(e500.text, /Internal Server Error/);
    s.faults.http500 = [];
    s.faults.historyEmptyFor = 2;
    assert.deepEqual((await request(s.url, 'GET', `/history/${r.id}`)).json, {});
    assert.deepEqual((await request(s.url, 'GET', `/history/${r.id}`)).json, {});
    assert.ok((await request(s.url, 'GET', `/history/${r.id}`)).json[r.id]);
    s.faults.viewFailures = 1;
    const ref = r.msgs.find((m) => m.type === 'executed')!.data.output.images[0];
    const q = '/view?' + new URLSearchParams(ref).toString();
    assert.equal((await request(s.url, 'GET', q)).status, 500);
    assert.equal((await request(s.url, 'GET', q)).status, 200);

    s.faults.stall = true;
    const stalled = await post(
      s,
      sd15((g) => {
        g['3'].inputs.seed = 9;
      }),
      { client_id: sock.sid },
    );
    await new Promise((res) => setTimeout(res, 60));
    assert.equal((await request(s.url, 'GET', '/queue')).json.queue_pending.length, 1);
    assert.ok(!sock.texts().some((m) => m.type === 'execution_start' && m.data.prompt_id === stalled.json.prompt_id));
    s.faults.stall = false;
    await sock.waitDone(stalled.json.prompt_id);

    const hung = await post(
      s,
      sd15((g) => {
        g['3'].inputs.seed = 10;
        g['3'].inputs.steps = 50;
      }),
      { client_id: sock.sid },
    );
    await sock.waitFor((e) => e.kind === 'text' && e.type === 'progress' && e.data.prompt_id === hung.json.prompt_id);
    s.faults.stallMidRun = true;
    await new Promise((res) => setTimeout(res, 30));
    const count = sock.events.length;
    await new Promise((res) => setTimeout(res, 100));
    assert.equal(sock.events.length, count, 'a hung job sends nothing');
    s.faults.stallMidRun = false;
    await sock.waitDone(hung.json.prompt_id);

    s.faults.dropSocketAfter = 3;
    await post(
      s,
      sd15((g) => {
        g['3'].inputs.seed = 11;
      }),
      { client_id: sock.sid },
    );
    await new Promise((res) => setTimeout(res, 100));
    assert.ok(sock.closed);
    assert.equal(s.faults.dropSocketAfter, undefined);

    s.faults.refuseConnections = true;
    await assert.rejects(request(s.url, 'GET', '/system_stats'));
    s.faults.refuseConnections = false;
    assert.equal((await request(s.url, 'GET', '/system_stats')).status, 200);
  });
});

test('restart forgets queue, history and cache, drops sockets and keeps the port', async () => {
  await withServer({ msPerStep: 2 }, async (s) => {
    const sock = await RawSocket.open(s.url, { clientId: 'c13' });
    const done = await run(
      s,
      sock,
      sd15((g) => {
        g['3'].inputs.steps = 2;
      }),
    );
    const running = await post(
      s,
      sd15((g) => {
        g['3'].inputs.steps = 500;
      }),
      { client_id: sock.sid },
    );
    await sock.waitFor((e) => e.kind === 'text' && e.type === 'progress' && e.data.prompt_id === running.json.prompt_id);
    const port = s.port;
    await s.restart();
    await sock.waitFor(() => false, 1000).catch(() => undefined);
    assert.ok(sock.closed);
    assert.equal(s.port, port);
    assert.deepEqual((await request(s.url, 'GET', `/history/${done.id}`)).json, {});
    assert.deepEqual((await request(s.url, 'GET', '/queue')).json, { queue_running: [], queue_pending: [] });
    const again = await RawSocket.open(s.url);
    assert.notEqual(again.sid, sock.sid);
    const cold = await run(
      s,
      again,
      sd15((g) => {
        g['3'].inputs.steps = 2;
      }),
    );
    assert.deepEqual(cold.msgs.find((m) => m.type === 'execution_cached')!.data.nodes, []);
    again.close();
  });
});
