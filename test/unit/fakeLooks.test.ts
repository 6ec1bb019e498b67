import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RawSocket, request } from '../fakes/rawClient';
import { type Graph, run, sd15, withServer } from './helpers/fakeComfy';

/** The saved image's bytes of a run. */
async function image(s: { url: string }, sock: RawSocket, graph: Graph): Promise<string> {
  const r = await run(s as never, sock, graph);
  const [img] = r.msgs.find((m) => m.type === 'executed')!.data.output.images;
  const view = await request(
    s.url,
    'GET',
    `/view?filename=${encodeURIComponent(img.filename)}&subfolder=${encodeURIComponent(img.subfolder)}&type=output`,
  );
  return view.bytes.toString('base64');
}

/** The recorded graph with a LoRA and a VAE of its own, so every lever has an input to change. */
const base = () =>
  sd15((g) => {
    g['10'] = { class_type: 'VAELoader', inputs: { vae_name: 'qwen_image_vae.safetensors' } };
    g['11'] = {
      class_type: 'LoraLoaderModelOnly',
      inputs: { model: ['4', 0], lora_name: 'Qwen-Image-Lightning-8steps-V1.0.safetensors', strength_model: 1 },
    };
    g['3'].inputs.model = ['11', 0];
    g['8'].inputs.vae = ['10', 0];
  });

test('test server images depend on every sampler input, deterministically', async () => {
  await withServer({}, async (s) => {
    const sock = await RawSocket.open(s.url, { clientId: 'looks', featureFlags: true });
    const edits: [string, (g: Graph) => void][] = [
      ['cfg', (g) => (g['3'].inputs.cfg = 6.5)],
      ['sampler', (g) => (g['3'].inputs.sampler_name = 'euler_ancestral')],
      ['scheduler', (g) => (g['3'].inputs.scheduler = 'normal')],
      ['denoise', (g) => (g['3'].inputs.denoise = 0.9)],
      ['LoRA name', (g) => (g['11'].inputs.lora_name = 'Qwen-Image-2512-Lightning-4steps-V1.0-fp32.safetensors')],
      ['LoRA strength', (g) => (g['11'].inputs.strength_model = 0.5)],
      ['decoder', (g) => (g['10'].inputs.vae_name = 'taesd')],
    ];
    const first = await image(s, sock, base());
    const seen = new Map<string, string>([[first, 'base']]);
    for (const [what, edit] of edits) {
      const g = base();
      edit(g);
      const img = await image(s, sock, g);
      assert.ok(!seen.has(img), `${what} changes the image (same as ${seen.get(img)})`);
      seen.set(img, what);
    }
    // The same inputs again, on a fresh server (no cache to replay): the same picture.
    await withServer({}, async (s2) => {
      const sock2 = await RawSocket.open(s2.url, { clientId: 'looks2', featureFlags: true });
      assert.equal(await image(s2, sock2, base()), first);
      sock2.close();
    });
    sock.close();
  });
});

test('a KSamplerAdvanced pair: each stage runs its part of the schedule; a new stage 2 reuses stage 1 from the cache', async () => {
  await withServer({}, async (s) => {
    const sock = await RawSocket.open(s.url, { clientId: 'stages', featureFlags: true });
    const twoStage = (sampler2: string) =>
      sd15((g) => {
        const common = { model: ['4', 0], positive: ['6', 0], negative: ['7', 0], noise_seed: 42, steps: 10, cfg: 7, scheduler: 'karras' };
        g['3'] = {
          class_type: 'KSamplerAdvanced',
          inputs: {
            ...common,
            latent_image: ['5', 0],
            sampler_name: 'dpmpp_2m',
            add_noise: 'enable',
            start_at_step: 0,
            end_at_step: 6,
            return_with_leftover_noise: 'enable',
          },
        };
        g['12'] = {
          class_type: 'KSamplerAdvanced',
          inputs: {
            ...common,
            latent_image: ['3', 0],
            sampler_name: sampler2,
            add_noise: 'disable',
            start_at_step: 6,
            end_at_step: 10000,
            return_with_leftover_noise: 'disable',
          },
        };
        g['8'].inputs.samples = ['12', 0];
      });
    const first = await run(s, sock, twoStage('euler'));
    const progress = (r: typeof first, node: string) =>
      r.msgs.filter((m) => m.type === 'progress' && m.data.node === node).map((m) => `${m.data.value}/${m.data.max}`);
    assert.deepEqual(progress(first, '3'), ['1/6', '2/6', '3/6', '4/6', '5/6', '6/6']);
    assert.deepEqual(progress(first, '12'), ['1/4', '2/4', '3/4', '4/4']);
    const second = await run(s, sock, twoStage('dpmpp_2m'));
    assert.ok(second.msgs.find((m) => m.type === 'execution_cached')!.data.nodes.includes('3'), 'stage 1 is unchanged: cached');
    assert.deepEqual(second.executing, ['12', '8', '9']);
    sock.close();
  });
});
