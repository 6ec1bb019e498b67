// Prompt adherence as the study counted it. Each rater lists, per image, the elements it shows that
// nobody asked for (unrequested) and the asked-for ones it lacks (missing). With E the number of
// elements the prompt asks for, a setting's adherence over its n checked votes is
//
//   adherence % = 100 × Σ (E − missingᵢ) / Σ (E + unrequestedᵢ)
//
// the asked-for elements shown, out of every element that should or should not have been there.
// A clean image scores 100 %, each extra element or gap pulls it down in proportion to the prompt's
// size, and the figure is not bound to multiples of 1/n: the study's 62 % / 89 % / 97 % came from 3
// raters × 3 images per setting, which a share of clean images (steps of 11 %) cannot give.
import type { Adherence, TagCount } from './quality';
import type { Rating } from './runRecord';

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
 * Adherence of one setting's votes, `elements` being what the prompt asks for (promptElements). Only
 * votes that scored adherence or listed an element count as checked (a rater who skipped the
 * criterion may not have looked for extra elements).
 */
export function adherenceOf(votes: readonly Rating[], elements: number): Adherence | undefined {
  const checked = votes.filter((v) => v.scores.adherence !== undefined || v.unrequested?.length || v.missing?.length);
  if (!checked.length) return undefined;
  const e = Math.max(1, Math.round(elements));
  const added = checked.flatMap((v) => v.unrequested ?? []);
  const missing = checked.flatMap((v) => v.missing ?? []);
  const shown = checked.reduce((s, v) => s + Math.max(0, e - (v.missing?.length ?? 0)), 0);
  const counted = e * checked.length + added.length;
  return {
    checked: checked.length,
    clean: checked.filter((v) => !v.unrequested?.length && !v.missing?.length).length,
    elements: e,
    shown,
    counted,
    percent: (100 * shown) / counted,
    addedPerImage: added.length / checked.length,
    added: top(added, 5),
    missing: top(missing, 5),
  };
}

/**
 * How many elements a prompt asks for, the E above: its phrases, split at commas, semicolons, line
 * breaks and sentence ends ("a woman in a linen shirt, bamboo forest, soft focus" is 3). A period
 * inside a number ("f/1.2") does not split.
 */
export function promptElements(prompt: string | undefined): number {
  const phrases = (prompt ?? '')
    .split(/[,;\n]|\.(?=\s|$)/)
    .map((p) => p.trim())
    .filter((p) => /\w/.test(p));
  return Math.max(1, phrases.length);
}

/** The prompt of a record's resolved spec, when it has one. */
export function recordPrompt(record: { spec?: { resolved?: unknown } }): string | undefined {
  const p = (record.spec?.resolved as { prompt?: unknown } | undefined)?.prompt;
  return typeof p === 'string' ? p : undefined;
}
