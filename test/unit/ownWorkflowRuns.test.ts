// Workflows as ComfyUI saves them (UI format: the official Qwen-Image-2512 and Qwen-Image templates,
// the frontend's default SD1.5 graph, and examples/own-workflow's switch) run from a spec on the test
// server like a built-in template: a steps × cfg sweep, every image made, convergence scored.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RunRecord } from '../../src/shared/runRecord';
import { startFakeComfy } from '../fakes/comfyServer';
import { cli, workspace } from './helpers/cliInProcess';

type Graph = Record<string, { inputs: Record<string, unknown> }>;

const CASES: { name: string; file: string; extra: string[]; steps: (g: Graph) => unknown; cfg: (g: Graph) => unknown }[] = [
  {
    name: 'the official Qwen-Image-2512 template (subgraph, switches)',
    file: 'test/fixtures/workflows/image_qwen_Image_2512.json',
    extra: ['inputs:', '  Enable 4 Steps LoRA?.value: false'],
    steps: (g) => g['197:192'].inputs.value,
    cfg: (g) => g['197:183'].inputs.value,
  },
  {
    name: 'the official Qwen-Image template',
    file: 'test/fixtures/workflows/image_qwen_image.json',
    extra: [],
    steps: (g) => g['3'].inputs.steps,
    cfg: (g) => g['3'].inputs.cfg,
  },
  {
    name: "the frontend's default SD1.5 workflow",
    file: 'test/fixtures/workflows/default.json',
    extra: ['models: {checkpoint: tiny_sd15_random.safetensors}'],
    steps: (g) => g['3'].inputs.steps,
    cfg: (g) => g['3'].inputs.cfg,
  },
  {
    name: 'examples/own-workflow (steps from a switch between two primitives)',
    file: 'examples/workflows/fast-switch.json',
    extra: ['inputs:', '  Fast?.value: false'],
    steps: (g) => g['8'].inputs.value,
    cfg: (g) => g['5'].inputs.cfg,
  },
];

describe('UI workflows run from a spec with sweeps and convergence', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const fake = await startFakeComfy({ msPerStep: 1 });
      try {
        const { file } = workspace(
          [
            'name: own',
            'workflow: ./wf.json',
            'prompt: a red fox in snow',
            'seed: 3',
            'size: 64x64',
            'steps: [2, 4]',
            'sweep:',
            '  cfg: [3, 4]',
            ...c.extra,
          ],
          { 'wf.json': c.file },
        );
        const v = await cli(['validate', file]);
        assert.equal(v.code, 0, v.out + v.err);
        const r = await cli(['run', file, '--server', fake.url, '--sweep', '--json']);
        assert.equal(r.code, 0, r.err);
        const record = JSON.parse(r.out) as RunRecord;
        assert.equal(record.status, 'complete');
        assert.equal(record.cells.length, 4);
        for (const cell of record.cells) {
          const g = cell.graph as Graph;
          assert.equal(c.steps(g), cell.axes.steps, `${cell.column}: steps where the sampler takes them from`);
          assert.equal(c.cfg(g), cell.axes.cfg, `${cell.column}: cfg where the sampler takes it from`);
          assert.equal(cell.images.length, 1, `${cell.column} made its image`);
        }
        const groups = record.convergence?.groups ?? [];
        assert.deepEqual(
          groups.map((x) => [x.group, x.referenceSteps, x.points.length]),
          [
            ['cfg 3', 4, 2],
            ['cfg 4', 4, 2],
          ],
          'each cfg column pair scored against its 4-step image',
        );
      } finally {
        await fake.close();
      }
    });
  }
});
