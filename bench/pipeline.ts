/**
 * Sweep pipelining: is the server ever idle because of the client, and how long after the server is
 * done does the image reach the disk? The runner (every prompt queued up front) against a
 * one-job-at-a-time client built from the same ComfyClient (post, wait, download, save, post the next).
 * Server busy time and idle gaps come from ComfyUI's own timestamps (execution_start / execution_success).
 */
import { mkdtempSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import * as path from 'node:path';
import { ComfyClient } from '../src/core/comfy/client';
import { buildGraph } from '../src/core/comfy/graph';
import { TERMINAL_TYPES } from '../src/core/comfy/jobTracker';
import { planCells } from '../src/core/runs/plan';
import { openImageFile } from '../src/core/runs/imageFile';
import { writeRunRecord } from '../src/core/runs/record';
import { createRunDir } from '../src/core/runs/runFolders';
import { runSpec } from '../src/core/runs/session';
import type { Spec } from '../src/core/spec/types';
import { studySpec } from '../test/unit/helpers/spec';
import { startServerProcess } from './fakeServer';
import { fmt, max, median, printTable, verdict } from './table';
import type { RunRecord } from '../src/shared/runRecord';

export interface PipelineOptions {
  msPerStep: number;
  steps: number[];
  repeats: number;
  side: number;
}

interface JobTimes {
  start: number;
  end: number;
  /** execution_success → image file on disk, ms. */
  onDiskMs: number;
  /** execution_success → cell recorded (timings, hash; the update the panel gets), ms. */
  overheadMs: number;
  /** execution_success → the cell completed from /history (queue wait), ms; the runner records before it. */
  historyMs?: number;
}

interface Result {
  label: string;
  wallMs: number;
  /** From the last image recorded to runSpec returning (final record, post-run scoring), ms. */
  afterLastMs?: number;
  /** The longest the client's event loop was blocked during the run (an extension host's editor waits that long), ms. */
  blockedMaxMs?: number;
  jobs: JobTimes[];
  imageBytes: number;
}

function summary(r: Result) {
  const jobs = [...r.jobs].sort((a, b) => a.start - b.start);
  const busy = jobs.reduce((s, j) => s + (j.end - j.start), 0);
  const gaps = jobs.slice(1).map((j, i) => j.start - jobs[i].end);
  const history = r.jobs.flatMap((j) => (j.historyMs === undefined ? [] : [j.historyMs]));
  return {
    busy,
    ratio: r.wallMs / busy,
    gapMedian: median(gaps),
    gapMax: max(gaps),
    overhead: median(r.jobs.map((j) => j.overheadMs)),
    overheadMax: max(r.jobs.map((j) => j.overheadMs)),
    onDisk: median(r.jobs.map((j) => j.onDiskMs)),
    history: history.length ? median(history) : undefined,
  };
}

async function pipelined(url: string, spec: Spec, root: string): Promise<Result> {
  const client = new ComfyClient({ baseUrl: url });
  let watcher: FSWatcher | undefined;
  try {
    // When each image file appears (the runner writes a temp file and renames it into place). The run
    // folder alone, watched from the moment it exists: Node emulates a recursive watch on Linux with a
    // readdir per change, which throws when the runner renames its temp folder into place.
    const onDisk = new Map<string, number>();
    const recordedAt = new Map<string, number>();
    const completedAt = new Map<string, number>();
    const t0 = Date.now();
    let lastRecorded = t0;
    const loop = monitorEventLoopDelay({ resolution: 5 });
    loop.enable();
    const { record } = await runSpec({
      spec,
      specFile: '/bench/pipeline.qwenprompt',
      client,
      runsRoot: root,
      // The sweep's wall time ends when the last image is recorded; post-run scoring is reported apart.
      onUpdate: (u) => {
        if (u.type === 'planned' && !watcher) {
          watcher = watch(u.runDir, (_e, f) => {
            if (f && /\.png$/.test(f) && !onDisk.has(f)) onDisk.set(f, Date.now());
          });
        }
        // The first 'success' update is the image recorded (shown done); later ones add /history's
        // queue wait and the grid thumbnail.
        if (u.type === 'cell' && u.cell.status === 'success' && !recordedAt.has(u.cell.key))
          recordedAt.set(u.cell.key, (lastRecorded = Date.now()));
        if (u.type === 'cell' && u.cell.timings?.queueWaitMs !== undefined && !completedAt.has(u.cell.key))
          completedAt.set(u.cell.key, Date.now());
      },
    });
    const returned = Date.now() - t0;
    loop.disable();
    const wallMs = lastRecorded - t0;
    if (record.status !== 'complete') throw new Error(`pipelined run ended ${record.status}`);
    return {
      label: 'runner (all queued up front)',
      wallMs,
      afterLastMs: returned - wallMs,
      blockedMaxMs: loop.max / 1e6,
      imageBytes: record.cells[0].images[0]?.bytes ?? 0,
      // The server's clock is this machine's clock: execution_success's timestamp is the start of the overhead.
      jobs: record.cells.map((c) => ({
        start: c.timings!.executionStart!,
        end: c.timings!.executionEnd!,
        onDiskMs: onDisk.get(c.images[0].file)! - c.timings!.executionEnd!,
        overheadMs: recordedAt.get(c.key)! - c.timings!.executionEnd!,
        historyMs: completedAt.has(c.key) ? completedAt.get(c.key)! - c.timings!.executionEnd! : undefined,
      })),
    };
  } finally {
    watcher?.close();
    client.close();
  }
}

/** The obvious client: one prompt at a time, image saved and record written before the next is posted. */
async function oneAtATime(url: string, spec: Spec, root: string): Promise<Result> {
  const client = new ComfyClient({ baseUrl: url });
  try {
    const t0 = Date.now();
    await client.connect();
    const cells = planCells(spec, {});
    const { runDir } = await createRunDir(root, 'baseline');
    const record = { format: 'qwenprompt-run', version: 1, cells: [] as unknown[] } as unknown as RunRecord;
    const jobs: JobTimes[] = [];
    let imageBytes = 0;
    for (const cell of cells) {
      const job = await client.submit(buildGraph(spec, cell.settings).graph, { previewMethod: 'auto' });
      const outcome = await job.done;
      const terminal = outcome.messages.find((m) => TERMINAL_TYPES.includes(m.msg.type as never))!;
      // The same streamed, hashed download the runner uses, only after the job instead of during it.
      const saved = await client.viewTo(outcome.images[0], () => openImageFile(runDir, cell.key.replace(/[^\w-]/g, '-')));
      const onDiskMs = Date.now() - terminal.at;
      imageBytes = saved.bytes;
      record.cells.push({
        key: cell.key,
        status: 'success',
        images: [{ file: saved.file, sha256: saved.sha256, bytes: saved.bytes }],
      } as never);
      await writeRunRecord(runDir, record);
      jobs.push({
        start: num(outcome, 'execution_start'),
        end: num(outcome, 'execution_success'),
        onDiskMs,
        overheadMs: Date.now() - terminal.at,
      });
    }
    return { label: 'one at a time (baseline)', wallMs: Date.now() - t0, jobs, imageBytes };
  } finally {
    client.close();
  }
}

function num(outcome: { history?: { status?: { messages?: [string, Record<string, unknown>][] } } }, type: string): number {
  const m = outcome.history?.status?.messages?.find(([t]) => t === type);
  return Number(m?.[1].timestamp);
}

export async function benchPipeline(o: PipelineOptions): Promise<void> {
  const server = await startServerProcess({ msPerStep: o.msPerStep, maxImageSide: o.side });
  const root = mkdtempSync(path.join(tmpdir(), 'qp-bench-pipe-'));
  const spec = studySpec({ width: o.side, height: o.side, steps: o.steps, repeats: o.repeats });
  try {
    // A warm-up job so model loads (cold runs) do not land on whichever client goes first.
    const warm = new ComfyClient({ baseUrl: server.url });
    await runSpec({ spec: { ...spec, steps: [1], repeats: 1 }, specFile: '/bench/warm.qwenprompt', client: warm, runsRoot: root }).finally(
      () => warm.close(),
    );
    const results = [await oneAtATime(server.url, { ...spec, seed: 1 }, root), await pipelined(server.url, { ...spec, seed: 1000 }, root)];
    const [base, pipe] = results.map(summary);
    const n = o.steps.length * o.repeats;
    printTable(
      `Sweep pipelining (load average ${loadavg()[0].toFixed(1)}): ${o.steps.length} step counts (${o.steps.join('/')}) × ${o.repeats} seeds = ${n} jobs, ${o.msPerStep} ms/step, ${o.side}×${o.side} PNG of ${fmt(results[1].imageBytes / 1e6, 2)} MB; test server in a child process`,
      ['measure', 'one at a time (baseline)', 'runner', 'target'],
      [
        ['server busy (Σ execution), ms', fmt(base.busy, 0), fmt(pipe.busy, 0), ''],
        ['sweep wall, ms', fmt(results[0].wallMs, 0), fmt(results[1].wallMs, 0), ''],
        [
          'wall ÷ busy',
          fmt(base.ratio, 3),
          fmt(pipe.ratio, 3),
          `≤ 1.02 ${verdict(pipe.ratio <= 1.02)}; tightened ≤ 1.005 ${verdict(pipe.ratio <= 1.005)}`,
        ],
        ['idle gap between jobs, median ms', fmt(base.gapMedian), fmt(pipe.gapMedian), `≤ 5 ${verdict(pipe.gapMedian <= 5)}`],
        ['idle gap between jobs, max ms', fmt(base.gapMax), fmt(pipe.gapMax), ''],
        ['success → image on disk, median ms', fmt(base.onDisk), fmt(pipe.onDisk), ''],
        [
          'overhead per image (success → on disk and recorded), median ms',
          fmt(base.overhead),
          fmt(pipe.overhead),
          `≤ 30 ${verdict(pipe.overhead <= 30)}`,
        ],
        ['overhead per image, max ms', fmt(base.overheadMax), fmt(pipe.overheadMax), ''],
        ['success → cell completed from /history (queue wait), median ms', '–', pipe.history === undefined ? '–' : fmt(pipe.history), ''],
        ['last image recorded → run returned (scores, final record), ms', '–', fmt(results[1].afterLastMs, 0), ''],
        ['longest event-loop block during the run, ms', '–', fmt(results[1].blockedMaxMs, 0), ''],
      ],
    );
  } finally {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const ci = process.argv.includes('--ci');
  void benchPipeline(
    ci ? { msPerStep: 30, steps: [4, 8, 12], repeats: 3, side: 1024 } : { msPerStep: 30, steps: [20, 40, 60], repeats: 3, side: 1024 },
  );
}
