/** The convergence scores a run record keeps: each image against its reference, and the summary over settings. */

/** One image against the highest step count of the same seed and other settings (its reference). */
export interface CellConvergence {
  /** Key of the reference cell (this cell's own key when it is the reference). */
  reference: string;
  /** Mean SSIM of the luminance at the working size (1 = same structure). */
  ssim: number;
  /** Mean CIE76 ΔE*ab at the working size (0 = same colours; ~2.3 is just noticeable). */
  deltaE: number;
}

/** Convergence of one step count within one group of other settings, over the seeds. */
export interface ConvergencePoint {
  steps: number;
  column: string;
  /** Seeds scored. */
  n: number;
  ssim: number;
  ssimMin: number;
  deltaE: number;
  /** Mean execution time of the column (warm runs where measured), ms. */
  timeMs?: number;
}

/** The smallest step count that reaches the threshold, within one group of other settings. */
export interface ConvergenceGroup {
  /** The other swept axes, e.g. 'cfg 6.5'; '' when steps is the only axis. */
  group: string;
  referenceSteps: number;
  points: ConvergencePoint[];
  /** Undefined when fewer than two step counts could be scored. */
  recommendedSteps?: number;
  /** Time of the recommended step count / time of the reference. */
  timeFraction?: number;
}

/** One setting (column) scored against the run's one reference setting. */
export interface ReferencePoint {
  column: string;
  /** Its short name, e.g. 'lightning-8' or 'base-50'. */
  label: string;
  variant?: string;
  steps: number;
  /** Seeds scored. */
  n: number;
  ssim: number;
  ssimMin: number;
  deltaE: number;
  /** Mean execution time of the column (warm runs where measured), ms. */
  timeMs?: number;
  /** timeMs / the reference's. */
  timeFraction?: number;
}

/** Every setting against one reference (runs of variants, or a spec with `reference:`). */
export interface ReferenceSummary {
  /** The reference column, and its short name. */
  column: string;
  label: string;
  /** Every scored setting, the reference included, in plan order. */
  points: ReferencePoint[];
  /** The cheapest setting other than the reference whose mean SSIM reaches the threshold, if any is cheaper than the reference. */
  recommended?: string;
}

/** Objective convergence of a steps sweep (record.convergence). */
export interface ConvergenceSummary {
  /** How the scores were made (window, colour difference, working size). */
  method: string;
  /** Mean SSIM a step count must reach to be recommended. */
  threshold: number;
  groups: ConvergenceGroup[];
  /** Set when every image was scored against one reference setting (then `groups` is empty). */
  reference?: ReferenceSummary;
  /** Time spent scoring, ms (client side, after the run). */
  scoringMs: number;
}
