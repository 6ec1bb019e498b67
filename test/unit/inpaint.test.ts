// Inpaint a region: ComfyUI's upload routes on the test server (answers, name collisions, errors, the
// mask kept as the image's alpha), the redo graph of every built-in template, and a redo that
// changes the image only inside the mask.
import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { PNG } from 'pngjs';
import { ComfyClient } from '../../src/core/comfy/client';
import { buildGraph } from '../../src/core/comfy/graph';
import { inpaintGraph } from '../../src/core/comfy/inpaint';
import { annotatedName } from '../../src/core/comfy/upload';
import type { TemplateId } from '../../src/core/spec/types';
import { startFakeComfy, type FakeComfy } from '../fakes/comfyServer';
import { jobOf, specOf } from './helpers/specJobs';

const open: { fake: FakeComfy; client: ComfyClient }[] = [];
after(async () => {
  for (const { fake, client } of open) {
    client.close();
    await fake.close();
  }
});

async function setup() {
  const fake = await startFakeComfy({ msPerStep: 1, loadMs: 1, nodeMs: 1 });
  const client = new ComfyClient({ baseUrl: fake.url, historyRetryDelayMs: 10 });
  open.push({ fake, client });
  return { fake, client };
}

/** A w×h PNG: a gradient keyed by `k`, alpha from `alpha(x, y)` (255 by default). */
function png(w: number, h: number, k: number, alpha: (x: number, y: number) => number = () => 255): Buffer {
  const p = new PNG({ width: w, height: h });
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      p.data[i] = (x * 4 + k) & 255;
      p.data[i + 1] = (y * 4) & 255;
      p.data[i + 2] = k & 255;
      p.data[i + 3] = alpha(x, y);
    }
  return PNG.sync.write(p);
}

function form(fields: Record<string, string>, file?: { name: string; bytes: Buffer }): FormData {
  const f = new FormData();
  if (file) f.append('image', new Blob([file.bytes]), file.name);
  for (const [k, v] of Object.entries(fields)) f.append(k, v);
  return f;
}

test('POST /upload/image answers {name, subfolder, type}; a taken name gets " (1)" unless the bytes are the same or overwrite is set', async () => {
  const { client } = await setup();
  const a = png(8, 8, 1);
  assert.deepEqual(await client.uploadImage(a, 'cat.png', { subfolder: 'qwenprompt' }), {
    name: 'cat.png',
    subfolder: 'qwenprompt',
    type: 'input',
  });
  assert.equal((await client.uploadImage(a, 'cat.png', { subfolder: 'qwenprompt' })).name, 'cat.png', 'the same bytes reuse the file');
  const b = png(8, 8, 2);
  assert.equal((await client.uploadImage(b, 'cat.png', { subfolder: 'qwenprompt' })).name, 'cat (1).png');
  assert.equal((await client.uploadImage(png(8, 8, 3), 'cat.png', { subfolder: 'qwenprompt' })).name, 'cat (2).png');
  assert.equal((await client.uploadImage(b, 'cat.png', { subfolder: 'qwenprompt', overwrite: true })).name, 'cat.png');
  assert.deepEqual(await client.uploadImage(a, 'top.png'), { name: 'top.png', subfolder: '', type: 'input' });
});

test('the upload routes fail as ComfyUI does: no file 400, a subfolder outside 400, an unknown type 500, a mask without original_ref 500', async () => {
  const { fake } = await setup();
  const post = (route: string, body: FormData) => fetch(`${fake.url}${route}`, { method: 'POST', body });
  const noFile = await post('/upload/image', form({ type: 'input' }));
  assert.equal(noFile.status, 400);
  assert.equal(await noFile.text(), '');
  assert.equal((await post('/upload/image', form({ subfolder: '../../etc' }, { name: 'x.png', bytes: png(2, 2, 0) }))).status, 400);
  assert.equal((await post('/upload/image', form({ type: 'models' }, { name: 'x.png', bytes: png(2, 2, 0) }))).status, 500);
  assert.equal((await post('/upload/mask', form({}, { name: 'm.png', bytes: png(2, 2, 0) }))).status, 500);
  // Also under /api, as every route.
  const ok = await post('/api/upload/image', form({}, { name: 'y.png', bytes: png(2, 2, 0) }));
  assert.deepEqual(await ok.json(), { name: 'y.png', subfolder: '', type: 'input' });
});

test('every built-in template redoes a region: LoadImage → VAEEncode → SetLatentNoiseMask into its sampler, at the chosen steps', () => {
  for (const model of ['sd-checkpoint', 'qwen-image-2512', 'qwen-image', 'qwen-image-gguf'] as TemplateId[]) {
    const spec = specOf(`model: ${model}\nprompt: a fox\nseed: 5\nsize: 512x512\nsteps: [30]\n`);
    const { graph } = buildGraph(spec, jobOf(spec));
    const redo = inpaintGraph(graph, { image: 'qwenprompt/x.png [input]', steps: 8 });
    const byClass = (c: string) => Object.entries(redo).filter(([, n]) => n.class_type === c);
    const [[loadId, load]] = byClass('LoadImage');
    assert.equal(load.inputs.image, 'qwenprompt/x.png [input]', model);
    const [[encId, enc]] = byClass('VAEEncode');
    const decode = byClass('VAEDecode')[0][1];
    assert.deepEqual(enc.inputs.vae, decode.inputs.vae, `${model}: encoded with the VAE it decodes with`);
    assert.deepEqual(enc.inputs.pixels, [loadId, 0]);
    const [[maskId, mask]] = byClass('SetLatentNoiseMask');
    assert.deepEqual(mask.inputs, { samples: [encId, 0], mask: [loadId, 1] });
    const [, sampler] = byClass('KSampler')[0];
    assert.deepEqual(sampler.inputs.latent_image, [maskId, 0]);
    assert.equal(sampler.inputs.steps, 8);
    assert.equal(byClass('EmptyLatentImage').length + byClass('EmptySD3LatentImage').length, 0, `${model}: no empty latent left`);
    assert.equal(Object.keys(graph).length + 2, Object.keys(redo).length, 'the original graph is left as it was');
  }
  assert.throws(() => inpaintGraph({ '1': { class_type: 'SaveImage', inputs: {} } }, { image: 'x', steps: 4 }), /no sampler/);
});

test('a redo on the test server changes the image only inside the mask; LoadImage of a missing file is refused', async () => {
  const { client } = await setup();
  const W = 64;
  const original = png(W, W, 60);
  const inside = (x: number, y: number) => x >= 16 && x < 40 && y >= 8 && y < 32;
  const up = await client.uploadImage(original, 'redo.png', { subfolder: 'qwenprompt' });
  // The mask editor's mask: the image's size, alpha 0 where it is to be redrawn.
  const masked = await client.uploadMask(
    png(W, W, 0, (x, y) => (inside(x, y) ? 0 : 255)),
    'redo-mask.png',
    up,
    { subfolder: 'qwenprompt' },
  );
  assert.deepEqual(masked, { name: 'redo-mask.png', subfolder: 'qwenprompt', type: 'input' });
  const spec = specOf(`model: sd-checkpoint\nprompt: a fox\nseed: 5\nsize: ${W}x${W}\nsteps: [20]\n`);
  const graph = inpaintGraph(buildGraph(spec, jobOf(spec)).graph, { image: annotatedName(masked), steps: 6 });
  const job = await client.submit(graph);
  const outcome = await job.done;
  assert.equal(outcome.status, 'success', outcome.error);
  const result = PNG.sync.read(Buffer.from(await client.view(outcome.images[0])));
  const before = PNG.sync.read(original);
  assert.equal(result.width, W);
  let changedInside = 0;
  for (let y = 0; y < W; y++)
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 4;
      const same = [0, 1, 2].every((c) => result.data[i + c] === before.data[i + c]);
      if (inside(x, y)) changedInside += same ? 0 : 1;
      else assert.ok(same, `pixel ${x},${y} outside the mask changed`);
    }
  assert.ok(changedInside > 24 * 24 * 0.9, `only ${changedInside} of ${24 * 24} pixels inside the mask were redrawn`);

  const missing = inpaintGraph(buildGraph(spec, jobOf(spec)).graph, { image: 'qwenprompt/none.png [input]', steps: 6 });
  await assert.rejects(
    client.submit(missing),
    (e: Error) => /Invalid image file: qwenprompt\/none\.png \[input\]/.test(JSON.stringify(e)) || /Invalid image file/.test(e.message),
  );
});
