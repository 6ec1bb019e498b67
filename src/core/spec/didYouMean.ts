import type { SpecFix } from './types';

/** Edit distance where swapping two neighbouring letters counts as one edit, as typos do
 * ("stpes" → "steps"); stops early once every cell of a row exceeds `max`. */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (Math.abs(a.length - b.length) > max) {
    return max + 1;
  }
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        cur[j] = Math.min(cur[j], before[j - 2] + 1);
      }
      rowMin = Math.min(rowMin, cur[j]);
    }
    if (rowMin > max) {
      return max + 1;
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length];
}

/** The closest candidate, if it is close enough to be a plausible typo (case-insensitive). */
export function closest(word: string, candidates: Iterable<string>): string | undefined {
  const w = word.toLowerCase();
  // Short words tolerate one edit, longer ones two or three.
  const max = w.length <= 3 ? 1 : w.length <= 7 ? 2 : 3;
  let best: string | undefined;
  let bestDistance = max + 1;
  for (const c of candidates) {
    const d = editDistance(w, c.toLowerCase(), max);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/** " Did you mean 'x'?" or "" — to append to a message. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : ` Did you mean '${c}'?`;
}

/** Up to `n` candidates nearest to `word` (case-insensitive), nearest first, none further than half its length. */
export function closestNames(word: string, candidates: Iterable<string>, n = 3): string[] {
  const w = word.toLowerCase();
  const max = Math.max(2, Math.ceil(w.length / 2));
  return [...new Set(candidates)]
    .map((c) => ({ c, d: editDistance(w, c.toLowerCase(), max) }))
    .filter((x) => x.d <= max)
    .sort((a, b) => a.d - b.d || a.c.localeCompare(b.c))
    .slice(0, n)
    .map((x) => x.c);
}

/** {@link didYouMean}'s text with the Quick Fix that writes the suggestion over the diagnostic's text. */
export function suggestion(word: string, candidates: Iterable<string>): { text: string; fixes?: SpecFix[] } {
  const c = closest(word, candidates);
  return c === undefined ? { text: '' } : { text: ` Did you mean '${c}'?`, fixes: [replaceWith(c)] };
}

/** A Quick Fix that writes `value` over the diagnostic's own text. */
export function replaceWith(value: string): SpecFix {
  return { title: `Change to '${value}'`, edits: [{ newText: value }] };
}
