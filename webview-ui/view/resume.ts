import { missingImages } from '../../src/shared/resume';
import type { RunRecord } from '../../src/shared/runRecord';
// Whether the panel offers "↻ Resume" for the run it shows, and how many images that would make.

/**
 * The number of images a resume would make, or undefined when there is nothing to offer: the run is
 * complete, or a run of this window is writing it now (`live`). A record left 'running' by a window
 * that closed or crashed is not live and is offered like a partial, failed or cancelled one.
 */
export function resumableCount(record: RunRecord | undefined, live: boolean): number | undefined {
  if (!record || (record.status === 'running' && live)) return undefined;
  const missing = missingImages(record);
  return missing > 0 ? missing : undefined;
}

/** The button's label (the same words as the editor's lens). */
export function resumeLabel(missing: number): string {
  return `↻ Resume (${missing} missing)`;
}
