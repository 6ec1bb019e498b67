// The reference comparison in words, for the CLI and the panel alike: one sentence per setting
// ("lightning-8 reaches 0.93 of base-50 at 9 % of the time") and the recommendation.
import type { ReferencePoint, ReferenceSummary } from './runRecord';

/** "lightning-8 reaches 0.93 of base-50 at 9 % of the time" for one setting. */
export function referenceSentence(p: ReferencePoint, reference: string): string {
  const time = p.timeFraction !== undefined ? ` at ${percent(p.timeFraction)} of the time` : '';
  return `${p.label} reaches ${p.ssim.toFixed(2)} of ${reference}${time}`;
}

function percent(f: number): string {
  const pct = f * 100;
  return `${pct < 10 ? pct.toFixed(pct < 1 ? 1 : 0) : Math.round(pct)} %`;
}

/** The reference comparison for the CLI: one sentence per setting, then the recommendation. */
export function referenceLines(r: ReferenceSummary | undefined, threshold: number): string[] {
  if (!r) return [];
  const others = r.points.filter((p) => p.column !== r.column);
  const lines = [`Against ${r.label} (mean SSIM over the seeds, same seed each):`];
  for (const p of others) lines.push(`  ${referenceSentence(p, r.label)}`);
  lines.push(`Recommended: ${referenceVerdict(r, threshold)}`);
  return lines;
}

/** The recommendation without its heading: the cheapest setting that reaches the threshold, or keep the reference. */
export function referenceVerdict(r: ReferenceSummary, threshold: number): string {
  const pick = r.points.find((p) => p.column === r.recommended && p.column !== r.column);
  return pick
    ? `${pick.label}, the cheapest setting that reaches ${threshold} of ${r.label}`
    : `keep ${r.label}: no cheaper setting reaches ${threshold} of its structure`;
}
