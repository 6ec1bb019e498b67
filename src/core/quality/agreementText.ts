// The raters and their agreement as Markdown: for `qwenprompt ratings`, the report and the summary export.
import { CRITERIA, CRITERION_TEXT } from '../../shared/criteria';
import { alphaVerdict, type QualitySummary, type TagCount } from '../../shared/quality';

const md = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const num = (v: number | undefined, half?: number) =>
  v === undefined ? '–' : `${v.toFixed(2)}${half !== undefined ? ` ± ${half.toFixed(2)}` : ''}`;

/** Pooled means ± 95 % interval per setting and criterion, then each rater's, then agreement per criterion. */
export function ratingsMarkdown(q: QualitySummary): string {
  if (!q.votes) return '_No ratings yet._\n';
  const head = (cols: string[]) => [`| ${cols.join(' | ')} |`, `| ${cols.map((_, i) => (i ? '---:' : '---')).join(' | ')} |`];
  const lines = [
    `Scores 1–5: mean ± 95 % interval of ${q.votes} vote(s) in ${q.rounds} round(s) by ${q.raters.length} rater(s) (${q.raters.map(md).join(', ')}).`,
    '',
    ...head(['Setting', ...CRITERIA.map((k) => CRITERION_TEXT[k].label), 'Votes']),
    ...q.settings.map((s) => `| ${md(s.column)} | ${CRITERIA.map((k) => num(s.means[k], s.intervals[k])).join(' | ')} | ${s.votes} |`),
  ];
  if (q.raters.length > 1) {
    lines.push('', 'Per rater (mean of the criteria, votes in brackets):', '', ...head(['Setting', ...q.raters.map(md)]));
    for (const s of q.settings) {
      const cells = q.raters.map((r) => {
        const m = s.byRater.find((x) => x.rater === r);
        const xs = m ? Object.values(m.means) : [];
        return xs.length ? `${num(xs.reduce((a, b) => a + b, 0) / xs.length)} (${m!.votes})` : '–';
      });
      lines.push(`| ${md(s.column)} | ${cells.join(' | ')} |`);
    }
    lines.push(
      '',
      "Agreement (Krippendorff's α, ordinal; each rater's latest score per image):",
      '',
      ...head(['Criterion', 'α', 'n', 'Images', '']),
    );
    for (const a of q.agreement) {
      lines.push(`| ${CRITERION_TEXT[a.criterion].label} | ${num(a.alpha)} | ${a.n} | ${a.units} | ${alphaVerdict(a.alpha)} |`);
    }
    for (const f of q.flags) {
      lines.push(
        '',
        `⚑ **${md(f.rater)}** disagrees with the rest on ${CRITERION_TEXT[f.criterion].label.toLowerCase()}: α ${f.alpha.toFixed(2)}, ${f.alphaWithout.toFixed(2)} without them.`,
      );
    }
  }
  const adherence = adherenceMarkdown(q);
  if (adherence) lines.push('', adherence);
  return lines.join('\n') + '\n';
}

const tags = (ts: readonly TagCount[]) => ts.map((t) => (t.count > 1 ? `${md(t.tag)} ×${t.count}` : md(t.tag))).join(', ') || '–';

/** Adherence per setting, once any rater listed an element (without tags every image would count as clean). */
export function adherenceMarkdown(q: QualitySummary): string | undefined {
  if (!q.settings.some((s) => s.adherence && (s.adherence.added.length || s.adherence.missing.length))) return undefined;
  const lines = [
    `Prompt adherence (the asked-for elements shown, out of the ${q.settings.find((s) => s.adherence)?.adherence?.elements ?? '?'} asked for plus the unrequested ones, summed over the votes):`,
    '',
    '| Setting | Adherence | Added per image | Most often added | Missing |',
    '| --- | ---: | ---: | --- | --- |',
  ];
  for (const s of q.settings) {
    const a = s.adherence;
    lines.push(
      a
        ? `| ${md(s.column)} | ${Math.round(a.percent)} % (${a.shown}/${a.counted}) | ${a.addedPerImage.toFixed(2)} | ${tags(a.added)} | ${tags(a.missing)} |`
        : `| ${md(s.column)} | – | – | – | – |`,
    );
  }
  return lines.join('\n');
}
