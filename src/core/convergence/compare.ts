/**
 * Two runs side by side, as Markdown for a pull request: how each setting's time and convergence
 * moved, and whether the recommendation changed. Settings are matched by their column label.
 */
import { recommendationLine } from './analyse';
import { referenceLines } from './reference';
import { formatMs } from '../../shared/format';
import type { ColumnStats, ConvergencePoint, RunRecord } from '../../shared/runRecord';

function timeOf(s: ColumnStats | undefined): number | undefined {
  return (s?.warm ?? s?.all)?.mean;
}

function pointOf(r: RunRecord, column: string): Pick<ConvergencePoint, 'ssim' | 'deltaE'> | undefined {
  for (const g of r.convergence?.groups ?? []) {
    const p = g.points.find((x) => x.column === column);
    if (p) return p;
  }
  return r.convergence?.reference?.points.find((x) => x.column === column);
}

const num = (v: number | undefined, digits: number) => (v === undefined ? '–' : v.toFixed(digits));

function change(a: number | undefined, b: number | undefined, digits: number): string {
  if (a === undefined || b === undefined) return '–';
  const d = b - a;
  return `${d >= 0 ? '+' : '−'}${Math.abs(d).toFixed(digits)}`;
}

function relChange(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || !(a > 0)) return '–';
  const pct = ((b - a) / a) * 100;
  return `${pct >= 0 ? '+' : '−'}${Math.abs(pct).toFixed(1)} %`;
}

function recommendations(r: RunRecord): string {
  const c = r.convergence;
  if (!c) return 'not scored (no steps sweep)';
  if (c.reference) return referenceLines(c.reference, c.threshold).slice(-1)[0];
  const lines = c.groups.map((g) => recommendationLine(g, c.threshold)).filter((l): l is string => !!l);
  return lines.length ? lines.join('; ') : 'not enough step counts to recommend one';
}

function label(r: RunRecord): string {
  return `\`${r.id}\` (${r.spec.name}; ${r.server.gpu ?? 'unknown GPU'})`;
}

/** The comparison of run A (before) with run B (after) as a Markdown section. */
export function compareRuns(a: RunRecord, b: RunRecord): string {
  const columns = [...new Set([...a.stats.map((s) => s.column), ...b.stats.map((s) => s.column)])];
  const out: string[] = [`## ${a.spec.name}: ${a.id} → ${b.id}`, '', `- A: ${label(a)}`, `- B: ${label(b)}`];
  if ((a.server.gpu ?? '') !== (b.server.gpu ?? '')) out.push('- ⚠ The runs used different GPUs: their times are not comparable.');
  if (a.convergence && b.convergence && a.convergence.method !== b.convergence.method) {
    out.push(`- ⚠ Scored differently (${a.convergence.method} vs ${b.convergence.method}).`);
  }
  out.push(
    '',
    '| setting | time A | time B | Δ time | SSIM A | SSIM B | Δ SSIM | ΔE A | ΔE B |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const column of columns) {
    const [ta, tb] = [timeOf(a.stats.find((s) => s.column === column)), timeOf(b.stats.find((s) => s.column === column))];
    const [pa, pb] = [pointOf(a, column), pointOf(b, column)];
    out.push(
      `| ${column} | ${ta === undefined ? '–' : formatMs(ta)} | ${tb === undefined ? '–' : formatMs(tb)} | ${relChange(ta, tb)} | ${num(pa?.ssim, 3)} | ${num(pb?.ssim, 3)} | ${change(pa?.ssim, pb?.ssim, 3)} | ${num(pa?.deltaE, 2)} | ${num(pb?.deltaE, 2)} |`,
    );
  }
  out.push('', `Recommendation A: ${recommendations(a)}`, '', `Recommendation B: ${recommendations(b)}`, '');
  return out.join('\n');
}
