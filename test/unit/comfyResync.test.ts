/** Resync: after the socket came back, each unfinished job is caught up from /history and /queue. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '../../src/core/comfy/jobs';
import { JobTracker } from '../../src/core/comfy/jobTracker';
import { Resync } from '../../src/core/comfy/resync';
import type { HistoryEntry, JobEvent } from '../../src/core/comfy/types';
import { nullLogger } from '../../src/core/logger';
import type { FakeComfy } from '../fakes/comfyServer';
import { onFirstProgress } from './helpers/comfyAssert';
import { acceptedJob, comfyFixture, freshGraph, Verdicts } from './helpers/comfyPieces';

const fx = comfyFixture();

type Verdict = { job: Job; history: HistoryEntry } | { job: Job; lost: string };

function resyncOn(fake: FakeComfy) {
  const tracker = new JobTracker();
  const jobs: Job[] = [];
  const verdicts = new Verdicts<Verdict>();
  const resync = new Resync({
    baseUrl: fake.url,
    log: nullLogger,
    reads: fx.client(fake),
    lifetime: fx.lifetime,
    pending: () => jobs,
    recover: (job, history) => verdicts.add({ job, history }),
    lost: (job, lost) => verdicts.add({ job, lost }),
  });
  const add = (promptId: string) => {
    const job = acceptedJob(tracker, promptId);
    jobs.push(job);
    return job;
  };
  return { resync, verdicts, add };
}

describe('Resync', () => {
  it('a job that finished while the socket was down is completed from /history', async () => {
    const fake = await fx.server();
    const done = await fx.finished(fake);
    const r = resyncOn(fake);
    const job = r.add(done.promptId);
    await r.resync.check(job);
    const [v] = r.verdicts.seen;
    assert.equal(v.job, job);
    assert.ok('history' in v);
    assert.equal(v.history.status.status_str, 'success');
  });

  it('a job the queue still lists is left to run; one the server never heard of is lost', async () => {
    const fake = await fx.server();
    fake.faults.stall = true;
    const queued = await fx.client(fake).submit(freshGraph());
    const r = resyncOn(fake);
    await r.resync.check(r.add(queued.promptId));
    assert.equal(r.verdicts.seen.length, 0, 'queued: wait on');
    const forgotten = r.add('forgotten-prompt');
    await r.resync.check(forgotten);
    assert.deepEqual(
      r.verdicts.seen.map((v) => v.job),
      [forgotten],
    );
    const v = r.verdicts.seen[0];
    assert.ok('lost' in v);
    assert.match(v.lost, /no longer knows prompt forgotten-prompt \(it probably restarted\)/);
  });

  it('on reconnect every accepted job is checked and a job still being posted is checked once accepted', async () => {
    const fake = await fx.server();
    const done = await fx.finished(fake);
    const r = resyncOn(fake);
    const accepted = r.add(done.promptId);
    const posting = r.add('being-posted');
    posting.accepted = false;
    r.resync.reconnected();
    const v = await r.verdicts.next();
    assert.equal(v.job, accepted);
    assert.equal(posting.needsResync, true);
  });

  it('giving up reconnecting loses every accepted job, saying how to resume', async () => {
    const fake = await fx.server();
    const r = resyncOn(fake);
    const accepted = r.add('a-prompt');
    r.add('being-posted').accepted = false;
    r.resync.gaveUp(3);
    assert.deepEqual(
      r.verdicts.seen.map((v) => v.job),
      [accepted],
    );
    const v = r.verdicts.seen[0];
    assert.ok('lost' in v);
    assert.match(v.lost, /could not reconnect after 3 attempts; the result of prompt a-prompt is unknown.*--resume/);
  });
});

describe('ComfyClient resync', () => {
  it('the socket drops and the job ends before it is back: done from /history, ended never saw the end', async () => {
    const fake = await fx.server();
    const client = fx.client(fake, { reconnect: { maxAttempts: 5, baseDelayMs: 500, maxDelayMs: 500 } });
    const events: JobEvent['type'][] = [];
    const dropOnFirstStep = onFirstProgress(() => fake.dropSockets());
    const job = await client.submit(freshGraph(6), {
      onEvent: (e) => {
        events.push(e.type);
        dropOnFirstStep(e);
      },
    });
    const outcome = await job.done;
    assert.equal(outcome.status, 'success');
    assert.equal(outcome.recovered, true);
    assert.equal(outcome.images.length, 1);
    assert.ok(!outcome.messages.some((m) => m.msg.type === 'execution_success'), 'the terminal message was missed');
    assert.equal(await job.ended, undefined);
    assert.equal(events.at(-1), 'finished');
  });
});
