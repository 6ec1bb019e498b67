import type { Spec } from '../../../src/core/spec/types';

const zero = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** A resolved spec as the parser gives it, with the step-count study's settings (dpmpp_2m/karras, cfg 7, 1024², steps 20/40/60). */
export function studySpec(over: Partial<Spec> = {}): Spec {
  return {
    index: 0,
    id: 'bamboo-portrait',
    name: 'bamboo portrait',
    range: zero,
    lensLine: 0,
    model: 'qwen-image-2512',
    models: {},
    prompt: 'A photorealistic portrait of a young East Asian woman wearing a light blue linen shirt',
    negative: 'deformed, blurry',
    seed: 123456789,
    width: 1024,
    height: 1024,
    sampler: 'dpmpp_2m',
    scheduler: 'karras',
    cfg: 7,
    denoise: 1,
    steps: [20, 40, 60],
    repeats: 3,
    sweep: [],
    inputs: {},
    fieldRanges: {},
    errorCount: 0,
    ...over,
  };
}
