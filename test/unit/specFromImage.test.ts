import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { buildGraph } from '../../src/core/comfy/graph';
import { TEMPLATES } from '../../src/core/comfy/templates';
import { withPngText } from '../../src/core/quality/pngText';
import { NoGraphInImageError, specFromGraph, specFromPng } from '../../src/core/quality/specFromImage';
import { graphProblems } from '../../src/core/runs/graphProblems';
import { parseSpecs } from '../../src/core/spec/parse';
import { jobOf, ROOT, specOf } from './helpers/specJobs';

const SAMPLE = readFileSync(path.join(ROOT, 'test/fixtures/comfy/sample-output.png'));
const STUDY = `name: bamboo portrait
model: qwen-image-2512
prompt: A photorealistic portrait of a young East Asian woman, sunlit bamboo forest
negative: deformed, blurry, low quality
seed: 123456789
size: 1024x1024
sampler: dpmpp_2m
scheduler: karras
cfg: 7.0
shift: 2.5
steps: [40]
`;

/** The settings a job of the spec's first cell would run with (a template fills in an unset shift). */
function settingsOf(text: string) {
  const spec = specOf(text);
  const { inputs: _i, ...s } = jobOf(spec, spec.steps[0]);
  const shift = s.shift ?? (spec.model ? TEMPLATES[spec.model].defaults.shift : undefined);
  return { model: spec.model, models: spec.models, ...s, ...(shift !== undefined ? { shift } : {}) };
}

test('round trip: a spec → its graph → a PNG prompt chunk → a spec that runs the same settings', () => {
  const spec = specOf(STUDY);
  const graph = buildGraph(spec, jobOf(spec, 40)).graph;
  const png = withPngText(SAMPLE, { prompt: JSON.stringify(graph) });
  const made = specFromPng(png, 'bamboo portrait', 'bamboo-portrait.api.json');
  assert.equal(made.kind, 'template', made.reason);
  assert.deepEqual(settingsOf(made.text), settingsOf(STUDY));
  assert.deepEqual(buildGraph(specOf(made.text), jobOf(specOf(made.text), 40)).graph, graph, 'the very same graph is sent again');
});

test('the GGUF and checkpoint templates round-trip too, with their model files and a LoRA', () => {
  for (const extra of [
    'model: qwen-image-gguf\nmodels: { unet: my-q8.gguf }\n',
    'model: sd-checkpoint\nmodels: { checkpoint: dream.safetensors, lora: ink.safetensors, loraStrength: 0.7 }\n',
  ]) {
    const text = `name: t\n${extra}prompt: a red fox\nseed: 7\nsteps: [12]\nsize: 512x512\n`;
    const spec = specOf(text);
    const made = specFromGraph(buildGraph(spec, jobOf(spec, 12)).graph, 't', 't.api.json');
    assert.equal(made.kind, 'template', made.reason);
    assert.deepEqual(settingsOf(made.text), settingsOf(text));
  }
});

test('ComfyUI’s own output image maps onto the checkpoint template with its prompt, seed and steps', () => {
  const made = specFromPng(SAMPLE, 'lighthouse', 'lighthouse.api.json');
  assert.equal(made.kind, 'template');
  const spec = specOf(made.text);
  assert.equal(spec.model, 'sd-checkpoint');
  assert.equal(spec.models.checkpoint, 'tiny_sd15_random.safetensors');
  assert.equal(spec.prompt, 'a lighthouse at dusk');
  assert.deepEqual(spec.steps, [20]);
  assert.equal(spec.repeats, 1);
});

test('a graph the templates cannot rebuild is referenced as the workflow, keeping prompt, seed and steps', () => {
  const spec = specOf(STUDY);
  const graph = buildGraph(spec, jobOf(spec, 40)).graph;
  graph['99'] = { class_type: 'FreeU_V2', inputs: { model: ['66', 0], b1: 1.3, b2: 1.4, s1: 0.9, s2: 0.2 } };
  graph['3'].inputs.model = ['99', 0];
  const made = specFromGraph(graph, 'bamboo portrait', 'bamboo-portrait.api.json');
  assert.equal(made.kind, 'workflow');
  assert.equal(made.graph, graph);
  const parsed = parseSpecs(made.text);
  assert.deepEqual(
    parsed.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const s = parsed.specs[0];
  assert.equal(s.workflow, 'bamboo-portrait.api.json');
  assert.equal(s.prompt, 'A photorealistic portrait of a young East Asian woman, sunlit bamboo forest');
  assert.equal(s.seed, 123456789);
  assert.deepEqual(s.steps, [40]);
  assert.ok(!('cfg' in s.fieldRanges), 'fields left out keep the graph’s own values');
  // Run against the saved graph, the spec gives back the image's graph.
  assert.deepEqual(buildGraph(s, jobOf(s, 40), graph).graph, graph);
});

test('a PNG without a graph says so', () => {
  const bare = Buffer.concat([SAMPLE.subarray(0, 33), SAMPLE.subarray(SAMPLE.indexOf('IDAT') - 4)]);
  assert.throws(() => specFromPng(bare, 'x', 'x.api.json'), NoGraphInImageError);
});

test('a PNG of the subgraph Qwen-Image-2512 template: steps read through its switch, and the spec runs on the saved graph', () => {
  // The prompt chunk ComfyUI writes for this workflow: the API graph with the subgraph's nodes as 197:<id>.
  const graph = JSON.parse(readFileSync(path.join(ROOT, 'test/fixtures/graphs/qwen-image-2512.template.api.json'), 'utf8'));
  const png = withPngText(SAMPLE, { prompt: JSON.stringify(graph), workflow: '{"nodes": [], "links": []}' });
  const made = specFromPng(png, 'alley', 'alley.api.json');
  assert.equal(made.kind, 'workflow', 'switch nodes are not in any built-in template');
  const parsed = parseSpecs(made.text);
  assert.deepEqual(
    parsed.diagnostics.filter((d) => d.severity === 'error'),
    [],
  );
  const s = parsed.specs[0];
  assert.deepEqual(s.steps, [50], 'the KSampler takes steps from "Switch (Steps)" → the 50-step primitive (turbo off)');
  assert.equal(s.seed, 264521152135582);
  assert.match(s.prompt, /^Urban alleyway at dusk/);
  assert.deepEqual(graphProblems(s, { graph: made.graph! }).diagnostics, []);
  const rebuilt = buildGraph(s, jobOf(s, 50), made.graph!).graph;
  // (A spec's prompt is trimmed: the template's text ends in a newline.)
  graph['197:180'].inputs.text = graph['197:180'].inputs.text.trim();
  assert.deepEqual(rebuilt, graph, 'run on the saved graph, the spec gives back the image’s graph');
});
