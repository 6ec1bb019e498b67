// The lens tooltips' count of what a run queues: images, and the axes they cross.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { queueSummary } from '../../src/core/runs/queueSummary';
import { parseSpecs } from '../../src/core/spec/parse';

const spec = (text: string) => parseSpecs(text).specs[0];

describe('queue summary', () => {
  it('counts steps × seeds, as ▶ All queues them', () => {
    assert.equal(queueSummary(spec('prompt: a fox\nsteps: [20, 40, 60]\nrepeats: 3\n')), 'Queues 9 images: steps 20/40/60 × 3 seeds.');
    assert.equal(
      queueSummary(spec('prompt: a fox\nsteps: [20, 40, 60]\nrepeats: 3\n'), { steps: [40] }),
      'Queues 3 images: steps 40 × 3 seeds.',
    );
  });

  it('crosses the sweep axes for ▶ Sweep and leaves them out otherwise; the repeats setting overrides the spec', () => {
    const s = spec('prompt: a fox\nsteps: [20, 40]\nrepeats: 2\nsweep:\n  cfg: [6.5, 7]\n  sampler: [euler, dpmpp_2m]\n');
    assert.equal(queueSummary(s, { includeSweep: true }), 'Queues 16 images: steps 20/40 × cfg 6.5/7 × sampler euler/dpmpp_2m × 2 seeds.');
    assert.equal(queueSummary(s), 'Queues 4 images: steps 20/40 × 2 seeds.');
    assert.equal(queueSummary(s, { repeats: 1 }), 'Queues 2 images: steps 20/40 × 1 seed.');
  });

  it('a variant with steps of its own: the number of settings', () => {
    const s = spec('prompt: a fox\nsteps: [20]\nrepeats: 2\nvariants:\n  - name: base\n  - name: long\n    steps: [40, 60]\n');
    assert.equal(queueSummary(s), 'Queues 6 images: 3 settings × 2 seeds.');
    assert.equal(queueSummary(s, { variants: ['long'] }), 'Queues 4 images: steps 40/60 × 2 seeds.');
  });
});
