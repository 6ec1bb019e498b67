// One frontend rule at a time, on small UI workflows built here, converted against the recorded
// /object_info of a real ComfyUI server.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { realObjectInfo } from './helpers/specJobs';
import type { ObjectInfo } from '../../src/core/comfy/objectInfo';
import { convertUiWorkflow } from '../../src/core/comfy/workflow/uiFormat/convert';

const info = realObjectInfo();
type Slot = { name: string; type: string; link?: number | null; links?: number[]; widget?: { name: string } };
type N = { id: number; type: string; mode?: number; inputs?: Slot[]; outputs?: Slot[]; widgets_values?: unknown[]; title?: string };
type L = [number, number, number, number, number, string];

const ui = (nodes: N[], links: L[], extra: Record<string, unknown> = {}) => ({
  nodes: nodes.map((n, order) => ({ mode: 0, order, inputs: [], outputs: [], properties: {}, ...n })),
  links,
  ...extra,
});
const convert = (w: unknown, i: ObjectInfo = info, random?: () => number) => convertUiWorkflow(w, i, { random });

const ckpt = (links: number[][] = [[], [], []]): N => ({
  id: 4,
  type: 'CheckpointLoaderSimple',
  outputs: ['MODEL', 'CLIP', 'VAE'].map((t, i) => ({ name: t, type: t, links: links[i] })),
  widgets_values: ['tiny_sd15_random.safetensors'],
});
const sampler = (modelLink: number | null, more: Slot[] = [], values: unknown[] = [1, 'fixed', 20, 8, 'euler', 'normal', 1]): N => ({
  id: 3,
  type: 'KSampler',
  inputs: [{ name: 'model', type: 'MODEL', link: modelLink }, ...more],
  outputs: [{ name: 'LATENT', type: 'LATENT', links: [] }],
  widgets_values: values,
});

describe('widget values are named by the /object_info inputs', () => {
  it('skips the control_after_generate value after a seed, and sends the rest in input order', () => {
    const { graph } = convert(ui([sampler(null, [], [5, 'increment', 30, 7.5, 'dpmpp_2m', 'karras', 0.8])], []));
    assert.deepEqual(graph['3'].inputs, { seed: 5, steps: 30, cfg: 7.5, sampler_name: 'dpmpp_2m', scheduler: 'karras', denoise: 0.8 });
  });

  it('gives a combo with control_after_generate two frontend-only widgets, and an INT with it false none', () => {
    const custom: ObjectInfo = {
      Pick: {
        input: { required: { choice: [['a', 'b'], { control_after_generate: true }], seed: ['INT', { control_after_generate: false }] } },
        output: [],
        output_node: true,
      },
    };
    const { graph } = convert(ui([{ id: 1, type: 'Pick', widgets_values: ['b', 'randomize', '', 9] }], []), custom);
    assert.deepEqual(graph['1'].inputs, { choice: 'b', seed: 9 });
  });

  it("leaves out LoadImage's upload button value", () => {
    const { graph } = convert(ui([{ id: 1, type: 'LoadImage', widgets_values: ['cat.png', 'image'] }], []));
    assert.deepEqual(graph['1'].inputs, { image: 'cat.png' });
  });

  it('runs dynamic prompts as the frontend serializes them: comments out, one {a|b} option chosen', () => {
    const enc: N = {
      id: 6,
      type: 'CLIPTextEncode',
      inputs: [{ name: 'clip', type: 'CLIP', link: null }],
      widgets_values: ['a {red|blue} car // note'],
    };
    assert.equal(convert(ui([enc], []), info, () => 0).graph['6'].inputs.text, 'a red car ');
    assert.equal(convert(ui([enc], []), info, () => 0.99).graph['6'].inputs.text, 'a blue car ');
  });

  it('notes a node whose saved values do not fit its class (the node changed since)', () => {
    const { notes } = convert(ui([sampler(null, [], [1, 'fixed', 20])], []));
    assert.match(notes.join('\n'), /node 3 \(KSampler\) saved 3 widget values but the server's class has 7 widgets/);
  });
});

/** Checkpoint 4 → LoraLoaderModelOnly 7 (in this mode) → KSampler 3. */
const loraBetween = (mode: number) =>
  ui(
    [
      ckpt([[1], [], []]),
      {
        id: 7,
        type: 'LoraLoaderModelOnly',
        mode,
        inputs: [{ name: 'model', type: 'MODEL', link: 1 }],
        outputs: [{ name: 'MODEL', type: 'MODEL', links: [2] }],
        widgets_values: ['x.safetensors', 1],
      },
      sampler(2),
    ],
    [
      [1, 4, 0, 7, 0, 'MODEL'],
      [2, 7, 0, 3, 0, 'MODEL'],
    ],
  );

describe('frontend-only nodes and node modes', () => {
  it('drops Note and MarkdownNote', () => {
    const { graph } = convert(
      ui([{ id: 1, type: 'Note', widgets_values: ['hi'] }, { id: 2, type: 'MarkdownNote', widgets_values: ['# hi'] }, ckpt()], []),
    );
    assert.deepEqual(Object.keys(graph), ['4']);
  });

  it('follows a Reroute to the node behind it', () => {
    const reroute: N = {
      id: 10,
      type: 'Reroute',
      inputs: [{ name: '', type: '*', link: 1 }],
      outputs: [{ name: '', type: 'MODEL', links: [2] }],
    };
    const { graph } = convert(
      ui(
        [ckpt([[1], [], []]), reroute, sampler(2)],
        [
          [1, 4, 0, 10, 0, 'MODEL'],
          [2, 10, 0, 3, 0, 'MODEL'],
        ],
      ),
    );
    assert.deepEqual(graph['3'].inputs.model, ['4', 0]);
    assert.equal(graph['10'], undefined);
  });

  it("copies a legacy PrimitiveNode's value onto the widget it feeds, over the widget's stale value", () => {
    const primitive: N = {
      id: 10,
      type: 'PrimitiveNode',
      outputs: [{ name: 'INT', type: 'INT', links: [5], widget: { name: 'steps' } }],
      widgets_values: [33, 'fixed'],
    };
    const steps: Slot = { name: 'steps', type: 'INT', widget: { name: 'steps' }, link: 5 };
    const { graph } = convert(ui([primitive, sampler(null, [steps])], [[5, 10, 0, 3, 1, 'INT']]));
    assert.equal(graph['3'].inputs.steps, 33);
    assert.equal(graph['10'], undefined);
  });

  it('passes a bypassed node (mode 4) through its input of the matching type', () => {
    const { graph } = convert(loraBetween(4));
    assert.deepEqual(graph['3'].inputs.model, ['4', 0]);
    assert.equal(graph['7'], undefined);
  });

  it('leaves out a muted node (mode 2) and the inputs linked to it', () => {
    const { graph } = convert(loraBetween(2));
    assert.equal(graph['7'], undefined);
    assert.equal('model' in graph['3'].inputs, false);
  });
});

describe('subgraphs', () => {
  // Definition B: its input 0 (STRING, a widget) and input 1 (CLIP) feed CLIPTextEncode 9, whose output is B's output.
  const defB = {
    id: 'bbbb',
    name: 'B',
    inputs: [
      { name: 'text', type: 'STRING', linkIds: [21] },
      { name: 'clip', type: 'CLIP', linkIds: [22] },
    ],
    outputs: [{ name: 'CONDITIONING', type: 'CONDITIONING', linkIds: [23] }],
    nodes: [
      {
        id: 9,
        type: 'CLIPTextEncode',
        mode: 0,
        order: 0,
        inputs: [
          { name: 'clip', type: 'CLIP', link: 22 },
          { name: 'text', type: 'STRING', widget: { name: 'text' }, link: 21 },
        ],
        outputs: [{ name: 'CONDITIONING', type: 'CONDITIONING', links: [23] }],
        properties: {},
        widgets_values: ['inner default'],
      },
    ],
    links: [
      { id: 21, origin_id: -10, origin_slot: 0, target_id: 9, target_slot: 1, type: 'STRING' },
      { id: 22, origin_id: -10, origin_slot: 1, target_id: 9, target_slot: 0, type: 'CLIP' },
      { id: 23, origin_id: 9, origin_slot: 0, target_id: -20, target_slot: 0, type: 'CONDITIONING' },
    ],
  };
  // Definition A holds instance 7 of B and passes its own inputs and output through.
  const defA = {
    id: 'aaaa',
    name: 'A',
    inputs: [
      { name: 'text', type: 'STRING', linkIds: [11] },
      { name: 'clip', type: 'CLIP', linkIds: [12] },
    ],
    outputs: [{ name: 'CONDITIONING', type: 'CONDITIONING', linkIds: [13] }],
    nodes: [
      {
        id: 7,
        type: 'bbbb',
        mode: 0,
        order: 0,
        inputs: [
          { name: 'text', type: 'STRING', widget: { name: 'text' }, link: 11 },
          { name: 'clip', type: 'CLIP', link: 12 },
        ],
        outputs: [{ name: 'CONDITIONING', type: 'CONDITIONING', links: [13] }],
        properties: {},
        widgets_values: ['middle value'],
      },
    ],
    links: [
      { id: 11, origin_id: -10, origin_slot: 0, target_id: 7, target_slot: 0, type: 'STRING' },
      { id: 12, origin_id: -10, origin_slot: 1, target_id: 7, target_slot: 1, type: 'CLIP' },
      { id: 13, origin_id: 7, origin_slot: 0, target_id: -20, target_slot: 0, type: 'CONDITIONING' },
    ],
  };
  const root = (instanceValues: unknown[] | undefined, mode = 0) =>
    ui(
      [
        ckpt([[], [1], []]),
        {
          id: 5,
          type: 'aaaa',
          mode,
          inputs: [
            { name: 'text', type: 'STRING', widget: { name: 'text' }, link: null },
            { name: 'clip', type: 'CLIP', link: 1 },
          ],
          outputs: [{ name: 'CONDITIONING', type: 'CONDITIONING', links: [2] }],
          ...(instanceValues ? { widgets_values: instanceValues } : {}),
        },
        sampler(null, [{ name: 'positive', type: 'CONDITIONING', link: 2 }]),
      ],
      [
        [1, 4, 1, 5, 1, 'CLIP'],
        [2, 5, 0, 3, 1, 'CONDITIONING'],
      ],
      { definitions: { subgraphs: [defA, defB] } },
    );

  it('flattens nested instances into path ids and links through their inputs and outputs', () => {
    const { graph, notes } = convert(root(['outer value']));
    assert.deepEqual(Object.keys(graph).sort(), ['3', '4', '5:7:9']);
    assert.deepEqual(graph['5:7:9'].inputs, { text: 'outer value', clip: ['4', 1] });
    assert.deepEqual(graph['3'].inputs.positive, ['5:7:9', 0]);
    assert.deepEqual(notes, []);
  });

  it("an instance without a saved value for a widget input gives the inner widget's value", () => {
    assert.equal(convert(root(undefined)).graph['5:7:9'].inputs.text, 'inner default');
  });

  it('a muted instance leaves out everything inside it', () => {
    const { graph } = convert(root(['x'], 2));
    assert.deepEqual(Object.keys(graph).sort(), ['3', '4']);
    assert.equal('positive' in graph['3'].inputs, false);
  });
});

describe('legacy group nodes (extra.groupNodes)', () => {
  // A checkpoint loader linked inside the group to a text encoder. The group's widgets are the inner
  // widgets in node order (ckpt_name, text); its outputs are the inner outputs not linked inside it
  // (MODEL, VAE) and the ones used outside it (CONDITIONING).
  const groupNodes = {
    Encode: {
      nodes: [
        {
          type: 'CheckpointLoaderSimple',
          outputs: ['MODEL', 'CLIP', 'VAE'].map((t) => ({ name: t, type: t })),
          widgets_values: ['old.safetensors'],
        },
        {
          type: 'CLIPTextEncode',
          inputs: [{ name: 'clip', type: 'CLIP' }],
          outputs: [{ name: 'CONDITIONING', type: 'CONDITIONING' }],
          widgets_values: ['old text'],
        },
      ],
      links: [[0, 1, 1, 0, 4, 'CLIP']],
      external: [[1, 0, 'CONDITIONING']],
    },
  };
  const instance: N = {
    id: 12,
    type: 'workflow>Encode',
    outputs: [
      { name: 'MODEL', type: 'MODEL', links: [1] },
      { name: 'VAE', type: 'VAE', links: [] },
      { name: 'CONDITIONING', type: 'CONDITIONING', links: [2] },
    ],
    widgets_values: ['tiny_sd15_random.safetensors', 'hello'],
  };
  const workflow = () =>
    ui(
      [instance, sampler(1, [{ name: 'positive', type: 'CONDITIONING', link: 2 }])],
      [
        [1, 12, 0, 3, 0, 'MODEL'],
        [2, 12, 2, 3, 1, 'CONDITIONING'],
      ],
      { extra: { groupNodes } },
    );

  it('expands an instance into group:index nodes with the group widget values and links', () => {
    const { graph, notes } = convert(workflow());
    assert.deepEqual(Object.keys(graph).sort(), ['12:0', '12:1', '3']);
    assert.deepEqual(graph['12:0'].inputs, { ckpt_name: 'tiny_sd15_random.safetensors' });
    assert.deepEqual(graph['12:1'].inputs, { text: 'hello', clip: ['12:0', 1] });
    assert.deepEqual(graph['3'].inputs.model, ['12:0', 0]);
    assert.deepEqual(graph['3'].inputs.positive, ['12:1', 0]);
    assert.deepEqual(notes, []);
  });

  it('notes an instance whose definition is missing', () => {
    const w = { ...workflow(), extra: {} };
    assert.match(
      convert(w).notes.join('\n'),
      /node 12 is the group node "Encode", whose definition is not in the workflow's extra.groupNodes/,
    );
  });
});
