/**
 * Scale: a 500-job sweep of tiny images. The client's memory must not grow with the job count (no
 * image, message list or preview kept after a job is recorded) and neither may its per-job overhead
 * (the run record is rewritten after every job: its cost at 500 cells is measured here too).
 * Run with --expose-gc so heap figures are after a full collection.
 */
import { mkdtempSync, rmSync, watch, type FSWatcher } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { ComfyClient } from '../src/core/comfy/client';
import { stableStringify, writeRunRecord } from '../src/core/runs/record';
import { runSpec } from '../src/core/runs/session';
import type { Spec } from '../src/core/spec/types';
import { studySpec } from '../test/unit/helpers/spec';
import { startServerProcess } from './fakeServer';
import { fmt, mb, median, printTable, verdict } from './table';
import type { RunRecord } from '../src/shared/runRecord';

export interface ScaleOptions {
  jobs: number;
  /** Sweeps run one after the other in the same process (memory after each, against before the first); default 2. */
  runs?: number;
  /** Post-run convergence scoring (decodes every image after the last job); default true. */
  convergence?: boolean;
}

function memory(): { heap: number; rss: number; external: number; heapTotal: number } {
  (globalThis as { gc?: () => void }).gc?.();
  const m = process.memoryUsage();
  return { heap: m.heapUsed, rss: m.rss, external: m.external, heapTotal: m.heapTotal };
}

/** Median time of writing this record (serialize + atomic write), ms. */
async function recordWriteMs(runDir: string, record: RunRecord, times = 7): Promise<{ stringify: number; write: number }> {
  const s: number[] = [];
  const w: number[] = [];
  for (let k = 0; k < times; k++) {
    let t = performance.now();
    stableStringify(record);
    s.push(performance.now() - t);
    t = performance.now();
    await writeRunRecord(runDir, record);
    w.push(performance.now() - t);
  }
  return { stringify: median(s), write: median(w) };
}

/** One sweep; when each cell was first shown recorded, and how often run.json was rewritten. */
async function sweep(client: ComfyClient, spec: Spec, root: string, convergence: boolean) {
  const recordedAt = new Map<string, number>();
  let recordWrites = 0;
  // The run folder alone, once it exists: a recursive watch of the root is emulated by Node on Linux
  // with a readdir of every folder per change, which would cost this process more per job as files
  // pile up and show as a per-job overhead that grows with the job count (it did).
  let watcher: FSWatcher | undefined;
  const t0 = Date.now();
  const { runDir, record } = await runSpec({
    spec,
    specFile: '/bench/scale.qwenprompt',
    client,
    runsRoot: root,
    ...(convergence ? {} : { convergence: false as const }),
    onUpdate: (u) => {
      if (u.type === 'planned' && !watcher) {
        recordWrites++; // the record the folder is created with
        watcher = watch(u.runDir, (_e, f) => {
          if (f === 'run.json') recordWrites++;
        });
      }
      if (u.type === 'cell' && u.cell.status === 'success' && !recordedAt.has(u.cell.key)) recordedAt.set(u.cell.key, Date.now());
    },
  });
  const wall = Date.now() - t0;
  watcher?.close();
  return { runDir, record, wall, recordedAt, recordWrites };
}

/** Idle time after the last sweep before memory is measured again. */
const IDLE_MS = 10_000;

export async function benchScale(o: ScaleOptions): Promise<void> {
  const server = await startServerProcess({ msPerStep: 1, loadMs: 1, nodeMs: 0, maxImageSide: 64 });
  const root = mkdtempSync(path.join(tmpdir(), 'qp-bench-scale-'));
  const repeats = o.jobs / 5;
  const spec = studySpec({ width: 64, height: 64, steps: [1, 2, 3, 4, 5], repeats });
  const client = new ComfyClient({ baseUrl: server.url });
  try {
    // Warm-up: the modules, the socket and the server's model cache, so the baseline is steady state.
    await runSpec({ spec: { ...spec, steps: [1], repeats: 2, seed: 7 }, specFile: '/bench/warm.qwenprompt', client, runsRoot: root });
    const before = memory();
    const runs = Math.max(1, o.runs ?? 2);
    const memRows: string[][] = [];
    let first: Awaited<ReturnType<typeof sweep>> | undefined;
    let after = before;
    for (let r = 1; r <= runs; r++) {
      let peakRss = process.memoryUsage().rss;
      const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 20);
      const got = await sweep(client, { ...spec, seed: 1000 * r }, root, o.convergence !== false);
      clearInterval(sampler);
      after = memory();
      first ??= got;
      memRows.push([
        String(r),
        fmt(got.wall / 1000),
        mb(after.heap - before.heap),
        mb(after.rss - before.rss),
        mb(peakRss - before.rss),
        `${mb(after.heapTotal - before.heapTotal)} / ${mb(after.external - before.external)}`,
      ]);
      // Only the first sweep's folder is kept (its record is measured below).
      if (r > 1) rmSync(got.runDir, { recursive: true, force: true });
    }
    // V8 gives back the heap it grew for the sweep (its young generation at the 2 × 16 MB maximum,
    // old-space pages) only once the process has been idle for a few seconds, as an extension host
    // is between runs: measured again then.
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const settled = memory();
    memRows.push([
      `+ ${IDLE_MS / 1000} s idle`,
      '',
      mb(settled.heap - before.heap),
      mb(settled.rss - before.rss),
      '',
      `${mb(settled.heapTotal - before.heapTotal)} / ${mb(settled.external - before.external)}`,
    ]);
    const { runDir, record, wall, recordedAt, recordWrites } = first!;
    const ok = record.cells.filter((c) => c.status === 'success');
    const byStart = [...ok].sort((a, b) => a.timings!.executionStart! - b.timings!.executionStart!);
    const overhead = (cells: typeof ok) => median(cells.map((c) => recordedAt.get(c.key)! - c.timings!.executionEnd!));
    const firstHundred = overhead(byStart.slice(0, 100));
    const last = overhead(byStart.slice(-100));
    const small = { ...record, cells: record.cells.slice(0, 10) };
    const w10 = await recordWriteMs(runDir, small);
    const wAll = await recordWriteMs(runDir, record);
    const growth = after.heap - before.heap;
    const rssGrowth = after.rss - before.rss;
    printTable(
      `Scale (load average ${loadavg()[0].toFixed(1)}): ${o.jobs} jobs (64×64, 1 ms/step${o.convergence === false ? ', no convergence scoring' : ''}), ${ok.length} succeeded in ${fmt(wall / 1000)} s (first of ${runs} sweeps)`,
      ['measure', 'value', 'baseline', 'target'],
      [
        ['heap after GC, MB', mb(after.heap), `${mb(before.heap)} before`, ''],
        [`heap growth after ${runs} sweeps, MB`, mb(growth), '0', `≤ 50 ${verdict(growth <= 50 * 2 ** 20)}`],
        [`RSS growth after ${runs} sweeps (after GC − before), MB`, mb(rssGrowth), '0', `≤ 50 ${verdict(rssGrowth <= 50 * 2 ** 20)}`],
        [
          `… the same after ${IDLE_MS / 1000} s idle, MB`,
          mb(settled.rss - before.rss),
          '0',
          `≤ 50 ${verdict(settled.rss - before.rss <= 50 * 2 ** 20)}`,
        ],
        [
          'overhead per job (success → recorded), median of last 100, ms',
          fmt(last),
          `${fmt(firstHundred)} (first 100)`,
          `flat ${verdict(last <= firstHundred * 1.5 + 2)}`,
        ],
        [
          `run.json write at ${record.cells.length} cells (stringify / streamed write), ms`,
          `${fmt(wAll.stringify)} / ${fmt(wAll.write)}`,
          `${fmt(w10.stringify)} / ${fmt(w10.write)} at 10 cells`,
          '',
        ],
        ['run.json rewrites during the run', String(recordWrites), `${record.cells.length * 2} changes`, ''],
        [`run.json size at ${record.cells.length} cells, KB`, fmt(Buffer.byteLength(stableStringify(record)) / 1024, 0), '', ''],
      ],
    );
    printTable(
      `Scale: memory after each of ${runs} sweeps of ${o.jobs} jobs in one process, against before the first (after a full GC; peak sampled every 20 ms)`,
      ['sweep', 'wall, s', 'heap growth, MB', 'RSS growth, MB', 'RSS peak − before, MB', 'heapTotal / external growth, MB'],
      memRows,
    );
  } finally {
    client.close();
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const runs = process.argv.find((a) => a.startsWith('--runs='));
  void benchScale({
    jobs: Number(process.argv[2] ?? 500),
    runs: runs ? Number(runs.slice(7)) : undefined,
    convergence: !process.argv.includes('--no-convergence'),
  });
}
