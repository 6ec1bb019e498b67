import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ComfyClient } from '../../src/core/comfy/client';
import { serverFacts } from '../../src/core/runs/serverFacts';
import { isSpecRejectedError, SpecRejectedError } from '../../src/core/runs/specRejected';
import { startFakeComfy } from '../fakes/comfyServer';

test("a run records the server's GPU, versions and VRAM as /system_stats gives them, without CUDA's decorations", async () => {
  const fake = await startFakeComfy();
  const client = new ComfyClient({ baseUrl: fake.url });
  try {
    const facts = serverFacts(fake.url, await client.systemStats());
    assert.equal(facts.url, fake.url);
    assert.equal(facts.gpu, 'NVIDIA GeForce RTX 4090');
    assert.equal(facts.comfyuiVersion, '0.33.0');
    assert.equal(facts.pythonVersion, '3.12.3');
    assert.equal(facts.pytorchVersion, '2.11.0+cu130');
    assert.ok(facts.vramTotalBytes! > 0);
  } finally {
    client.close();
    await fake.close();
  }
  assert.deepEqual(
    serverFacts('http://x', { system: {}, devices: [] } as unknown as Parameters<typeof serverFacts>[1]),
    { url: 'http://x' },
    'a server that says nothing: only its address',
  );
});

test('a SpecRejectedError is recognised by its brand, also when made by another copy of its module (another bundle)', () => {
  const mine = new SpecRejectedError(
    'ComfyUI rejected "a"',
    [{ node: '3', classType: 'KSampler', field: 'sampler', message: 'bad' }],
    undefined,
  );
  assert.ok(isSpecRejectedError(mine));
  const file = require.resolve('../../src/core/runs/specRejected');
  delete require.cache[file];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const other = require(file) as typeof import('../../src/core/runs/specRejected');
  const theirs = new other.SpecRejectedError('ComfyUI rejected "b"', [], undefined);
  assert.ok(!(theirs instanceof SpecRejectedError), 'a class of its own, as in another bundle');
  assert.ok(isSpecRejectedError(theirs));
  assert.ok(other.isSpecRejectedError(mine));
  assert.ok(!isSpecRejectedError(Object.assign(new Error('x'), { name: 'SpecRejectedError' })), 'the name alone is no brand');
  assert.ok(!isSpecRejectedError(undefined));
});
