// Numbers for the agreement tables. Pure.
import type { RaterMeans } from '../../src/shared/quality';

/** A rater's overall score on a setting: the mean of their criterion means. */
export function raterOverall(m: RaterMeans): number | undefined {
  const xs = Object.values(m.means).filter((x): x is number => typeof x === 'number');
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
}
