// Rating while a run goes on, as the panel does it: the host's live view of the run (RunViewState fed
// the runner's updates) takes a vote on the first finished image, the round goes into its own file,
// and neither the runner's rewrites of run.json nor its final record lose it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ComfyClient } from '../../src/core/comfy/client';
import { addRatings } from '../../src/core/quality/addRatings';
import { withRounds } from '../../src/core/quality/rounds';
import { readRunRecord } from '../../src/core/runs/record';
import { runSpec } from '../../src/core/runs/session';
import { RunViewState } from '../../src/features/results/panel/runState';
import type { RunRecord } from '../../src/shared/runRecord';
import { startFakeComfy } from '../fakes/comfyServer';
import { studySpec } from './helpers/spec';

test('a vote on a finished image while the run goes on is kept through every rewrite of run.json and the final record', async () => {
  const fake = await startFakeComfy({ msPerStep: 15, loadMs: 10 });
  const root = mkdtempSync(path.join(tmpdir(), 'qp-rate-live-'));
  let view: RunViewState | undefined;
  let rated: Promise<RunRecord> | undefined;
  let ratedWhile: string | undefined;
  try {
    const { runDir, record } = await runSpec({
      spec: studySpec({ width: 64, height: 64, steps: [2, 4, 6], repeats: 2 }),
      specFile: '/x/live.qwenprompt',
      client: new ComfyClient({ baseUrl: fake.url }),
      runsRoot: root,
      onUpdate: (u) => {
        if (u.type === 'planned') view = new RunViewState(u.runDir, u.record);
        else view?.apply(u);
        const done = view?.record.cells.find((c) => c.status === 'success' && c.images.length);
        if (!rated && done && view) {
          ratedWhile = view.record.cells.filter((c) => c.status !== 'success').length ? 'running' : 'done';
          rated = addRatings(u.runDir, [{ cell: done.key, scores: { structure: 4 }, unrequested: ['pendant'] }], {
            rater: 'ana',
            record: view.record,
          }).then((saved) => {
            view!.setRatings(saved.ratings);
            return saved;
          });
        }
      },
    });
    const saved = await rated!;
    assert.equal(ratedWhile, 'running', 'the vote was cast while other images were still to come');
    assert.equal(record.status, 'complete');
    assert.equal(saved.ratings?.length, 1);
    // The runner rewrote run.json many times after the vote; it holds no votes, the round file does.
    const onDisk = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunRecord;
    assert.equal(onDisk.ratings, undefined);
    const rounds = readdirSync(path.join(runDir, 'ratings'));
    assert.equal(rounds.length, 1);
    assert.match(rounds[0], /^ana-/);
    const merged = await withRounds(runDir, await readRunRecord(runDir));
    assert.deepEqual(
      merged.ratings?.map((r) => [r.rater, r.scores.structure, r.unrequested]),
      [['ana', 4, ['pendant']]],
    );
    // The panel's view after the final record still shows the vote.
    assert.equal(view?.record.status, 'complete');
    assert.equal(view?.record.ratings?.length, 1);
  } finally {
    await fake.close();
  }
});
