// What the reviews of a run add up to, per setting and per rater: the host computes it, the panel draws it.
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
  /** Half-width of the 95 % interval of each mean (t · s / √n); absent under two votes. */
  intervals: Partial<Record<Criterion, number>>;
  /** The same means per rater, in the summary's rater order (raters who rated none of it left out). */
  byRater: RaterMeans[];
  /** Unrequested and missing elements the raters listed; absent when no vote checked adherence. */
  adherence?: Adherence;
  /** Mean of the criterion means: one number to plot against time. */
  overall?: number;
  /** Votes (rated images) of this setting. */
  votes: number;
  /** Warm mean execution time (all measured runs when none was warm), ms. */
  timeMs?: number;
  /** On the cost–quality front: no other setting is both faster and at least as good. */
  onFront: boolean;
}

export interface TagCount {
  tag: string;
  count: number;
}

/** Prompt adherence of one setting, counted as the study did. */
export interface Adherence {
  /** Votes that checked adherence (scored it or listed elements). */
  checked: number;
  /** Of those, images with nothing unrequested and nothing missing. */
  clean: number;
  /** Elements the prompt asks for (its phrases). */
  elements: number;
  /** Asked-for elements shown: Σ (elements − missing) over the checked votes. */
  shown: number;
  /** Every element that should or should not have been there: Σ (elements + unrequested). */
  counted: number;
  /** shown / counted × 100 (see shared/adherence.ts). */
  percent: number;
  /** Unrequested elements listed per checked image. */
  addedPerImage: number;
  /** The unrequested elements named most often. */
  added: TagCount[];
  missing: TagCount[];
}

/** One rater's means on one setting. */
export interface RaterMeans {
  rater: string;
  means: Partial<Record<Criterion, number>>;
  intervals: Partial<Record<Criterion, number>>;
  votes: number;
}

/** How far the raters agree on one criterion: Krippendorff's alpha for ordinal data. */
export interface CriterionAgreement {
  criterion: Criterion;
  /** 1 = perfect agreement, 0 = no better than chance; absent when it cannot be computed. */
  alpha?: number;
  /** Pairable scores: those on images that at least two raters scored. */
  n: number;
  /** Images scored by at least two raters. */
  units: number;
}

/** A rater whose scores on a criterion pull the agreement down: the others agree far better without them. */
export interface RaterFlag {
  rater: string;
  criterion: Criterion;
  alpha: number;
  alphaWithout: number;
}

export interface QualitySummary {
  settings: SettingQuality[];
  /** Everyone who rated, in the order of their first vote ('unnamed' for votes from before raters were kept). */
  raters: string[];
  /** Per criterion, each rater's latest score per image. */
  agreement: CriterionAgreement[];
  flags: RaterFlag[];
  /** Distinct rating rounds (votes without a round count as one round each day they were cast). */
  rounds: number;
  votes: number;
  /** When the newest vote was cast (ISO). */
  lastAt?: string;
}

/** Krippendorff's own reading of alpha: ≥ 0.8 reliable, ≥ 0.667 for tentative conclusions only. */
export function alphaVerdict(alpha: number | undefined): string {
  if (alpha === undefined) return 'not enough overlap or no variation';
  if (alpha >= 0.8) return 'reliable';
  if (alpha >= 0.667) return 'tentative';
  return alpha > 0 ? 'weak' : 'no agreement';
}
