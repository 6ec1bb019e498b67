// What a rate pack page carries: the run's id, its cells (labels are shown only once a round is done)
// and each image as a data: URL. Pure.
import type { CellRecord } from '../../src/shared/runRecord';

export interface PackData {
  run: string;
  spec: string;
  cells: Pick<CellRecord, 'key' | 'axes' | 'column' | 'repeat' | 'seed' | 'status' | 'images'>[];
  /** Image file (as the record names it) → data: URL. */
  images: Record<string, string>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

export function isPackData(v: unknown): v is PackData {
  return (
    isObject(v) &&
    typeof v.run === 'string' &&
    typeof v.spec === 'string' &&
    Array.isArray(v.cells) &&
    v.cells.every((c) => isObject(c) && typeof c.key === 'string' && typeof c.column === 'string' && Array.isArray(c.images)) &&
    isObject(v.images) &&
    Object.values(v.images).every((u) => typeof u === 'string' && u.startsWith('data:image/'))
  );
}
