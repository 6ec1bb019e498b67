// The pool's scheduler, on its own: which server gets which job once it knows their pace.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Scheduler, type Posted } from '../../src/core/runs/scheduler';
import type { ServerSlot } from '../../src/core/runs/pool';

interface Job {
  key: string;
  settled: boolean;
}

/** A server as the scheduler sees it; its prompts end when the test says so. */
function server(name: string) {
  return { name, up: true, inflight: new Set<{ key: string }>(), gone: false, excluded: undefined, late: undefined };
}

test('a slow server does not take a job the fast one would finish sooner, and takes one when the fast one is gone', async () => {
  const slow = server('slow');
  const fast = server('fast');
  const jobs: Job[] = Array.from({ length: 6 }, (_, i) => ({ key: `j${i + 1}`, settled: false }));
  const took = new Map<string, number>();
  const onServer = new Map<string, { where: string; end: () => void }>();
  const made: string[] = [];
  const scheduler = new Scheduler([slow, fast] as unknown as ServerSlot[], jobs, 1, {
    submit: async (job, slot): Promise<Posted> => {
      let end!: () => void;
      const recorded = new Promise<void>((resolve) => (end = resolve)).then(() => {
        job.settled = true;
        made.push(`${job.key}@${slot.name}`);
      });
      onServer.set(job.key, { where: slot.name, end });
      return { recorded };
    },
    stopped: () => false,
    stranded: async () => undefined,
    cost: () => 1,
    tookMs: (job) => took.get(job.key),
  });
  const settle = async (key: string, ms: number) => {
    took.set(key, ms);
    onServer.get(key)!.end();
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
  };
  scheduler.feed();
  await new Promise((r) => setImmediate(r));
  // Pace unknown: one job each.
  assert.equal(onServer.get('j1')?.where, 'slow');
  assert.equal(onServer.get('j2')?.where, 'fast');
  await settle('j2', 1000);
  assert.equal(onServer.get('j3')?.where, 'fast');
  await settle('j1', 4000);
  // The slow server is free, but j4 would end at +4 s there and at +2 s behind j3 on the fast one.
  assert.equal(onServer.has('j4'), false, 'the slow server waited');
  await settle('j3', 1000);
  assert.equal(onServer.get('j4')?.where, 'fast');
  // The fast server goes away: the slow one is then the best for what is left.
  fast.up = false;
  await settle('j4', 1000);
  scheduler.feed();
  await new Promise((r) => setImmediate(r));
  assert.equal(onServer.get('j5')?.where, 'slow');
  await settle('j5', 3000);
  await settle('j6', 3000);
  await scheduler.finished;
  assert.deepEqual(made, ['j2@fast', 'j1@slow', 'j3@fast', 'j4@fast', 'j5@slow', 'j6@slow']);
});
