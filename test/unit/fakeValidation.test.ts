// The test server validates POST /prompt as ComfyUI does (comfy_execution/validation.py
// validate_node_input and execution.py validate_inputs), and runs the converted official templates.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RawSocket } from '../fakes/rawClient';
import { convertUiWorkflow } from '../../src/core/comfy/workflow/uiFormat/convert';
import { post, run, withServer, type Graph } from './helpers/fakeComfy';
import { readRepoFile, realObjectInfo } from './helpers/specJobs';

const template2512 = () => JSON.parse(readRepoFile('test/fixtures/workflows/image_qwen_Image_2512.json')) as Record<string, unknown>;
const converted = (wf: unknown) => convertUiWorkflow(wf, realObjectInfo()).graph as Graph;

/** PrimitiveInt → ComfyNumberConvert (value: INT,FLOAT,STRING,BOOLEAN) → PreviewAny (source: *). */
const unionGraph = (): Graph => ({
  '1': { class_type: 'PrimitiveInt', inputs: { value: 7 } },
  '2': { class_type: 'ComfyNumberConvert', inputs: { value: ['1', 0] } },
  '3': { class_type: 'PreviewAny', inputs: { source: ['2', 0] } },
});

describe('the test server validates links as ComfyUI does', () => {
  it('accepts links into and out of COMFY_MATCHTYPE_V3 sockets (the 2512 template’s switches)', async () => {
    await withServer({}, async (s) => {
      const res = await post(s, converted(template2512()));
      assert.equal(res.status, 200, res.text);
    });
  });

  it('accepts a link whose type is one of a comma-separated union, and anything into *', async () => {
    await withServer({}, async (s) => {
      const res = await post(s, unionGraph());
      assert.equal(res.status, 200, res.text);
    });
  });

  it('rejects a type outside the union with the real return_type_mismatch body', async () => {
    await withServer({}, async (s) => {
      const g = unionGraph();
      g['4'] = { class_type: 'CLIPTextEncode', inputs: { text: 'x', clip: ['5', 0] } };
      g['5'] = { class_type: 'CheckpointLoaderSimple', inputs: { ckpt_name: 'tiny_sd15_random.safetensors' } };
      g['2'].inputs.value = ['4', 0];
      const res = await post(s, g);
      assert.equal(res.status, 400);
      assert.deepEqual(res.json.node_errors['2'], {
        errors: [
          {
            type: 'return_type_mismatch',
            message: 'Return type mismatch between linked nodes',
            details: 'value, received_type(CONDITIONING) mismatch input_type(INT,FLOAT,STRING,BOOLEAN)',
            extra_info: {
              input_name: 'value',
              input_config: ['INT,FLOAT,STRING,BOOLEAN', { display_name: 'value' }],
              received_type: 'CONDITIONING',
              linked_node: ['4', 0],
            },
          },
        ],
        dependent_outputs: ['3'],
        class_type: 'ComfyNumberConvert',
      });
    });
  });

  it('still checks required inputs of a match-type node and the combo values beside it', async () => {
    await withServer({}, async (s) => {
      const g = converted(template2512());
      delete g['197:185'].inputs.on_true;
      g['197:186'].inputs.unet_name = 'missing.safetensors';
      const res = await post(s, g);
      assert.equal(res.status, 400);
      assert.equal(res.json.node_errors['197:185'].errors[0].type, 'required_input_missing');
      assert.equal(res.json.node_errors['197:185'].errors[0].details, 'on_true');
      assert.equal(res.json.node_errors['197:186'].errors[0].type, 'value_not_in_list');
    });
  });
});

describe('the test server runs the converted official Qwen-Image-2512 template', () => {
  for (const turbo of [false, true]) {
    it(`samples the steps its switches choose (turbo ${turbo ? 'on: 4' : 'off: 50'} steps), runs only the chosen branches, and saves an image`, async () => {
      const wf = template2512();
      const instance = (wf.nodes as { id: number; widgets_values: unknown[] }[]).find((n) => n.id === 197)!;
      instance.widgets_values[3] = turbo;
      await withServer({}, async (s) => {
        const sock = await RawSocket.open(s.url, { clientId: `t${turbo}` });
        try {
          const { msgs, executing } = await run(s, sock, converted(wf));
          const progress = msgs.filter((m) => m.type === 'progress' && m.data.node === '197:194');
          assert.equal(progress.at(-1)?.data.max, turbo ? 4 : 50);
          assert.ok(executing.includes('60'), 'the SaveImage ran');
          // The switches' lazy branches: only the selected side runs (the LoRA only with turbo on).
          assert.equal(executing.includes('197:189'), turbo, 'the LoRA loader runs only when selected');
          assert.equal(executing.includes('197:192'), !turbo, 'the 50-step primitive runs only when selected');
          const saved = msgs.find((m) => m.type === 'executed' && m.data.node === '60');
          assert.match(saved?.data.output.images[0].filename, /^Qwen-Image-2512_\d{5}_\.png$/);
        } finally {
          sock.close();
        }
      });
    });
  }
});

describe('the test server runs the converted official Qwen-Image and SD1.5 templates', () => {
  for (const [file, save, prefix] of [
    ['image_qwen_image.json', '60', 'ComfyUI'],
    ['default.json', '9', 'SD1.5'],
  ] as const) {
    it(`${file}: 20 steps sampled and an image saved`, async () => {
      const graph = converted(JSON.parse(readRepoFile(`test/fixtures/workflows/${file}`)));
      await withServer({}, async (s) => {
        const sock = await RawSocket.open(s.url, { clientId: file });
        try {
          const { msgs } = await run(s, sock, graph);
          assert.equal(msgs.filter((m) => m.type === 'progress').at(-1)?.data.max, 20);
          const saved = msgs.find((m) => m.type === 'executed' && m.data.node === save);
          assert.match(saved?.data.output.images[0].filename, new RegExp(`^${prefix.replace('.', '\\.')}_\\d{5}_\\.png$`));
        } finally {
          sock.close();
        }
      });
    });
  }
});
