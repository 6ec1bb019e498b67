import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildGraph } from '../../src/core/comfy/graph';
import { TEMPLATES } from '../../src/core/comfy/templates';
import { isTemplateId, TEMPLATE_FACTS } from '../../src/core/spec/templateFacts';
import type { TemplateId } from '../../src/core/spec/types';
import { jobOf, specOf } from './helpers/specJobs';

// The spec language fills defaults and checks sizes from TEMPLATE_FACTS; the graphs come from
// TEMPLATES. A spec that leaves everything out must run with exactly the defaults the editor shows.
describe('template facts (spec side) and template graphs (ComfyUI side)', () => {
  const ids = Object.keys(TEMPLATE_FACTS) as TemplateId[];

  it('name the same templates, with the same facts', () => {
    assert.deepEqual(Object.keys(TEMPLATES).sort(), [...ids].sort());
    for (const id of ids) {
      const { build, ...facts } = TEMPLATES[id];
      assert.equal(typeof build, 'function');
      assert.deepEqual(facts, TEMPLATE_FACTS[id], id);
    }
    assert.ok(isTemplateId('sd-checkpoint'));
    assert.ok(!isTemplateId('toString'), 'a prototype key is no template');
  });

  for (const id of ['qwen-image-2512', 'sd-checkpoint'] as TemplateId[]) {
    it(`${id}: a spec that sets only the prompt runs with the facts' defaults`, () => {
      const spec = specOf(`name: t\nmodel: ${id}\nprompt: a cat\nseed: 1\nsteps: [20]\n`);
      const { graph, samplerNode } = buildGraph(spec, jobOf(spec));
      const d = TEMPLATE_FACTS[id].defaults;
      const sampler = graph[samplerNode].inputs;
      assert.equal(sampler.cfg, d.cfg);
      assert.equal(sampler.sampler_name, d.sampler);
      assert.equal(sampler.scheduler, d.scheduler);
      const latent = Object.values(graph).find((n) => /Latent/.test(n.class_type) && 'width' in n.inputs);
      assert.equal(latent?.inputs.width, d.width);
      assert.equal(latent?.inputs.height, d.height);
      const files = Object.values(graph).flatMap((n) =>
        Object.values(n.inputs).filter((v) => typeof v === 'string' && /\.(safetensors|gguf)$/.test(v)),
      );
      for (const file of Object.values(TEMPLATE_FACTS[id].models)) assert.ok(files.includes(file), `${file} is in the graph`);
    });
  }
});
