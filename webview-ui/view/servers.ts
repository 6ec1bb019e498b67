// The servers of a pool run as the panel shows them: what each made, on which GPU, and how fast.
import { gpuKind } from '../../src/shared/gpuKind';
import type { RunRecord } from '../../src/shared/runRecord';

export interface ServerRow {
  name: string;
  gpu: string;
  comfyui: string;
  /** Images it made (cached ones included). */
  images: number;
  /** Mean execution time of the images it measured, ms. */
  meanMs?: number;
  /** Jobs taken off it mid-sweep and made elsewhere. */
  movedOff: number;
  /** Why it made none of the run's jobs. */
  excluded?: string;
}

/** One row per server of a pool run; none for a one-server run. */
export function serverRows(record: Pick<RunRecord, 'servers' | 'cells'>): ServerRow[] {
  return (record.servers ?? []).map((s) => {
    const made = record.cells.filter((c) => c.server === s.name && (c.status === 'success' || c.status === 'cached'));
    const times = made.filter((c) => c.timings && !c.timings.cached).map((c) => c.timings!.executionMs);
    return {
      name: s.name,
      gpu: gpuKind(s),
      comfyui: s.comfyuiVersion ?? '?',
      images: made.length,
      ...(times.length ? { meanMs: times.reduce((a, b) => a + b, 0) / times.length } : {}),
      movedOff: record.cells.reduce((n, c) => n + (c.moves ?? []).filter((m) => m.from === s.name).length, 0),
      ...(s.excluded ? { excluded: s.excluded } : {}),
    };
  });
}
