import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { realObjectInfo } from './helpers/specJobs';
import { comboValues, inputRange, modelLists, type ObjectInfo } from '../../src/core/comfy/objectInfo';
import { KNOWN_SAMPLERS, KNOWN_SCHEDULERS } from '../../src/core/spec/knownNames';

const info = realObjectInfo();

describe("object_info helpers on a real server's answer", () => {
  it('reads classic combo lists: the samplers and schedulers the spec knows', () => {
    assert.deepEqual(comboValues(info, 'KSampler', 'sampler_name'), [...KNOWN_SAMPLERS]);
    assert.deepEqual(comboValues(info, 'KSampler', 'scheduler'), [...KNOWN_SCHEDULERS]);
    assert.deepEqual(comboValues(info, 'UNETLoader', 'weight_dtype'), ['default', 'fp8_e4m3fn', 'fp8_e4m3fn_fast', 'fp8_e5m2']);
    assert.ok(comboValues(info, 'CLIPLoader', 'type')?.includes('qwen_image'));
    assert.deepEqual(comboValues(info, 'CLIPLoader', 'device'), ['default', 'cpu'], 'optional inputs too');
  });

  it('reads V3 COMBO options', () => {
    assert.deepEqual(comboValues(info, 'LatentCut', 'dim'), ['x', 'y', 't']);
  });

  it('answers undefined for unknown classes, unknown inputs and non-combos', () => {
    assert.equal(comboValues(info, 'UnetLoaderGGUF', 'unet_name'), undefined);
    assert.equal(comboValues(info, 'KSampler', 'nope'), undefined);
    assert.equal(comboValues(info, 'KSampler', 'steps'), undefined);
  });

  it('reads number bounds and steps, as the latent nodes declare them', () => {
    assert.deepEqual(inputRange(info, 'EmptySD3LatentImage', 'width'), { type: 'INT', min: 16, max: 16384, step: 16, default: 1024 });
    assert.deepEqual(inputRange(info, 'EmptyLatentImage', 'width'), { type: 'INT', min: 16, max: 16384, step: 8, default: 512 });
    assert.deepEqual(inputRange(info, 'KSampler', 'steps'), { type: 'INT', min: 1, max: 10000, default: 20 });
    assert.deepEqual(inputRange(info, 'KSampler', 'cfg'), { type: 'FLOAT', min: 0, max: 100, step: 0.1, default: 8 });
    assert.equal(inputRange(info, 'KSampler', 'sampler_name')?.type, 'COMBO');
    assert.equal(inputRange(info, 'Nope', 'x'), undefined);
  });

  it('lists the model files per loader, empty where the server has none or lacks the loader', () => {
    assert.deepEqual(modelLists(info), {
      checkpoints: ['tiny_sd15_random.safetensors'],
      unets: [],
      clips: [],
      vaes: ['pixel_space'],
      loras: [],
      ggufUnets: [],
      ggufClips: [],
    });
  });

  it('reads model lists in either combo encoding', () => {
    const v3: ObjectInfo = {
      UNETLoader: { input: { required: { unet_name: ['COMBO', { options: ['a.safetensors', 'b.safetensors'] }] } }, output: ['MODEL'] },
      UnetLoaderGGUF: { input: { required: { unet_name: [['q.gguf']] } }, output: ['MODEL'] },
      LoraLoader: { input: { required: { lora_name: [['l.safetensors']] } }, output: ['MODEL', 'CLIP'] },
    };
    const m = modelLists(v3);
    assert.deepEqual([m.unets, m.ggufUnets, m.loras], [['a.safetensors', 'b.safetensors'], ['q.gguf'], ['l.safetensors']]);
  });
});
