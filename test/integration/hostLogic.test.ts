// The extension's own decisions that need no server: settings repair, lens figures, YAML positions.
import * as assert from 'node:assert/strict';
import { normalizeServerUrl, readQwenConfig } from '../../src/platform/config';
import { stepFigures } from '../../src/features/runs/runHistory';
import { valueKindOf } from '../../src/features/spec/specCompletions';
import { yamlContextAt } from '../../src/features/spec/yamlContext';
import type { ColumnStats, RunRecord } from '../../src/shared/runRecord';

function record(stats: Partial<ColumnStats>[]): RunRecord {
  return { stats: stats.map((s) => ({ column: '', axes: {}, cachedCount: 0, failedCount: 0, ...s })) } as RunRecord;
}

suite('host logic', () => {
  test('settings out of range are repaired, not trusted', () => {
    const values: Record<string, unknown> = {
      'comfy.url': ' 192.168.1.5:8188/ ',
      defaultSteps: [20, 0, 20, 40.4, 'x'],
      repeats: 1000,
      watchdogMinutes: -3,
      'convergence.threshold': 7,
      'comfy.servers': ['http://a:1', { url: 'https://b/proxy/', name: 'rented' }, { name: 'no url' }, 'ftp://c'],
    };
    const c = readQwenConfig((k) => values[k]);
    assert.equal(c.comfyUrl, 'http://192.168.1.5:8188');
    assert.deepEqual(c.defaultSteps, [20, 40]);
    assert.equal(c.repeats, 100);
    assert.equal(c.watchdogMinutes, 1);
    assert.equal(c.convergenceThreshold, 0.95, 'a threshold above 1 falls back to the default');
    assert.equal(readQwenConfig((k) => (k === 'convergence.threshold' ? 0.9 : undefined)).convergenceThreshold, 0.9);
    assert.deepEqual(c.servers, [{ url: 'http://a:1' }, { url: 'https://b/proxy', name: 'rented' }]);
    assert.equal(c.runsFolder, '.qwenprompt-runs');
    assert.equal(readQwenConfig(() => undefined).comfyUrl, 'http://127.0.0.1:8188');
    assert.equal(normalizeServerUrl('file:///etc/passwd'), undefined);
  });

  test('a step lens shows the newest plain time for its step count; sweep columns do not count', () => {
    const newest = record([
      { axes: { steps: 20, cfg: 6.5 }, all: { n: 1, mean: 1, sd: 0, min: 1, max: 1 } },
      { axes: { steps: 40 }, warm: { n: 2, mean: 143_000, sd: 0, min: 0, max: 0 }, all: { n: 3, mean: 150_000, sd: 0, min: 0, max: 0 } },
    ]);
    const older = record([
      { axes: { steps: 20 }, all: { n: 3, mean: 58_300, sd: 0, min: 0, max: 0 } },
      { axes: { steps: 40 }, all: { n: 3, mean: 99_000, sd: 0, min: 0, max: 0 } },
    ]);
    const figures = stepFigures([newest, older]);
    assert.equal(figures.get(20), 58_300, 'the sweep column of the newer run is not a 20-step figure');
    assert.equal(figures.get(40), 143_000, 'newest run, warm runs first');
    assert.equal(figures.get(60), undefined);
  });

  test('the cursor position in a spec is read by indentation, even when the YAML does not parse yet', () => {
    const lines = [
      'name: x',
      'prompt: >',
      '  a cat',
      'models:',
      '  unet: qwen',
      '  cl',
      'sweep:',
      '  sampler: [euler, dpm',
      'steps:',
      '- 20',
    ];
    assert.deepEqual(yamlContextAt(lines, 2, 3), { kind: 'none' }, 'inside the prompt text');
    assert.deepEqual(yamlContextAt(lines, 4, 12), { kind: 'value', path: ['models', 'unet'], prefix: 'qwen' });
    assert.deepEqual(yamlContextAt(lines, 5, 4), { kind: 'key', parent: ['models'], prefix: 'cl' });
    assert.deepEqual(yamlContextAt(lines, 7, 22), { kind: 'value', path: ['sweep', 'sampler'], prefix: 'dpm' });
    assert.deepEqual(yamlContextAt(lines, 9, 4), { kind: 'value', path: ['steps'], prefix: '20' });
    assert.equal(valueKindOf(['sweep', 'sampler']), 'sampler');
    assert.equal(valueKindOf(['models', 'vae']), 'vae');
    assert.equal(valueKindOf(['prompt']), undefined);
  });
});
