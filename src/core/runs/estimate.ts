// How long a sweep will take, from past runs on the same GPU kind: an image's time is close to fixed +
// per-step × steps (model load aside) for one template and size, so a least-squares line over the warm
// images of earlier runs predicts any step count, and a sweep over a pool is its jobs split over the servers.
import { gpuKind } from '../../shared/gpuKind';
import type { CellRecord, RunRecord } from '../../shared/runRecord';
import type { Spec } from '../spec/types';
import { cellGpuKind } from './gpuStats';
import { planCells, type PlanOptions } from './plan';
import { isMeasured } from './stats';

/** time ≈ fixedMs + perStepMs × steps, fitted to `n` images. */
export interface StepModel {
  fixedMs: number;
  perStepMs: number;
  n: number;
}

/** One measured image: what it was (template, size, GPU kind) and how long it took. */
export interface TimeSample {
  key: string;
  steps: number;
  ms: number;
}

/** The estimate key: template (or workflow), image size and GPU kind. */
export function estimateKey(template: string, width: number, height: number, gpu: string): string {
  return `${template} · ${width}x${height} · ${gpu}`;
}

/** The warm, measured images of a run, keyed by what they were made with. */
export function timeSamples(record: Pick<RunRecord, 'cells' | 'servers' | 'server' | 'spec'>): TimeSample[] {
  return record.cells
    .filter((c) => isMeasured(c) && !c.timings!.cold)
    .map((c) => ({ key: cellKey(record, c), steps: Number(c.axes.steps), ms: c.timings!.executionMs }));
}

/**
 * How long the planned run's jobs still to make will take over its servers, from earlier runs' samples
 * (undefined when some job has no past images of its template, size and GPU kind to go by).
 */
export function plannedEstimate(
  past: readonly TimeSample[],
  record: Pick<RunRecord, 'cells' | 'servers' | 'server' | 'spec'>,
): number | undefined {
  const todo = record.cells.filter((c) => c.status === 'queued' || c.status === 'running');
  const servers = record.servers ? record.servers.filter((s) => !s.excluded).length : 1;
  return jobsEstimate(
    past,
    todo.map((c) => ({ key: cellKey(record, c), steps: Number(c.axes.steps) })),
    servers,
  );
}

/**
 * How long these jobs (each its estimate key and step count) take over `servers` servers, from past
 * samples of the same keys; undefined for no jobs, or when some key has no past images to go by.
 */
export function jobsEstimate(
  past: readonly TimeSample[],
  jobs: readonly { key: string; steps: number }[],
  servers = 1,
): number | undefined {
  if (!jobs.length) return undefined;
  const groups = new Map<string, number[]>();
  for (const j of jobs) groups.set(j.key, [...(groups.get(j.key) ?? []), j.steps]);
  let total = 0;
  for (const [key, steps] of groups) {
    const model = fitSteps(past.filter((s) => s.key === key));
    if (!model) return undefined;
    total += sweepMs(model, steps, servers);
  }
  return total;
}

/**
 * How long running `spec` with `plan` (the lens's step count, all, the sweep) will take on `servers` servers
 * of GPU kind `gpu`, from past samples (undefined when some of its jobs have none to go by).
 */
export function specEstimate(spec: Spec, plan: PlanOptions, past: readonly TimeSample[], gpu: string, servers = 1): number | undefined {
  if (!past.length) return undefined;
  const template = String(spec.workflow ?? spec.model ?? '?');
  const jobs = planCells(spec, plan).map((c) => ({
    key: estimateKey(template, c.settings.width, c.settings.height, gpu),
    steps: c.settings.steps,
  }));
  return jobsEstimate(past, jobs, servers);
}

/** A cell's estimate key: its template, size and the GPU kind of its server (the run's first server while it has none). */
function cellKey(record: Pick<RunRecord, 'servers' | 'server' | 'spec'>, c: CellRecord): string {
  const resolved = (record.spec?.resolved ?? {}) as { model?: unknown; workflow?: unknown; width?: unknown; height?: unknown };
  const size = typeof c.axes.size === 'string' ? /^(\d+)x(\d+)$/.exec(c.axes.size) : undefined;
  const width = size ? Number(size[1]) : Number(resolved.width);
  const height = size ? Number(size[2]) : Number(resolved.height);
  return estimateKey(String(resolved.workflow ?? resolved.model ?? '?'), width, height, cellGpuKind(record, c) || gpuKind(record.server));
}

/** The least-squares line through the samples; with one step count only, time ∝ steps. Undefined for none. */
export function fitSteps(samples: readonly { steps: number; ms: number }[]): StepModel | undefined {
  const xs = samples.filter((s) => Number.isFinite(s.steps) && s.steps > 0 && Number.isFinite(s.ms));
  if (!xs.length) return undefined;
  const n = xs.length;
  const mx = xs.reduce((a, s) => a + s.steps, 0) / n;
  const my = xs.reduce((a, s) => a + s.ms, 0) / n;
  const sxx = xs.reduce((a, s) => a + (s.steps - mx) ** 2, 0);
  if (sxx === 0) return { fixedMs: 0, perStepMs: my / mx, n };
  const perStepMs = Math.max(0, xs.reduce((a, s) => a + (s.steps - mx) * (s.ms - my), 0) / sxx);
  return { fixedMs: Math.max(0, my - perStepMs * mx), perStepMs, n };
}

export function estimateMs(model: StepModel, steps: number): number {
  return model.fixedMs + model.perStepMs * steps;
}

/**
 * The wall time of these jobs (their step counts) over `servers` equal servers: longest first onto the
 * server that is free first, as the pool hands them out.
 */
export function sweepMs(model: StepModel, jobSteps: readonly number[], servers = 1): number {
  const free = Array.from({ length: Math.max(1, servers) }, () => 0);
  for (const steps of [...jobSteps].sort((a, b) => b - a)) {
    const i = free.indexOf(Math.min(...free));
    free[i] += estimateMs(model, steps);
  }
  return Math.max(...free);
}

export { formatEstimate } from '../../shared/format';
