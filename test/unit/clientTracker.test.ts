import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { encodePreviewFrame } from '../../src/core/comfy/frames';
import { JobTracker, replayMessages } from '../../src/core/comfy/jobTracker';
import { buildOutcome } from '../../src/core/comfy/outcome';
import type { HistoryEntry, JobEvent, WsMessage } from '../../src/core/comfy/types';
import { postedPromptIds, readTranscript, type TranscriptRow } from './helpers/transcripts';

const JPEG = Uint8Array.from([0xff, 0xd8, 0xff, 0xe0, 0, 0]);

function wsMessages(rows: TranscriptRow[]): WsMessage[] {
  return rows.filter((r) => r.kind === 'ws').map((r) => r.msg as WsMessage);
}

function historyOf(rows: TranscriptRow[], id: string): HistoryEntry | undefined {
  return rows.find((r) => r.kind === 'http' && r.path === `/history/${id}`)?.body?.[id];
}

/** Feeds a transcript's WS rows (text and binary, in order, with their receive times) to a tracker. */
function feed(tracker: JobTracker, rows: TranscriptRow[]): void {
  for (const r of rows) {
    if (r.kind === 'ws') tracker.handle(r.msg, r.t_ms);
    if (r.kind === 'ws_binary') tracker.handleBinary(encodePreviewFrame(JPEG, r.event === 4 ? r.metadata : undefined), r.t_ms);
  }
}

const ctx = { number: 1, postedAt: 0, acceptedAt: 0 };

describe('JobTracker on real transcripts', () => {
  it('smoke: events in order, terminal success, history images', () => {
    const rows = readTranscript('smoke');
    const [id] = postedPromptIds(rows);
    const r = replayMessages(wsMessages(rows), id);
    const kinds = r.events.map((e) => (e.type === 'executing' ? `executing:${e.node}` : e.type));
    assert.deepEqual(kinds.slice(0, 7), ['started', 'cached', 'executing:4', 'executing:5', 'executing:7', 'executing:6', 'executing:3']);
    const progress = r.events.filter((e): e is Extract<JobEvent, { type: 'progress' }> => e.type === 'progress');
    const values = progress.map((p) => p.value);
    assert.equal(values[0], 1);
    assert.equal(values.at(-1), 8);
    assert.deepEqual(
      values,
      [...values].sort((a, b) => a - b),
    );
    assert.ok(progress.every((p) => p.max === 8 && p.node === '3'));
    assert.equal(r.terminal?.type, 'execution_success');
    assert.equal(r.idle, true);
    // Only this prompt's messages, none of the broadcast status ones.
    assert.ok(r.job.messages.every((m) => m.msg.data.prompt_id === id));
    assert.equal(r.job.messages.at(-1)?.msg.type, 'executing');

    const outcome = buildOutcome(r.job, { ...ctx, history: historyOf(rows, id) });
    assert.equal(outcome.status, 'success');
    assert.equal(outcome.error, undefined);
    assert.deepEqual(outcome.images, [{ filename: 'tiny_00008_.png', subfolder: 'smoke', type: 'output' }]);
  });

  it('cached re-run: success, every node cached, the replayed image kept', () => {
    const rows = readTranscript('cached');
    const id = postedPromptIds(rows).at(-1)!;
    const r = replayMessages(wsMessages(rows), id);
    const cached = r.events.find((e) => e.type === 'cached');
    assert.ok(cached && cached.type === 'cached');
    assert.deepEqual([...cached.nodes].sort(), ['3', '4', '5', '6', '7', '8', '9']);
    assert.equal(r.events.filter((e) => e.type === 'progress').length, 0);
    const outcome = buildOutcome(r.job, { ...ctx, history: historyOf(rows, id) });
    assert.equal(outcome.status, 'success');
    assert.equal(outcome.images.length, 1);
  });

  it('interrupt: interrupted, saying which node was running', () => {
    const rows = readTranscript('interrupt');
    const id = postedPromptIds(rows).at(-1)!;
    const r = replayMessages(wsMessages(rows), id);
    assert.equal(r.terminal?.type, 'execution_interrupted');
    const outcome = buildOutcome(r.job, { ...ctx, history: historyOf(rows, id) });
    assert.equal(outcome.status, 'interrupted');
    assert.equal(outcome.error, 'Interrupted while KSampler (node 3) was running.');
    assert.deepEqual(outcome.images, []);
  });

  it('execution error: error naming node, class and exception, even without executing null', () => {
    const rows = readTranscript('qwen_errors');
    const id = postedPromptIds(rows)[0];
    const r = replayMessages(wsMessages(rows), id);
    assert.equal(r.terminal?.type, 'execution_error');
    const outcome = buildOutcome(r.job, { ...ctx, history: historyOf(rows, id) });
    assert.equal(outcome.status, 'error');
    assert.match(
      outcome.error ?? '',
      /^VAELoader \(node 39\) failed: SafetensorError: Error while deserializing header: header too large$/,
    );
  });

  it('sweep: three prompts on one socket keep their own messages and type-4 previews', () => {
    const rows = readTranscript('sweep');
    const ids = postedPromptIds(rows);
    assert.equal(ids.length, 3);
    const tracker = new JobTracker();
    const events = new Map(ids.map((id) => [id, [] as JobEvent[]]));
    for (const id of ids) tracker.register(id, (e) => events.get(id)!.push(e), 0);
    feed(tracker, rows);
    for (const [i, id] of ids.entries()) {
      const job = tracker.get(id)!;
      assert.equal(job.terminal?.msg.type, 'execution_success');
      const previews = events.get(id)!.filter((e) => e.type === 'preview').length;
      const frames = rows.filter((r) => r.kind === 'ws_binary' && r.metadata.prompt_id === id).length;
      assert.equal(previews, frames);
      const steps = events.get(id)!.filter((e) => e.type === 'progress').length;
      assert.equal(steps, [20, 40, 60][i]);
    }
  });

  it('legacy type-1 previews go to the prompt of ours known to run', () => {
    const rows = readTranscript('legacy');
    const [id] = postedPromptIds(rows);
    const tracker = new JobTracker();
    const other = tracker.register('00000000-0000-4000-8000-000000000000');
    const seen: JobEvent[] = [];
    tracker.register(id, (e) => seen.push(e), 0);
    feed(tracker, rows);
    const frames = rows.filter((r) => r.kind === 'ws_binary').length;
    assert.ok(frames > 0);
    assert.equal(seen.filter((e) => e.type === 'preview').length, frames);
    assert.equal(other.messages.length, 0);
  });
});

describe('JobTracker bookkeeping', () => {
  it('keeps messages that beat the registration when the server renames the prompt', () => {
    const rows = readTranscript('smoke');
    const [id] = postedPromptIds(rows);
    const tracker = new JobTracker();
    const msgs = wsMessages(rows);
    const early = msgs.findIndex((m) => m.type === 'executing' && m.data.node === '3');
    msgs.slice(0, early).forEach((m, i) => tracker.handle(m, i));
    tracker.register('ours');
    const job = tracker.rename('ours', id)!;
    assert.equal(job.started, true);
    msgs.slice(early).forEach((m, i) => tracker.handle(m, 1000 + i));
    assert.equal(job.idle, true);
    assert.equal(job.messages[0].msg.type, 'execution_start');
    assert.equal(job.messages.length, msgs.filter((m) => m.data?.prompt_id === id).length);
  });

  it('falls back to executed images without history, and to lost with neither terminal nor history', () => {
    const rows = readTranscript('smoke');
    const [id] = postedPromptIds(rows);
    const msgs = wsMessages(rows);
    const done = replayMessages(msgs, id);
    assert.deepEqual(
      buildOutcome(done.job, ctx).images.map((i) => i.filename),
      ['tiny_00008_.png'],
    );
    const start = replayMessages(msgs.slice(0, 8), id);
    const lost = buildOutcome(start.job, { ...ctx, lostReason: 'server restarted' });
    assert.equal(lost.status, 'lost');
    assert.equal(lost.error, 'server restarted');
    assert.equal(lost.history, undefined);
  });

  it('recovers the status from history when the terminal message was missed', () => {
    const rows = readTranscript('interrupt');
    const id = postedPromptIds(rows).at(-1)!;
    const started = replayMessages(wsMessages(rows).slice(0, 3), id);
    const o = buildOutcome(started.job, { ...ctx, history: historyOf(rows, id), recovered: true });
    assert.equal(o.status, 'interrupted');
    assert.equal(o.recovered, true);
  });

  it('a throwing listener does not stop the tracker', () => {
    const errors: unknown[] = [];
    const tracker = new JobTracker({ onListenerError: (e) => errors.push(e) });
    const job = tracker.register('p', () => {
      throw new Error('boom');
    });
    tracker.handle({ type: 'execution_start', data: { prompt_id: 'p', timestamp: 1 } }, 1);
    tracker.handle({ type: 'execution_success', data: { prompt_id: 'p', timestamp: 2 } }, 2);
    assert.equal(job.terminal?.msg.type, 'execution_success');
    assert.equal(errors.length, 1);
  });
});
