import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpecs, parseSpecsSliced } from '../../src/core/spec/parse';

/** n specs, one of them broken, salted so no earlier test has them in the parser's cache. */
function bigFile(n: number, salt: string): string {
  return Array.from({ length: n }, (_, k) =>
    [
      `name: ${salt} ${k}`,
      'model: qwen-image-2512',
      `prompt: a lighthouse at dusk, variant ${k}`,
      `seed: ${1000 + k}`,
      k === 7 ? 'steps: [20, fourty]' : 'steps: [20, 40, 60]',
      'sweep:',
      '  cfg: [3.5, 4.5]',
      '',
    ].join('\n'),
  ).join('---\n');
}

describe('parsing a large file in slices', () => {
  it('gives the same specs and diagnostics, on the same lines, as a parse in one piece', async () => {
    const text = bigFile(120, 'sliced-same');
    const sliced = await parseSpecsSliced(text, { sliceMs: 1 });
    assert.deepEqual(sliced, parseSpecs(text));
    assert.equal(sliced.specs.length, 120);
    const broken = sliced.diagnostics.filter((d) => d.severity === 'error');
    assert.equal(broken.length, 1);
    assert.equal(broken[0].specIndex, 7);
    assert.equal(text.split('\n')[broken[0].range.start.line].startsWith('steps:'), true);
  });

  it('lets other work run while a new file is parsed, instead of blocking until it is done', async () => {
    let ranBetween = 0;
    const tick = setInterval(() => ranBetween++, 0);
    try {
      // 200 new documents take tens of ms to parse: a 1 ms slice must hand the event loop back many times.
      await parseSpecsSliced(bigFile(200, 'sliced-yield'), { sliceMs: 1 });
    } finally {
      clearInterval(tick);
    }
    assert.ok(ranBetween > 0, 'a timer ran while the file was being parsed');
  });

  it('stops between slices when its signal is aborted (the document changed again)', async () => {
    const ctl = new AbortController();
    const parsing = parseSpecsSliced(bigFile(200, 'sliced-abort'), { sliceMs: 1, signal: ctl.signal });
    ctl.abort(new Error('edited'));
    await assert.rejects(parsing, /edited/);
  });
});
