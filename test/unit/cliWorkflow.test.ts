import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { startFakeComfy } from '../fakes/comfyServer';
import { cli, workspace } from './helpers/cliInProcess';

const MY_GRAPH = { 'g.api.json': 'examples/workflows/my-graph.api.json' };

describe('validate and run open the workflow file before anything is sent', () => {
  it('a missing workflow file is an error on the workflow: line; validate and run exit 2 and post nothing', async () => {
    const { file } = workspace(['name: lost', 'prompt: a fox', 'workflow: ./missing.api.json', 'steps: [2]']);
    const v = await cli(['validate', file]);
    assert.equal(v.code, 2, v.err);
    assert.match(
      v.out,
      /study\.qwenprompt:3:11: error: The workflow file .*missing\.api\.json cannot be read \(no such file\): check the `workflow:` path\./,
    );
    assert.match(v.err, /1 spec\(s\), 1 error\(s\)/);
    const fake = await startFakeComfy({ msPerStep: 1 });
    try {
      const r = await cli(['run', file, '--server', fake.url]);
      assert.equal(r.code, 2, r.err);
      assert.match(r.err, /study\.qwenprompt:3:11: error: The workflow file/);
      assert.match(r.err, /nothing was sent to the server/);
      assert.equal(fake.requests.filter((q) => q.method === 'POST' && q.path === '/prompt').length, 0);
    } finally {
      await fake.close();
    }
  });

  it('a file that is not a graph, and a graph without a sampler, are errors on the workflow: line', async () => {
    const { dir, file } = workspace(['prompt: a fox', 'workflow: ./g.json']);
    writeFileSync(path.join(dir, 'g.json'), '{"3": ');
    const bad = await cli(['validate', file]);
    assert.equal(bad.code, 2);
    assert.match(bad.out, /:2:11: error: .*g\.json is not valid JSON/);
    writeFileSync(path.join(dir, 'g.json'), JSON.stringify({ '9': { class_type: 'SaveImage', inputs: { images: ['8', 0] } } }));
    const noSampler = await cli(['validate', file]);
    assert.equal(noSampler.code, 2);
    assert.match(noSampler.out, /:2:11: error: The graph has no sampler node/);
  });

  it('a mapped input that the steps also drive is an error on both lines', async () => {
    const { file } = workspace(['prompt: a fox', 'workflow: ./g.api.json', 'steps: [20, 40]', 'inputs:', '  KSampler.steps: 30'], MY_GRAPH);
    const v = await cli(['validate', file]);
    assert.equal(v.code, 2, v.out);
    const lines = v.out.trim().split('\n');
    assert.equal(lines.length, 2, v.out);
    assert.match(lines[0], /:3:8: error: `steps` and `inputs: KSampler\.steps` both set node 3 \(KSampler 'qwenprompt'\)\.steps/);
    assert.match(lines[1], /:5:19: error: `steps` and `inputs: KSampler\.steps` both set/);
  });

  it('a spec that maps cleanly validates with 0 errors', async () => {
    const { file } = workspace(
      ['prompt: a fox', 'workflow: ./g.api.json', 'steps: [20, 40]', 'inputs:', '  KSampler.denoise: 0.9'],
      MY_GRAPH,
    );
    const v = await cli(['validate', file]);
    assert.equal(v.code, 0, v.out);
    assert.match(v.err, /1 spec\(s\), 0 error\(s\)/);
  });
});
