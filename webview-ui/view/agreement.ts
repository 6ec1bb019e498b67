// Numbers for the agreement tables. Pure.
import type { QualitySummary, RaterMeans, TagCount } from '../../src/shared/quality';

/** A rater's overall score on a setting: the mean of their criterion means. */
export function raterOverall(m: RaterMeans): number | undefined {
  const xs = Object.values(m.means).filter((x): x is number => typeof x === 'number');
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined;
}

/** True once any rater listed an unrequested or missing element. */
export function adherenceShown(q: QualitySummary): boolean {
  return q.settings.some((s) => s.adherence && (s.adherence.added.length || s.adherence.missing.length));
}

/** "pendant ×3, extra flower" */
export function tagList(tags: readonly TagCount[]): string {
  return tags.map((t) => (t.count > 1 ? `${t.tag} ×${t.count}` : t.tag)).join(', ') || '–';
}
