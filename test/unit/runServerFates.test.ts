/**
 * What the client learns of each prompt's fate on the server reaches run.json: what a cancel did to
 * each prompt, a prompt deleted by another client, and timings of jobs whose live messages were lost
 * (execution time exact from /history, per-node and sampling times marked unknown, not zero), and
 * the panel shows each of them: the cell's label and tooltip, the zoomed view's list, the summary's mark.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import type { ComfyClient } from '../../src/core/comfy/client';
import type { RunUpdate } from '../../src/core/runs/options';
import { runSpec } from '../../src/core/runs/session';
import type { RunRecord } from '../../src/shared/runRecord';
import { request } from '../fakes/rawClient';
import { comfyFixture } from './helpers/comfyPieces';
import { studySpec } from './helpers/spec';
import { fateTooltip, incompleteTimingsNote } from '../../webview-ui/view/cellFate';
import { cellTime } from '../../webview-ui/view/cells';
import { cellMeasurements } from '../../webview-ui/view/settings';

const fx = comfyFixture();
const MINUTES = 10 * 60_000;

function run(client: ComfyClient, seed: number, opts: { signal?: AbortSignal; onUpdate?: (u: RunUpdate) => void; repeats?: number } = {}) {
  const root = mkdtempSync(path.join(tmpdir(), 'qp-fates-'));
  return runSpec({
    spec: studySpec({ width: 64, height: 64, steps: [40], repeats: opts.repeats ?? 3, seed }),
    specFile: '/x/f.qwenprompt',
    client,
    runsRoot: root,
    previewMethod: 'none',
    vramPollMs: 60_000,
    convergence: false,
    thumbnails: false,
    ...opts,
  });
}

const onDisk = (runDir: string) => JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunRecord;

/** The value of one row of the zoomed view's "Measured" list. */
const measured = (c: RunRecord['cells'][number], label: string) => cellMeasurements(c).find(([k]) => k === label)?.[1];

describe('run.json keeps what happened to each prompt on the server', () => {
  it('a cancel records each prompt: the running one interrupted, the queued ones deleted', { timeout: 30_000 }, async () => {
    const fake = await fx.server({ msPerStep: 20 });
    const client = fx.client(fake, { watchdogMs: MINUTES });
    const ac = new AbortController();
    // Once all three prompts are on the server and the first one samples (a prompt never posted has no fate there).
    const posted = () => fake.requests.filter((r) => r.method === 'POST' && r.path === '/prompt').length;
    const { runDir } = await run(client, 41, {
      signal: ac.signal,
      // 100 ms on, the POSTs' answers (the prompt ids) are in; the first job still has ~0.6 s to sample.
      onUpdate: (u) => u.type === 'progress' && posted() >= 3 && setTimeout(() => ac.abort(), 100),
    });
    const record = onDisk(runDir);
    assert.equal(record.status, 'cancelled');
    // Every prompt that reached the server has a fate; the one sampling at the cancel was interrupted.
    for (const c of record.cells) {
      if (c.promptId) assert.ok(['interrupted', 'deleted', 'finished'].includes(c.cancel?.fate ?? ''), `${c.key}: ${c.cancel?.fate}`);
      else assert.equal(c.cancel, undefined, 'a prompt never posted has no fate on the server');
    }
    assert.equal(record.cells[0].cancel?.fate, 'interrupted');
    assert.ok(record.cells.every((c) => c.status === 'cancelled'));
    assert.ok(record.cells[0].cancel?.via, 'says which request stopped it');
    // The panel: the interrupted cell says so, and how; a deleted one says it never ran.
    assert.equal(cellTime(record.cells[0]), 'cancelled (interrupted)');
    assert.match(
      measured(record.cells[0], 'Cancel') ?? '',
      /^interrupted while it ran \(POST \/(api\/jobs\/\{id\}\/cancel|interrupt \{prompt_id\})\)$/,
    );
    assert.match(fateTooltip(record.cells[0]) ?? '', /Cancel: interrupted while it ran/);
    for (const c of record.cells.filter((x) => x.cancel?.fate === 'deleted')) {
      assert.equal(cellTime(c), 'cancelled (not run)');
      assert.match(measured(c, 'Cancel') ?? '', /removed from the queue before it ran/);
    }
  });

  it('a queued prompt deleted by another client is lost with that reason; the others succeed', { timeout: 30_000 }, async () => {
    const fake = await fx.server({ msPerStep: 20 });
    const client = fx.client(fake, { watchdogMs: MINUTES });
    let deleted = false;
    // Once all three prompts are on the server (before, the last one may not be in the queue yet).
    const posted = () => fake.requests.filter((r) => r.method === 'POST' && r.path === '/prompt').length;
    const { runDir } = await run(client, 42, {
      onUpdate: (u) => {
        if (u.type !== 'progress' || deleted || posted() < 3) return;
        deleted = true;
        void request(fake.url, 'GET', '/queue').then((q) => {
          const pending = q.json.queue_pending as [number, string][];
          const last = pending.sort((a, b) => b[0] - a[0])[0];
          return request(fake.url, 'POST', '/queue', { delete: [last[1]] });
        });
      },
    });
    const record = onDisk(runDir);
    assert.deepEqual(
      record.cells.map((c) => c.status),
      ['success', 'success', 'lost'],
    );
    assert.equal(record.cells[2].endReason, 'deletedOnServer');
    assert.match(record.cells[2].error ?? '', /another client/);
    assert.equal(record.cells[0].endReason, undefined);
    // The panel: not "lost (server restarted)", but who removed it.
    assert.equal(cellTime(record.cells[2]), 'deleted on the server');
    assert.equal(measured(record.cells[2], 'Ended'), 'deleted on the server by another client');
    assert.equal(fateTooltip(record.cells[0]), undefined, 'nothing to add to a plain success');
  });

  it('jobs whose live messages were lost keep exact execution times and mark the rest unknown', { timeout: 30_000 }, async () => {
    const fake = await fx.server({ msPerStep: 10 });
    const client = fx.client(fake, { watchdogMs: MINUTES, reconnect: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 50 } });
    let dropped = false;
    const { runDir } = await run(client, 43, {
      onUpdate: (u) => {
        if (u.type !== 'progress' || dropped) return;
        dropped = true;
        // Every reconnect now gets a new socket id: no execution message of ours arrives any more.
        fake.faults.ignoreClientId = true;
        fake.dropSockets();
      },
    });
    const cells = onDisk(runDir).cells;
    assert.deepEqual(
      cells.map((c) => c.status),
      ['success', 'success', 'success'],
    );
    for (const c of cells) assert.ok((c.timings?.executionMs ?? 0) > 0, 'execution time from /history');
    const unheard = cells.filter((c) => c.timings?.live?.heard === 'none');
    assert.ok(unheard.length >= 1, 'the jobs after the drop were heard not at all');
    for (const c of unheard) {
      assert.deepEqual(c.timings!.nodes, [], 'per-node times unknown');
      assert.equal(c.timings!.samplingMs, undefined, 'no sampling time made up');
      assert.ok(c.timings!.live!.reason, 'says why');
    }
    assert.equal(cells[0].timings?.live?.heard, 'partial', 'the job the drop cut is partial');
    // The panel: the time is marked, per-node times and sampling are said unknown, the summary row marked.
    for (const c of unheard) {
      assert.match(cellTime(c), /^\d[\d.]* (ms|s)\*/);
      assert.match(measured(c, 'Per-node times') ?? '', /^unknown/);
      assert.match(measured(c, 'Sampling') ?? '', /^unknown/);
      assert.match(fateTooltip(c) ?? '', /Live messages: none of its live messages were heard/);
    }
    assert.match(incompleteTimingsNote(cells, cells[0].column) ?? '', /^3 images with live messages missed: per-node times unknown/);
  });

  /** One 40-step cell whose socket drops at its third step; with `lostRouting`, every reconnect gets a new id. */
  async function droppedAtStep3(seed: number, lostRouting: boolean): Promise<RunRecord> {
    const fake = await fx.server({ msPerStep: 10 });
    const client = fx.client(fake, { watchdogMs: MINUTES, reconnect: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 50 } });
    let steps = 0;
    const { runDir } = await run(client, seed, {
      repeats: 1,
      onUpdate: (u) => {
        if (u.type !== 'progress' || ++steps !== 3) return;
        fake.faults.ignoreClientId = lostRouting;
        fake.dropSockets();
      },
    });
    return onDisk(runDir);
  }

  it("sampling cut by lost routing is marked partial and kept out of the column's sampling time", { timeout: 30_000 }, async () => {
    const record = await droppedAtStep3(44, true);
    const t = record.cells[0].timings!;
    assert.equal(record.cells[0].status, 'success');
    assert.deepEqual([t.live?.heard, t.live?.sampling], ['partial', 'partial']);
    assert.ok(t.samplingMs !== undefined && t.itPerSec !== undefined, 'the steps heard give a rate');
    assert.equal(record.stats[0].samplingMs, undefined, 'no sampling time shorter than the sampling was');
    assert.ok(t.executionMs > 0);
    assert.match(measured(record.cells[0], 'Sampling') ?? '', /\(partial: only the steps heard/);
    assert.match(incompleteTimingsNote(record.cells, record.cells[0].column) ?? '', /1 with a partial sampling time/);
  });

  it('a drop mended under the same socket id mid-sampling: the sampling time is whole', { timeout: 30_000 }, async () => {
    const record = await droppedAtStep3(45, false);
    const t = record.cells[0].timings!;
    assert.deepEqual([t.live?.heard, t.live?.sampling], ['partial', 'whole'], 'first and last steps heard');
    assert.deepEqual(t.nodes, [], 'per-node times unknown: some executing messages may be missing');
    assert.ok(record.stats[0].samplingMs, 'a whole sampling time counts');
    assert.doesNotMatch(measured(record.cells[0], 'Sampling') ?? '', /partial|unknown/);
  });
});
