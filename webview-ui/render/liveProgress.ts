// The run's live numbers: each running image's sampler rate as its steps arrive, and the time left
// for the whole run in the header (view/progress.ts does the arithmetic).
import { runLeftText, runTimeLeft, StepRate } from '../view/progress';
import { h } from './dom';
import type { RunRecord } from '../../src/shared/runRecord';

export class LiveProgress {
  /** The header's '≈ 1 min 20 s left', kept across header redraws. */
  readonly el = h('span', { class: 'run-left', 'data-testid': 'run-left', title: 'At the rate measured in this run' });
  #rates = new Map<string, StepRate>();
  #steps = new Map<string, { value: number; max: number }>();
  /** The rate of the image that reported last: the run's current pace. */
  #latest: number | undefined;

  /** A sampler step of one image; returns its rate (it/s) once measured. */
  step(key: string, value: number, max: number, at = performance.now()): number | undefined {
    let rate = this.#rates.get(key);
    if (!rate) this.#rates.set(key, (rate = new StepRate()));
    rate.add(at, value);
    this.#steps.set(key, { value, max });
    this.#latest = rate.itPerSec ?? this.#latest;
    return rate.itPerSec;
  }

  /** Redraws the run's time left (nothing once the run is over or before a rate is known). */
  paint(record: RunRecord | undefined): void {
    const running = record?.status === 'running';
    if (record && !running) {
      this.#rates.clear();
      this.#steps.clear();
    }
    const text = running ? runLeftText(runTimeLeft(record, this.#steps, this.#latest)) : undefined;
    this.el.textContent = text ?? '';
    this.el.hidden = !text;
  }
}
