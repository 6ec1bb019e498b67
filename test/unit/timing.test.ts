import { test } from 'node:test';
import assert from 'node:assert/strict';
import { measureJob } from '../../src/core/runs/timing';
import { postedPromptIds, readTranscript, transcriptOutcome } from './helpers/transcripts';

// The recorded graph (workflow.api.json): 4 checkpoint loader, 3 KSampler, 9 SaveImage.
const ctx = { samplerNode: '3', loaderNodes: ['4'] };

test('execution time comes from the server timestamps of a real run, not the client clock', () => {
  const rows = readTranscript('smoke');
  const [id] = postedPromptIds(rows);
  const t = measureJob(transcriptOutcome(rows, id), ctx)!;
  // execution_start 1795690001763, execution_success 1795690003236 in smoke.jsonl
  assert.equal(t.executionMs, 1795690003236 - 1795690001763);
  assert.equal(t.executionStart, 1795690001763);
  assert.equal(t.cached, false);
  assert.equal(t.cold, true, 'the checkpoint loader ran, so the first run is cold');
  assert.deepEqual(t.cachedNodes, []);
});

test('queue wait is execution_start minus the create_time the server stored', () => {
  const rows = readTranscript('sweep');
  const ids = postedPromptIds(rows);
  assert.equal(ids.length, 3);
  const waits = ids.map((id) => {
    const o = transcriptOutcome(rows, id);
    const created = o.history!.prompt[3].create_time as number;
    const t = measureJob(o, ctx)!;
    assert.equal(t.queueWaitMs, t.executionStart! - created);
    return t.queueWaitMs!;
  });
  // Queued back to back: the later prompts waited for the earlier ones to run.
  assert.ok(waits[1] > waits[0] && waits[2] > waits[1], `waits grow along the queue: ${waits}`);
});

test('a sweep on a warm server: loaders cached, sampling time and it/s from the first to last progress', () => {
  const rows = readTranscript('sweep');
  const ids = postedPromptIds(rows);
  const timings = ids.map((id) => measureJob(transcriptOutcome(rows, id), ctx)!);
  for (const t of timings) {
    assert.equal(t.cold, false, 'the checkpoint was already loaded');
    assert.equal(t.cached, false);
    assert.ok(t.samplingMs! > 0 && t.samplingMs! < t.executionMs, 'sampling is part of execution');
    assert.ok(t.itPerSec! > 0);
  }
  // 20, 40, 60 steps: more steps take longer.
  assert.ok(timings[0].executionMs < timings[1].executionMs && timings[1].executionMs < timings[2].executionMs);
  const o = transcriptOutcome(rows, ids[1]);
  const progress = o.messages.filter((m) => m.msg.type === 'progress' && m.msg.data.node === '3');
  const expected = (progress.at(-1)!.msg.data.value - progress[0].msg.data.value) / ((progress.at(-1)!.at - progress[0].at) / 1000);
  assert.equal(timings[1].itPerSec, expected);
});

test('per-node breakdown names each executed node with its class', () => {
  const rows = readTranscript('smoke');
  const [id] = postedPromptIds(rows);
  const graph = transcriptOutcome(rows, id).history!.prompt[2];
  const t = measureJob(transcriptOutcome(rows, id), { ...ctx, classOf: (n) => graph[n]?.class_type })!;
  assert.deepEqual(
    t.nodes.map((n) => n.node),
    ['4', '5', '7', '6', '3', '8', '9'],
  );
  assert.equal(t.nodes.find((n) => n.node === '3')!.classType, 'KSampler');
  for (const n of t.nodes) assert.ok(n.ms >= 0);
});

test('an identical prompt served from cache is flagged cached: it measured nothing', () => {
  const rows = readTranscript('cached');
  const [id] = postedPromptIds(rows);
  const t = measureJob(transcriptOutcome(rows, id), ctx)!;
  assert.equal(t.cached, true);
  assert.equal(t.cold, false);
  assert.ok(t.executionMs <= 5, `a cached run "takes" ${t.executionMs} ms`);
  assert.equal(t.samplingMs, undefined);
});

test('an interrupted run still has its execution time up to the interrupt', () => {
  const rows = readTranscript('interrupt');
  const [id] = postedPromptIds(rows);
  const o = transcriptOutcome(rows, id);
  assert.equal(o.status, 'interrupted');
  const t = measureJob(o, ctx)!;
  assert.equal(t.executionMs, 1795690004563 - 1795690004271);
});

test('timings survive a dropped socket: history alone gives execution time and cache flags', () => {
  const rows = readTranscript('sweep');
  const [id] = postedPromptIds(rows);
  const o = { ...transcriptOutcome(rows, id), messages: [], recovered: true };
  const t = measureJob(o, ctx)!;
  assert.equal(t.executionMs, 1795690005674 - 1795690005033);
  assert.equal(t.cold, false);
  assert.equal(t.samplingMs, undefined, 'no progress messages were seen, so no sampling time is claimed');
});
