// Run against run: the fields that differ head the comparison and title its columns; a pair without an
// image says why.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { noImageReason, runTitle, specChanges } from '../../webview-ui/view/runDiff';
import type { CellRecord, RunRecord } from '../../src/shared/runRecord';

const record = (resolved: object): RunRecord =>
  ({ createdAt: '2026-12-08T00:10:00Z', spec: { file: 'a.qwenprompt', name: 'x', id: 'x', resolved } }) as unknown as RunRecord;

describe('run diff', () => {
  it('lists the fields that differ, nested ones by path, names left out', () => {
    const a = record({ name: 'x', cfg: 5, steps: [6, 12], models: { unet: 'a.safetensors' }, sweep: [] });
    const b = record({ name: 'y', cfg: 7, steps: [6], models: { unet: 'b.safetensors' }, sweep: [] });
    const changes = specChanges(a, b);
    assert.deepEqual(changes, [
      { key: 'cfg', a: '5', b: '7' },
      { key: 'steps', a: '6, 12', b: '6' },
      { key: 'models.unet', a: 'a.safetensors', b: 'b.safetensors' },
    ]);
    assert.match(runTitle('A', a, changes), /^A · .+ · cfg 5, steps 6, 12, \+1 more$/);
    assert.deepEqual(specChanges(a, a), []);
    assert.match(runTitle('B', a, []), /^B · [^·]+$/);
  });

  it('says why a pair lacks an image', () => {
    const cell = (c: Partial<CellRecord>) => ({ images: [], ...c }) as CellRecord;
    assert.equal(noImageReason('B', undefined), 'Run B has no image at this setting: its spec did not ask for it');
    assert.equal(noImageReason('A', cell({ status: 'failed', error: 'OOM' })), 'Failed in run A: OOM');
    assert.equal(noImageReason('B', cell({ status: 'cancelled', endReason: 'cancelledInQueue' })), 'Cancelled (not run) in run B');
    assert.equal(
      noImageReason('B', cell({ status: 'lost', endReason: 'serverForgot' })),
      'Lost in run B: the server restarted and forgot it',
    );
    assert.equal(noImageReason('A', cell({ status: 'queued' })), 'Not made: run A ended before it');
  });
});
