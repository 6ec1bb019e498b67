// The runner's own plan types; the record it writes (run.json) is typed in src/shared/runRecord.ts.
import type { AxisValue, JobSettings } from '../spec/types';

/** One job of a sweep: one image at one setting and one repeat. */
export interface Cell {
  /** Stable key within a run, e.g. 'steps=20,cfg=6.5#r0'. */
  key: string;
  /** The swept values of this cell: its variant (if any), always `steps`, plus each paired and sweep axis. */
  axes: Record<string, AxisValue>;
  /** Column label: the axes in words, e.g. '20 steps · cfg 6.5'. Cells of one column share it. */
  column: string;
  /** 0-based repeat (grid row). */
  repeat: number;
  settings: JobSettings;
  /** The variant this cell runs (also its `variant` axis); absent for a spec without variants. */
  variant?: string;
}
