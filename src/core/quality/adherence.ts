// Prompt adherence as the study counted it: each rater lists what an image shows that nobody asked
// for, and what it lacks; a setting's adherence is the share of its rated images with neither.
import type { Adherence, TagCount } from '../../shared/quality';
import type { Rating } from '../../shared/runRecord';

/** Most often named first, then by name; at most `limit`. */
function top(tags: readonly string[], limit: number): TagCount[] {
  const n = new Map<string, number>();
  for (const t of tags) n.set(t, (n.get(t) ?? 0) + 1);
  return [...n]
    .map(([tag, count]) => ({ tag, count }))
    .sort((a, b) => b.count - a.count || a.tag.localeCompare(b.tag))
    .slice(0, limit);
}

/**
 * Adherence of one setting's votes. Only votes that scored adherence count as checked (a rater who
 * skipped the criterion may not have looked for extra elements).
 */
export function adherenceOf(votes: readonly Rating[]): Adherence | undefined {
  const checked = votes.filter((v) => v.scores.adherence !== undefined || v.unrequested?.length || v.missing?.length);
  if (!checked.length) return undefined;
  const clean = checked.filter((v) => !v.unrequested?.length && !v.missing?.length).length;
  const added = checked.flatMap((v) => v.unrequested ?? []);
  const missing = checked.flatMap((v) => v.missing ?? []);
  return {
    checked: checked.length,
    clean,
    percent: (100 * clean) / checked.length,
    addedPerImage: added.length / checked.length,
    added: top(added, 5),
    missing: top(missing, 5),
  };
}
