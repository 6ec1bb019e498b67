import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ComfyClient } from '../../src/core/comfy/client';
import { GraphMappingError } from '../../src/core/comfy/workflow/graphMappingError';
import { describeLoaded, loadWorkflow, objectInfoProvider } from '../../src/core/comfy/workflow/loadWorkflow';
import { startFakeComfy } from '../fakes/comfyServer';
import { readRepoFile } from './helpers/specJobs';

const ui2512 = readRepoFile('test/fixtures/workflows/image_qwen_Image_2512.json');

describe("loading a spec's workflow file", () => {
  it("converts a UI workflow with the server's /object_info when the server answers, and says so", async () => {
    const fake = await startFakeComfy({ msPerStep: 1 });
    try {
      const client = new ComfyClient({ baseUrl: fake.url });
      const loaded = await loadWorkflow(
        ui2512,
        'qwen.json',
        objectInfoProvider(() => client.objectInfo()),
      );
      client.close();
      assert.equal(loaded.format, 'ui');
      assert.equal(loaded.objectInfo, 'server');
      assert.equal(loaded.graph['197:194'].class_type, 'KSampler');
      assert.match(
        describeLoaded(loaded, 'qwen.json'),
        /qwen\.json: UI workflow converted to 19 API nodes using the server's \/object_info/,
      );
      assert.ok(
        fake.requests.some((r) => r.path.endsWith('/object_info')),
        'the server was asked',
      );
    } finally {
      await fake.close();
    }
  });

  it('falls back to the recorded /object_info when the server does not answer, and says so', async () => {
    const fake = await startFakeComfy({ msPerStep: 1 });
    const client = new ComfyClient({ baseUrl: fake.url, requestTimeoutMs: 5000 });
    await fake.kill();
    try {
      const loaded = await loadWorkflow(
        ui2512,
        'qwen.json',
        objectInfoProvider(() => client.objectInfo(AbortSignal.timeout(5000))),
      );
      assert.equal(loaded.objectInfo, 'recorded');
      assert.equal(Object.keys(loaded.graph).length, 19);
      assert.match(describeLoaded(loaded, 'qwen.json'), /the recorded \/object_info \(the server's did not answer\)/);
    } finally {
      client.close();
      await fake.close();
    }
  });

  it('passes an API-format graph through without asking for /object_info', async () => {
    let asked = false;
    const api = readRepoFile('test/fixtures/comfy/workflow.api.json');
    const loaded = await loadWorkflow(api, 'g.json', async () => {
      asked = true;
      throw new Error('not wanted');
    });
    assert.equal(loaded.format, 'api');
    assert.equal(asked, false);
    assert.deepEqual(loaded.graph, JSON.parse(api));
  });

  it('names the file and the fault when a UI workflow cannot be converted', async () => {
    const broken = JSON.stringify({ nodes: [{ id: 1 }], links: [] });
    await assert.rejects(
      loadWorkflow(broken, 'w.json', objectInfoProvider(undefined)),
      (e: unknown) =>
        e instanceof GraphMappingError && /w\.json is a UI workflow that cannot be converted: .*node #1 has no id or type/.test(e.message),
    );
  });
});
