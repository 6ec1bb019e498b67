// The one rule of what a resume makes again, shared by the editor's lens, the panel's
// "↻ Resume (n missing)" button and the resume itself (which also checks the kept images on disk):
// a cell is done when it succeeded (or was served from the cache) and names an image; every other
// cell runs again.
import type { CellRecord, RunRecord } from './runRecord';

export function isCellDone(c: CellRecord): boolean {
  return (c.status === 'success' || c.status === 'cached') && c.images.length > 0;
}

/** A run that still has cells to make. */
export function isResumable(record: RunRecord): boolean {
  return record.cells.some((c) => !isCellDone(c));
}

/** Images a resume of this run would make (0 for a complete run). */
export function missingImages(record: RunRecord): number {
  if (record.status === 'complete') return 0;
  return record.cells.filter((c) => !isCellDone(c)).length;
}
