/** The watchdog: a job given up after the set silence, kept while the server shows life, per client. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ComfyError } from '../../src/core/comfy/errors';
import type { Job } from '../../src/core/comfy/jobs';
import { JobTracker } from '../../src/core/comfy/jobTracker';
import type { HistoryEntry } from '../../src/core/comfy/types';
import { Watchdog } from '../../src/core/comfy/watchdog';
import { nullLogger } from '../../src/core/logger';
import type { FakeComfy } from '../fakes/comfyServer';
import { rejection } from './helpers/comfyAssert';
import { acceptedJob, comfyFixture, freshGraph, Verdicts } from './helpers/comfyPieces';

const fx = comfyFixture();

type Verdict = { job: Job; history: HistoryEntry } | { job: Job; error: ComfyError };

/** A watchdog over `fake` (read through a client of its own) and a tracker fed by hand. */
function watchdogOn(fake: FakeComfy, ms: number) {
  const tracker = new JobTracker();
  const verdicts = new Verdicts<Verdict>();
  const watchdog = new Watchdog({
    ms,
    baseUrl: fake.url,
    log: nullLogger,
    reads: fx.client(fake),
    lifetime: fx.lifetime,
    lastServerActivity: () => tracker.lastServerActivity,
    recover: (job, history) => verdicts.add({ job, history }),
    giveUp: (job, error) => verdicts.add({ job, error }),
  });
  const watch = (promptId: string) => {
    const job = acceptedJob(tracker, promptId);
    watchdog.watch(job);
    return job;
  };
  const say = (type: string, promptId: string, data: object = {}) =>
    tracker.handle({ type, data: { ...data, prompt_id: promptId } }, Date.now());
  return { watchdog, verdicts, watch, say };
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('Watchdog', () => {
  it('gives a running job up after the set silence, naming its last node', async () => {
    const fake = await fx.server();
    const w = watchdogOn(fake, 100);
    const job = w.watch('silent-prompt');
    w.say('execution_start', 'silent-prompt');
    w.say('executing', 'silent-prompt', { node: '3' });
    const v = await w.verdicts.next();
    assert.equal(v.job, job);
    assert.ok('error' in v);
    assert.equal(v.error.kind, 'watchdog');
    assert.match(v.error.message, /sent nothing about prompt silent-prompt for .* while it was running \(last node: 3\)/);
  });

  it("the job's own messages reset it: no verdict while they come, a verdict once they stop", async () => {
    const fake = await fx.server();
    const w = watchdogOn(fake, 300);
    w.watch('busy-prompt');
    w.say('execution_start', 'busy-prompt');
    for (let i = 1; i <= 40; i++) {
      await pause(25);
      w.say('progress', 'busy-prompt', { node: '3', value: i, max: 40 });
    }
    assert.deepEqual(w.verdicts.seen, [], 'a second of steady progress is not silence');
    const v = await w.verdicts.next();
    assert.ok('error' in v && v.error.kind === 'watchdog');
  });

  it('a job that finished unheard is recovered from /history', async () => {
    const fake = await fx.server();
    const done = await fx.finished(fake);
    const w = watchdogOn(fake, 50);
    const job = w.watch(done.promptId);
    const v = await w.verdicts.next();
    assert.equal(v.job, job);
    assert.ok('history' in v);
    assert.equal(v.history.status.status_str, 'success');
  });

  it('a queued job waits its turn while the queue lists it, and is given up once it does not', async () => {
    const fake = await fx.server();
    fake.faults.stall = true;
    const other = fx.client(fake);
    const queued = await other.submit(freshGraph());
    const w = watchdogOn(fake, 50);
    w.watch(queued.promptId);
    await pause(400);
    assert.deepEqual(w.verdicts.seen, [], 'still listed: keep waiting');
    // Waited for before deleting: the deletion itself takes a few requests, the watchdog checks every 50 ms.
    const verdict = w.verdicts.next();
    await other.deleteQueued([queued.promptId]);
    const v = await verdict;
    assert.ok('error' in v);
    assert.match(v.error.message, /waited .* without ComfyUI starting it, and the server's queue no longer lists it/);
  });

  it('a forgotten job gets no verdict', async () => {
    const fake = await fx.server();
    const w = watchdogOn(fake, 30);
    const job = w.watch('settled-prompt');
    w.watchdog.forget(job);
    await pause(200);
    assert.deepEqual(w.verdicts.seen, []);
  });
});

describe('ComfyClient watchdog', () => {
  it('a job that runs longer than the watchdog time but keeps reporting steps succeeds', async () => {
    const fake = await fx.server({ msPerStep: 20 });
    const client = fx.client(fake, { watchdogMs: 400 });
    const outcome = await (await client.submit(freshGraph(60))).done;
    assert.equal(outcome.status, 'success');
  });

  it('each client has its own: a short watchdog gives its job up while a long one still waits', async () => {
    const [a, b] = await Promise.all([fx.server(), fx.server()]);
    a.faults.stallMidRun = true;
    b.faults.stallMidRun = true;
    const short = fx.client(a, { watchdogMs: 150 });
    const long = fx.client(b, { watchdogMs: 600_000 });
    const longJob = await long.submit(freshGraph());
    const shortJob = await short.submit(freshGraph());
    let longSettled = false;
    longJob.done.then(
      () => (longSettled = true),
      () => (longSettled = true),
    );
    assert.equal((await rejection(shortJob.done)).kind, 'watchdog');
    await pause(50);
    assert.equal(longSettled, false, 'the long watchdog is still waiting');
    long.close();
    assert.equal((await rejection(longJob.done)).kind, 'aborted');
  });
});
