// Live progress in numbers: the sampler's rate measured from the steps as they arrive, and from it the
// time left for the image and for the whole run. Pure: times are passed in (performance.now() in the panel).
import type { CellRecord, RunRecord } from '../../src/shared/runRecord';

interface Sample {
  at: number;
  value: number;
}

/** One image's sampler rate: steps between the first and the latest sample heard, over the time between them. */
export class StepRate {
  #first: Sample | undefined;
  #last: Sample | undefined;

  /** A `progress` message heard at time `at` (ms). A step count going back (a second sampler stage) starts over. */
  add(at: number, value: number): void {
    if (!this.#first || !this.#last || value < this.#last.value) this.#first = { at, value };
    this.#last = { at, value };
  }

  /** Steps per second, once two samples some time apart were heard. */
  get itPerSec(): number | undefined {
    const a = this.#first;
    const b = this.#last;
    if (!a || !b || b.value <= a.value || b.at - a.at < 1) return undefined;
    return ((b.value - a.value) * 1000) / (b.at - a.at);
  }
}

/** 'step 7/20 · 3.2 it/s · 4 s left' (the rate and time once measured). */
export function stepText(value: number, max: number, itPerSec: number | undefined): string {
  const parts = [`step ${value}/${max}`];
  if (itPerSec !== undefined) {
    parts.push(`${itPerSec >= 10 ? itPerSec.toFixed(0) : itPerSec.toFixed(1)} it/s`);
    parts.push(`${formatLeft(((max - value) * 1000) / itPerSec)} left`);
  }
  return parts.join(' · ');
}

/** '4 s', '1 min 20 s', '<1 s': a time left, to the second. */
export function formatLeft(ms: number): string {
  if (!(ms >= 1000)) return '<1 s';
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  return s % 60 ? `${m} min ${s % 60} s` : `${m} min`;
}

/** A cell's step count as the record has it (its steps axis, else the spec's only step count). */
function stepsOf(c: CellRecord, record: RunRecord): number | undefined {
  const axis = Number(c.axes.steps);
  if (Number.isFinite(axis) && axis > 0) return axis;
  const steps = (record.spec.resolved as { steps?: unknown } | undefined)?.steps;
  const first = Array.isArray(steps) ? Number(steps[0]) : Number(steps);
  return Number.isFinite(first) && first > 0 ? first : undefined;
}

/**
 * The time left for the run, in ms: the steps still to sample at the measured rate, plus each image not
 * yet started its share of what the finished warm images spent outside sampling (load, decode, save);
 * divided among the images being made side by side (a pool). Undefined until a rate is known.
 */
export function runTimeLeft(
  record: RunRecord,
  progress: ReadonlyMap<string, { value: number; max: number }>,
  itPerSec: number | undefined,
): number | undefined {
  const finished = record.cells.filter((c) => c.status === 'success' && c.timings && !c.timings.cached);
  const rates = finished.map((c) => c.timings?.itPerSec).filter((r): r is number => r !== undefined && r > 0);
  const rate = itPerSec ?? (rates.length ? rates.reduce((a, b) => a + b, 0) / rates.length : undefined);
  if (!rate) return undefined;
  const warm = finished.filter((c) => !c.timings!.cold && c.timings!.samplingMs !== undefined);
  const overhead = warm.length
    ? warm.reduce((sum, c) => sum + Math.max(0, c.timings!.executionMs - c.timings!.samplingMs!), 0) / warm.length
    : 0;
  let steps = 0;
  let queued = 0;
  let running = 0;
  for (const c of record.cells) {
    if (c.status === 'running') {
      running++;
      const p = progress.get(c.key);
      steps += p && p.max > 0 ? Math.max(0, p.max - p.value) : (stepsOf(c, record) ?? 0);
    } else if (c.status === 'queued') {
      queued++;
      steps += stepsOf(c, record) ?? 0;
    }
  }
  if (!running && !queued) return undefined;
  return ((steps * 1000) / rate + queued * overhead) / Math.max(1, running);
}

/** '≈ 1 min 20 s left' for the header, or undefined while nothing is measured. */
export function runLeftText(ms: number | undefined): string | undefined {
  return ms === undefined ? undefined : `≈ ${formatLeft(ms)} left`;
}
