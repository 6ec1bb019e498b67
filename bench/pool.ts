/**
 * One sweep over several test servers, each in its own process: throughput against one server (1, 2, 4, 8),
 * one server killed mid-sweep (images lost, time until its jobs were requeued), and unequal servers (1× and
 * 3× speed) against the ideal split of the same jobs. Prints tables with the machine's load beside them.
 * Usage: node out/bench/pool.js [--quick]
 */
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { ComfyClient } from '../src/core/comfy/client';
import { estimateMs, fitSteps, type StepModel } from '../src/core/runs/estimate';
import { runSession } from '../src/core/runs/session';
import type { PoolServer } from '../src/core/runs/pool';
import { studySpec } from '../test/unit/helpers/spec';
import { startServerProcess, type ServerProcess } from './fakeServer';
import { fmt, printTable, verdict } from './table';
import type { RunRecord } from '../src/shared/runRecord';

const load = () =>
  loadavg()
    .map((x) => x.toFixed(1))
    .join(' ');

interface Sweep {
  record: RunRecord;
  wallMs: number;
  cpuMs: number;
  rssMb: number;
}

interface Work {
  thumbnails: boolean;
  convergence: boolean;
}

async function sweep(
  servers: ServerProcess[],
  steps: number[],
  repeats: number,
  side: number,
  during?: (pool: PoolServer[]) => void,
  work: Work = { thumbnails: true, convergence: false },
): Promise<Sweep> {
  const pool = servers.map((s, i) => ({
    name: `s${i + 1}`,
    client: new ComfyClient({ baseUrl: s.url, reconnect: { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 300 } }),
  }));
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'qp-bench-pool-')), 'pool.qwenprompt');
  const spec = studySpec({ width: side, height: side, steps, repeats });
  during?.(pool);
  const cpu0 = process.cpuUsage();
  let rss = process.memoryUsage().rss;
  const sampler = setInterval(() => (rss = Math.max(rss, process.memoryUsage().rss)), 50);
  const t0 = Date.now();
  try {
    const { record } = await runSession({
      spec,
      specFile: file,
      runsRoot: path.join(path.dirname(file), 'runs'),
      client: pool[0].client,
      ...(pool.length > 1 ? { pool } : {}),
      convergence: work.convergence ? {} : false,
      thumbnails: work.thumbnails,
      vramPollMs: 500,
    });
    const cpu = process.cpuUsage(cpu0);
    return { record, wallMs: Date.now() - t0, cpuMs: (cpu.user + cpu.system) / 1000, rssMb: rss / 1024 ** 2 };
  } finally {
    clearInterval(sampler);
    for (const s of pool) s.client.close();
  }
}

const made = (r: RunRecord) => r.cells.filter((c) => c.status === 'success').length;

/**
 * Throughput against one server: each server gets the same number of jobs, so ideal wall is flat. `side`
 * 512 with thumbnails is a real load (the test servers render and deflate every PNG, the client thumbnails
 * it: on 2 cores the CPU caps it, and the table says how much each side used); `side` 64 without thumbnails
 * leaves the servers' sleep (msPerStep) as nearly all of a job, so what is left is the scheduling itself.
 * Besides the client's wall (which holds the ≈1 s start: connect, first prompt, run folder), the span on
 * the servers (first job's start to last job's end, by ComfyUI's own timestamps) shows the feed alone.
 */
export async function benchPoolScaling(ns: number[], perServer: number, side = 512, thumbnails = true): Promise<void> {
  const msPerStep = 25;
  const steps = [16];
  const rows: string[][] = [];
  let base: { wall: number; span: number } | undefined;
  for (const n of ns) {
    const servers = await Promise.all(Array.from({ length: n }, () => startServerProcess({ msPerStep, loadMs: 20, maxImageSide: side })));
    const before = load();
    try {
      const serverCpu0 = servers.reduce((a, s) => a + s.cpuMs(), 0);
      const r = await sweep(servers, steps, perServer * n, side, undefined, { thumbnails, convergence: false });
      const serverCpu = servers.reduce((a, s) => a + s.cpuMs(), 0) - serverCpu0;
      const k = made(r.record);
      const timed = r.record.cells.filter((c) => c.timings?.executionStart && c.timings.executionEnd);
      const span = Math.max(...timed.map((c) => c.timings!.executionEnd!)) - Math.min(...timed.map((c) => c.timings!.executionStart!));
      const perSec = { wall: k / (r.wallMs / 1000), span: k / (span / 1000) };
      // How much of the span the servers spent executing the run's prompts: below 1 means a server waited for the client.
      const busy = timed.reduce((a, c) => a + (c.timings!.executionEnd! - c.timings!.executionStart!), 0) / (n * span);
      // Idle between one job's end and the next one's start on the same server: what the feed alone decides
      // (the rest of the span is the servers starting one after another and ending on jobs of their own).
      let gaps = 0;
      let held = 0;
      for (const name of new Set(timed.map((c) => c.server))) {
        const mine = timed.filter((c) => c.server === name).sort((a, b) => a.timings!.executionStart! - b.timings!.executionStart!);
        held += mine[mine.length - 1].timings!.executionEnd! - mine[0].timings!.executionStart!;
        for (let i = 1; i < mine.length; i++) gaps += Math.max(0, mine[i].timings!.executionStart! - mine[i - 1].timings!.executionEnd!);
      }
      base ??= perSec;
      const ratio = perSec.wall / base.wall;
      const spanRatio = perSec.span / base.span;
      rows.push([
        String(n),
        `${k}/${r.record.cells.length}`,
        fmt(r.wallMs / 1000, 2),
        `${fmt(ratio, 2)}×`,
        fmt(span / 1000, 2),
        `${fmt(spanRatio, 2)}×`,
        n === 4 || n === 8 ? verdict(spanRatio >= 0.95 * n) : '',
        `${fmt(busy * 100, 0)} %`,
        `${fmt((gaps / held) * 100, 1)} % ${verdict(gaps / held <= 0.05)}`,
        fmt(r.cpuMs / k, 0),
        fmt(serverCpu / k, 0),
        fmt((r.cpuMs + serverCpu) / r.wallMs, 2),
        fmt(r.rssMb, 0),
        `${before} → ${load()}`,
      ]);
    } finally {
      await Promise.all(servers.map((s) => s.close()));
    }
  }
  printTable(
    `Pool throughput: ${perServer} jobs per server, each ${steps[0]} steps × ${msPerStep} ms (≈${steps[0] * msPerStep} ms of sampling), ${side}² PNGs, thumbnails ${thumbnails ? 'on' : 'off'}`,
    [
      'servers',
      'images',
      'client wall s',
      'vs one (wall)',
      'span on servers s',
      'vs one (span)',
      'target ≥ 0.95×N',
      'servers busy over the span',
      'idle between jobs (target ≤ 5 %)',
      'client CPU ms/image',
      'servers CPU ms/image',
      'cores busy (client + servers)',
      'client RSS MB',
      'load before → after',
    ],
    rows,
  );
}

/** One of three servers SIGKILLed while it makes a job: nothing may be lost; how long until its jobs moved. */
export async function benchPoolKill(): Promise<void> {
  const servers = await Promise.all([0, 1, 2].map(() => startServerProcess({ msPerStep: 25, loadMs: 20, maxImageSide: 256 })));
  let killedAt = 0;
  try {
    const r = await sweep(servers, [8, 16], 6, 256, (pool) => {
      let started = 0;
      pool[1].client.onEvent((e) => {
        if (e.type === 'started' && ++started === 2 && !killedAt) {
          killedAt = Date.now();
          void servers[1].kill();
        }
      });
    });
    const moves = r.record.cells.flatMap((c) => (c.moves ?? []).map((m) => Date.parse(m.at) - killedAt));
    const lost = r.record.cells.length - made(r.record);
    printTable(
      'One of three servers killed (SIGKILL) mid-sweep: 12 jobs of 8 and 16 steps × 25 ms',
      ['jobs', 'made', 'lost', 'jobs moved', 'kill → moved (ms)', 'wall s', 'load'],
      [
        [
          String(r.record.cells.length),
          String(made(r.record)),
          `${lost} ${verdict(lost === 0)}`,
          String(moves.length),
          moves.length ? moves.map((m) => fmt(m, 0)).join(', ') : '–',
          fmt(r.wallMs / 1000, 2),
          load(),
        ],
      ],
    );
  } finally {
    await Promise.all(servers.map((s) => s.close().catch(() => undefined)));
  }
}

/** The best split of these job times over two servers (every assignment tried): the makespan no scheduler can beat. */
function idealMakespan(jobs: { fast: number; slow: number }[], start = { fast: 0, slow: 0 }): number {
  let best = Infinity;
  for (let mask = 0; mask < 1 << jobs.length; mask++) {
    let a = start.fast;
    let b = start.slow;
    jobs.forEach((j, i) => (mask & (1 << i) ? (a += j.fast) : (b += j.slow)));
    best = Math.min(best, Math.max(a, b));
  }
  return best;
}

/**
 * Servers of 1× and 3× speed: the sweep's span on the servers against the ideal split of the same jobs. The
 * ideal takes each server's pace as it was in this run (a line fixed + per-step × steps fitted to the warm
 * images it made; the set speed where it made one step count only), since on a loaded machine the servers' own CPU
 * share, not only their set speed, decides it; each server's model load (its cold job's time above its line)
 * is counted on it in the ideal too.
 */
export async function benchPoolUnequal(repeats = 5): Promise<void> {
  const speeds = [60, 20];
  const servers = await Promise.all(speeds.map((ms) => startServerProcess({ msPerStep: ms, loadMs: 20, maxImageSide: 256 })));
  try {
    const r = await sweep(servers, [4, 8, 12], repeats, 256);
    const cells = r.record.cells.filter((c) => c.timings?.executionStart && c.timings.executionEnd);
    const line = (name: string, msPerStep: number) => {
      const mine = cells
        .filter((c) => c.server === name && !c.timings!.cold)
        .map((c) => ({ steps: Number(c.axes.steps), ms: c.timings!.executionMs }));
      const fit = new Set(mine.map((m) => m.steps)).size > 1 ? fitSteps(mine) : undefined;
      const fixed = mine.length ? Math.max(0, Math.min(...mine.map((m) => m.ms - m.steps * msPerStep))) : 0;
      return fit ?? { fixedMs: fixed, perStepMs: msPerStep, n: mine.length };
    };
    const slow = line('s1', speeds[0]);
    const fast = line('s2', speeds[1]);
    // Each server loads the models once whatever its share: its cold job's time above its line starts it.
    const coldExtra = (name: string, model: StepModel) =>
      cells
        .filter((c) => c.server === name && c.timings!.cold)
        .reduce((a, c) => a + Math.max(0, c.timings!.executionMs - estimateMs(model, Number(c.axes.steps))), 0);
    const ideal = idealMakespan(
      cells.map((c) => ({ slow: estimateMs(slow, Number(c.axes.steps)), fast: estimateMs(fast, Number(c.axes.steps)) })),
      { slow: coldExtra('s1', slow), fast: coldExtra('s2', fast) },
    );
    const span = Math.max(...cells.map((c) => c.timings!.executionEnd!)) - Math.min(...cells.map((c) => c.timings!.executionStart!));
    const share = (name: string) => cells.filter((c) => c.server === name).reduce((n, c) => n + Number(c.axes.steps), 0);
    printTable(
      `Unequal servers (1× = 60 ms/step, 3× = 20 ms/step): ${cells.length} jobs of 4, 8 and 12 steps, longest first`,
      [
        'pace in this run 1× : 3× (ms + ms/step)',
        'ideal split s',
        'span on the servers s',
        'span / ideal',
        'target ≤ 1.10',
        'client wall s',
        'steps made 1× : 3×',
        'load',
      ],
      [
        [
          `${fmt(slow.fixedMs, 0)} + ${fmt(slow.perStepMs, 0)} : ${fmt(fast.fixedMs, 0)} + ${fmt(fast.perStepMs, 0)}`,
          fmt(ideal / 1000, 2),
          fmt(span / 1000, 2),
          fmt(span / ideal, 3),
          verdict(span / ideal <= 1.1),
          fmt(r.wallMs / 1000, 2),
          `${share('s1')} : ${share('s2')}`,
          load(),
        ],
      ],
    );
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
}

/** The client's CPU and memory per 1024² image: everything on (thumbnails, live convergence scores), and off (download and hash only, what a bare client does). */
export async function benchClientCost(images: number): Promise<void> {
  const servers = [await startServerProcess({ msPerStep: 5, loadMs: 5, maxImageSide: 1024 })];
  const rows: string[][] = [];
  try {
    for (const [label, work] of [
      ['thumbnails + scores (default)', { thumbnails: true, convergence: true }],
      ['download + hash only', { thumbnails: false, convergence: false }],
    ] as const) {
      const r = await sweep(servers, [2, 4], images / 2, 1024, undefined, work);
      const n = made(r.record);
      rows.push([label, String(n), fmt(r.cpuMs / n, 0), verdict(r.cpuMs / n <= 60), fmt(r.rssMb, 0), load()]);
    }
  } finally {
    await Promise.all(servers.map((s) => s.close()));
  }
  printTable(
    `Client cost per 1024² PNG (${images} images, one test server in its own process)`,
    ['work', 'images', 'client CPU ms/image', 'target ≤ 60', 'peak RSS MB', 'load'],
    rows,
  );
}

if (require.main === module) {
  const quick = process.argv.includes('--quick');
  void (async () => {
    console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average at start ${load()}`);
    await benchPoolScaling([1, 2, 4, 8], quick ? 3 : 5);
    await benchPoolScaling([1, 2, 4, 8], quick ? 6 : 10, 64, false);
    await benchPoolKill();
    await benchPoolUnequal();
    await benchClientCost(quick ? 12 : 24);
    console.log(`\nload average at end ${load()}`);
  })().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
