// What the reviews of a run add up to, per setting: the host computes it, the panel draws it.
import type { Criterion } from './criteria';
import type { AxisValue } from './runRecord';

/** What the reviews of one setting (one column) add up to. */
export interface SettingQuality {
  column: string;
  axes: Record<string, AxisValue>;
  /** Mean 1–5 score per criterion over every vote that scored it. */
  means: Partial<Record<Criterion, number>>;
  /** Votes per criterion (a reviewer may skip one). */
  counts: Partial<Record<Criterion, number>>;
  /** Mean of the criterion means: one number to plot against time. */
  overall?: number;
  /** Votes (rated images) of this setting. */
  votes: number;
  /** Warm mean execution time (all measured runs when none was warm), ms. */
  timeMs?: number;
  /** On the cost–quality front: no other setting is both faster and at least as good. */
  onFront: boolean;
}

export interface QualitySummary {
  settings: SettingQuality[];
  /** Distinct rating rounds (votes without a round count as one round each day they were cast). */
  rounds: number;
  votes: number;
  /** When the newest vote was cast (ISO). */
  lastAt?: string;
}
