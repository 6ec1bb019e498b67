import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startFakeComfy } from '../fakes/comfyServer';
import { cli, workspace } from './helpers/cliInProcess';

const SD15_UI = { 'sd15.json': 'test/fixtures/workflows/default.json' };
const spec = ['name: bottle', 'prompt: a glass bottle on a beach', 'workflow: ./sd15.json', 'steps: [2]', 'seed: 7'];

describe('a UI-format workflow (Workflow → Save) in `workflow:`', () => {
  it('validate converts it with the recorded /object_info when no server is set, says so, and finds no error', async () => {
    const { file } = workspace(spec, SD15_UI);
    const saved = process.env.QWENPROMPT_SERVER;
    delete process.env.QWENPROMPT_SERVER;
    try {
      const v = await cli(['validate', file]);
      assert.equal(v.code, 0, v.out + v.err);
      assert.match(
        v.err,
        /sd15\.json: UI workflow converted to 7 API nodes using the recorded \/object_info \(the server's did not answer\)/,
      );
      assert.match(v.err, /1 spec\(s\), 0 error\(s\)/);
    } finally {
      if (saved !== undefined) process.env.QWENPROMPT_SERVER = saved;
    }
  });

  it("run converts it with the server's /object_info and sends the spec's prompt, seed and steps on the template's nodes", async () => {
    const { file } = workspace(spec, SD15_UI);
    const fake = await startFakeComfy({ msPerStep: 1 });
    try {
      const r = await cli(['run', file, '--server', fake.url]);
      assert.equal(r.code, 0, r.err);
      assert.match(r.err, /sd15\.json: UI workflow converted to 7 API nodes using the server's \/object_info/);
      const posted = fake.requests.filter((q) => q.method === 'POST' && q.path === '/prompt');
      assert.equal(posted.length, 1);
      const graph = (posted[0].body as { prompt: Record<string, { inputs: Record<string, unknown> }> }).prompt;
      assert.equal(graph['6'].inputs.text, 'a glass bottle on a beach');
      assert.deepEqual([graph['3'].inputs.seed, graph['3'].inputs.steps], [7, 2]);
      assert.equal(graph['9'].inputs.images?.toString(), '8,0');
    } finally {
      await fake.close();
    }
  });
});
