// The panel's "↻ Resume (n missing)" button: when it is offered and what it counts. The editor's lens
// uses the same count (src/shared/resume.ts), so the two never disagree.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resumableCount, resumeLabel } from '../../webview-ui/view/resume';
import { missingImages } from '../../src/shared/resume';
import type { CellRecord, RunRecord } from '../../src/shared/runRecord';

const image = { file: 'steps-2_r0.png', sha256: 'ab', bytes: 10 };

function cell(i: number, status: CellRecord['status'], images = status === 'success' || status === 'cached' ? [image] : []): CellRecord {
  return { key: `steps=${i}#r0`, axes: { steps: i }, column: `${i} steps`, repeat: 0, seed: 1, status, images };
}

function run(status: RunRecord['status'], cells: CellRecord[]): RunRecord {
  return {
    format: 'qwenprompt-run',
    version: 1,
    id: 'r',
    createdAt: '2026-01-01T00:00:00.000Z',
    status,
    spec: { file: 'a.qwenprompt', name: 'a', id: 'a', resolved: {} },
    server: { url: 'http://127.0.0.1:1' },
    cells,
    stats: [],
    ratings: [],
  };
}

test('a partial, failed or cancelled run offers to make exactly its unfinished images', () => {
  const cells = [
    cell(1, 'success'),
    cell(2, 'lost'),
    cell(3, 'failed'),
    cell(4, 'cached'),
    cell(5, 'cancelled'),
    cell(6, 'queued'),
    cell(7, 'error'),
  ];
  for (const status of ['partial', 'failed', 'cancelled'] as const) {
    assert.equal(resumableCount(run(status, cells), false), 5, status);
    assert.equal(resumableCount(run(status, cells), true), 5, `${status}: its run has ended even if the folder is still listed`);
  }
  assert.equal(resumeLabel(5), '↻ Resume (5 missing)');
});

test('a success without an image on record is made again', () => {
  assert.equal(resumableCount(run('partial', [cell(1, 'success', []), cell(2, 'success')]), false), 1);
});

test('a record left "running" is offered only when no run of this window is writing it', () => {
  const r = run('running', [cell(1, 'success'), cell(2, 'running'), cell(3, 'queued')]);
  assert.equal(resumableCount(r, false), 2, 'the window that ran it closed or crashed');
  assert.equal(resumableCount(r, true), undefined, 'live: the Cancel button shows instead');
});

test('a complete run, a run with nothing missing and a panel without a record offer nothing', () => {
  assert.equal(resumableCount(run('complete', [cell(1, 'success')]), false), undefined);
  assert.equal(resumableCount(run('partial', [cell(1, 'success'), cell(2, 'cached')]), false), undefined);
  assert.equal(resumableCount(undefined, false), undefined);
  assert.equal(missingImages(run('complete', [cell(1, 'failed')])), 0, 'a record that says complete is complete');
});
