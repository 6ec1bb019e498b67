// The one rule the editor's lens and the panel's button share for "↻ Resume (n missing)". It matches
// the resume itself (src/core/runs/resume.ts): a cell is done when it succeeded (or was served from
// the cache) and names an image; every other cell runs again. Imports types only.
import type { CellRecord, RunRecord } from '../core/runs/types';

function isDone(c: CellRecord): boolean {
  return (c.status === 'success' || c.status === 'cached') && c.images.length > 0;
}

/** Images a resume of this run would make (0 for a complete run). */
export function missingImages(record: RunRecord): number {
  if (record.status === 'complete') return 0;
  return record.cells.filter((c) => !isDone(c)).length;
}
