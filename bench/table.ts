/** Small helpers the benchmarks share: order statistics and plain-text tables. */

export function median(xs: number[]): number {
  return quantile(xs, 0.5);
}

export function quantile(xs: number[], q: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  const pos = (s.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

export function max(xs: number[]): number {
  return xs.length ? Math.max(...xs) : NaN;
}

/** A number with a fixed number of decimals, or '–' when unknown. */
export function fmt(x: number | undefined, digits = 1): string {
  return x === undefined || !Number.isFinite(x) ? '–' : x.toFixed(digits);
}

/** A target as a verdict: 'ok' or 'MISSED' (printed, never asserted: benchmarks do not fail on noise). */
export function verdict(ok: boolean): string {
  return ok ? 'ok' : 'MISSED';
}

/** Prints a Markdown table (it reads as plain text in a CI log and pastes into BENCHMARKS.md). */
export function printTable(title: string, header: string[], rows: string[][]): void {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  console.log(`\n### ${title}\n`);
  console.log(line(header));
  console.log(`| ${widths.map((w) => '-'.repeat(w)).join(' | ')} |`);
  for (const r of rows) console.log(line(r));
}

export function mb(bytes: number): string {
  return (bytes / (1024 * 1024)).toFixed(1);
}
