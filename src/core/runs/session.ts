// The one way into a run, for the CLI and the editor alike: a spec started anew, or an interrupted
// run continued in its own folder. Both write run.json the same way (see specFileLabel).
import { plannedEstimate } from './estimate';
import type { BuiltGraph } from '../comfy/types';
import { buildGraph } from '../comfy/graph';
import { nullLogger } from '../logger';
import type { Spec } from '../spec/types';
import type { OpenedRun, ResumeOptions, RunOptions, SessionOptions, SessionRequest, SessionResult } from './options';
import { planCells, specOfCell } from './plan';
import { keptCells, openRun } from './resume';
import { executeRun } from './runner';
import { removeLeftovers, runsRootOf, specFileLabel } from './runFolders';
import { openSlots, type PoolServer } from './pool';
import type { Cell } from './types';
import type { RunRecord } from '../../shared/runRecord';

/** Starts `req.spec` anew, or continues `req.resume` (a run read by openRun or findResumable). */
export function runSession(req: SessionRequest): Promise<SessionResult> {
  return req.resume ? resumeOpened(req, req.resume) : runSpec(req);
}

/**
 * Runs a spec: plans its jobs, queues all of them on the server up front, saves the images into a
 * fresh run folder and keeps run.json current (see executeRun). A spec the server rejects throws
 * SpecRejectedError and leaves no run folder.
 */
export function runSpec(opts: RunOptions): Promise<SessionResult> {
  return start(opts);
}

/**
 * Runs the missing cells of the run in `runDir` into the same folder and record. Prompts the dead
 * run left queued on the server are deleted first (best effort) so the GPU does not make them twice.
 */
export async function resumeRun(opts: ResumeOptions): Promise<SessionResult & { resumedCells: number }> {
  return resumeOpened(opts, opts.opened ?? (await openRun(opts.runDir)));
}

async function resumeOpened(opts: SessionOptions, opened: OpenedRun): Promise<SessionResult & { resumedCells: number }> {
  const log = opts.logger ?? nullLogger;
  const { runDir, record, spec } = opened;
  const keep = await keptCells(runDir, record);
  const todo = record.cells.filter((c) => !keep.has(c.key));
  await removeLeftovers(runDir);
  const servers = serversOf(opts);
  // Each server is asked to drop the prompts the dead run left with it (a cell names its server in a pool).
  await Promise.all(
    servers.map(async ({ name, client }) => {
      const mine = todo.filter((c) => servers.length === 1 || c.server === undefined || c.server === name);
      const stale = mine.flatMap((c) => [c.promptId, ...(c.moves ?? []).map((m) => m.promptId)]).filter((id): id is string => !!id);
      if (stale.length)
        await client
          .deleteQueued(stale, opts.signal)
          .catch((e) => log.warn(`Could not remove the interrupted run's queued prompts on ${name}: ${String(e)}`));
    }),
  );
  if (servers.length === 1) {
    // One server: it must be the GPU the run was made on. A pool records each image's GPU and keeps kinds apart.
    const gpu = (await opts.client.systemStats(opts.signal)).devices?.[0]?.name;
    if (record.server.gpu && gpu && !gpu.includes(record.server.gpu)) {
      throw new Error(
        `Run ${record.id} was made on ${record.server.gpu}; this server has ${gpu}. Resume it on the same GPU so its statistics stay comparable.`,
      );
    }
  }
  const steps = [...new Set(record.cells.map((c) => Number(c.axes.steps)))];
  const includeSweep = record.cells.some((c) => Object.keys(c.axes).some((k) => k !== 'steps'));
  const repeats = Math.max(...record.cells.map((c) => c.repeat)) + 1;
  const variants = [...new Set(record.cells.flatMap((c) => (c.variant !== undefined ? [c.variant] : [])))];
  log.info(`Resuming run ${record.id}: ${record.cells.length - todo.length} cell(s) kept, ${todo.length} to run`);
  const done = await start(
    {
      ...opts,
      spec,
      specFile: opened.specFile,
      runsRoot: runsRootOf(runDir),
      steps,
      includeSweep,
      repeats,
      ...(variants.length ? { variants } : {}),
      userGraph: spec.workflow ? record.cells.find((c) => c.graph)?.graph : undefined,
    },
    { runDir, record, keep },
  );
  return { ...done, resumedCells: todo.length };
}

async function start(opts: RunOptions, resume?: { runDir: string; record: RunRecord; keep: ReadonlySet<string> }): Promise<SessionResult> {
  const { spec, signal } = opts;
  const log = opts.logger ?? nullLogger;
  const started = Date.now();
  if (spec.errorCount > 0) {
    throw new Error(
      `"${spec.name}" has ${spec.errorCount} problem(s); fix them before running (see the Problems view or \`qwenprompt validate\`).`,
    );
  }
  const cells = planCells(spec, { steps: opts.steps, includeSweep: opts.includeSweep, repeats: opts.repeats, variants: opts.variants });
  const graphs: BuiltGraph[] = cells.map((c) => buildGraph(specOfCell(spec, c), c.settings, opts.userGraph));
  if (resume) checkResumable(resume.record, cells, graphs);

  const slots = await openSlots(
    serversOf(opts),
    graphs.map((g) => g.graph),
    { vramPollMs: opts.vramPollMs ?? 250, signal, log },
  );
  throwIfAborted(signal);
  // The run's server: the first that answered (a late one's facts are not known yet).
  const { name: _n, excluded: _x, ...server } = (slots.find((s) => !s.late) ?? slots[0]).facts;
  const servers = slots.length > 1 ? slots.map((s) => s.facts) : undefined;

  const record: RunRecord = resume
    ? reopenRecord(resume.record, resume.keep, started, servers)
    : {
        format: 'qwenprompt-run',
        version: 1,
        id: '',
        createdAt: new Date(started).toISOString(),
        status: 'running',
        spec: { file: specFileLabel(opts.runsRoot, opts.specFile), name: spec.name, id: spec.id, resolved: resolvedSpec(spec) },
        server,
        ...(servers ? { servers } : {}),
        cells: cells.map((c, i) => ({
          key: c.key,
          axes: c.axes,
          column: c.column,
          repeat: c.repeat,
          ...(c.variant !== undefined ? { variant: c.variant } : {}),
          seed: c.settings.seed,
          status: 'queued',
          graph: graphs[i].graph,
          images: [],
        })),
        stats: [],
      };
  const estimate = opts.past?.length ? plannedEstimate(opts.past, record) : undefined;
  if (estimate !== undefined) record.estimateMs = Math.round(estimate);
  return executeRun({ opts, record, cells, graphs, log, slots, resume: resume && { runDir: resume.runDir, keep: resume.keep } }, started);
}

/** A resumed record must be the plan of the spec it records: same cells, same graphs. */
function checkResumable(record: RunRecord, cells: Cell[], graphs: BuiltGraph[]): void {
  const same = record.cells.length === cells.length && record.cells.every((c, i) => c.key === cells[i].key);
  if (!same) throw new Error(`The run record ${record.id} does not match its spec's plan; it cannot be resumed.`);
  // The exact graphs sent before are sent again, so a resumed cell is the same job as its neighbours.
  record.cells.forEach((c, i) => {
    if (c.graph) graphs[i].graph = c.graph;
  });
}

/** The record of a resumed run: kept cells untouched, every other cell queued again from scratch. */
function reopenRecord(record: RunRecord, keep: ReadonlySet<string>, now: number, servers: RunRecord['servers']): RunRecord {
  for (const c of record.cells) {
    if (keep.has(c.key)) continue;
    c.status = 'queued';
    c.images = [];
    delete c.error;
    delete c.timings;
    delete c.promptId;
    delete c.server;
  }
  if (servers) {
    // The servers of this resume join those the run used before (a kept cell names its own).
    const before = (record.servers ?? []).filter((s) => !servers.some((n) => n.name === s.name));
    record.servers = [...before, ...servers];
  }
  record.status = 'running';
  delete record.finishedAt;
  record.resumedAt = [...(record.resumedAt ?? []), new Date(now).toISOString()];
  return record;
}

/** The run's servers: the pool, or the one client. */
function serversOf(opts: SessionOptions): PoolServer[] {
  return opts.pool?.length ? opts.pool : [{ name: hostOf(opts.client.baseUrl), client: opts.client }];
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw Object.assign(new Error('The run was cancelled.'), { name: 'AbortError' });
}

/** The spec as resolved, without editor-only data (ranges). */
function resolvedSpec(spec: Spec): unknown {
  const { range: _r, fieldRanges: _f, lensLine: _l, errorCount: _e, index: _i, ...rest } = spec;
  return rest;
}
