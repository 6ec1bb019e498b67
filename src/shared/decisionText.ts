// The decision table in words, for the CLI summary and the Markdown exports (the panel draws the same
// rows, render/decision.ts): per scenario the cheapest setting that meets it, its time, what it gives up.
import { formatMs } from './format';
import { referenceSentence } from './referenceText';
import type { RunRecord } from './runRecord';
import { decisionTable, scenariosOf, settingFacts, type Decision, type ScenarioLayer } from './scenarios';

/** The run's decisions under its scenarios (presets, then the setting's layer, then its spec's). */
export function runDecisions(record: RunRecord, setting?: ScenarioLayer): Decision[] {
  return decisionTable(settingFacts(record), scenariosOf(record, setting));
}

/** Nothing to decide from until some setting has an SSIM score or a structure rating. */
export function hasDecision(record: RunRecord): boolean {
  return settingFacts(record).some((f) => f.ssim !== undefined || f.minStructure !== undefined);
}

/** For the CLI: a heading, the reference sentences of a variants run, then one line per scenario. */
export function decisionLines(record: RunRecord, setting?: ScenarioLayer): string[] {
  if (!hasDecision(record)) return [];
  const lines: string[] = [];
  const r = record.convergence?.reference;
  if (r) {
    lines.push(`Against ${r.label} (mean SSIM over the seeds, same seed each):`);
    for (const p of r.points) if (p.column !== r.column) lines.push(`  ${referenceSentence(p, r.label)}`);
  }
  const rows = runDecisions(record, setting);
  const width = Math.max(...rows.map((d) => d.scenario.name.length));
  lines.push('Decision (the cheapest setting that meets each scenario):');
  for (const d of rows) {
    const what = d.pick ? `${d.pick.column}, ${formatMs(d.pick.timeMs)}` : '–';
    lines.push(`  ${d.scenario.name.padEnd(width)}  ${what} (needs ${d.needs}): ${d.note}`);
  }
  return lines;
}

const md = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** A Markdown table, for the summary export and the report. */
export function decisionMarkdown(record: RunRecord, setting?: ScenarioLayer): string[] {
  return [
    '| Scenario | Needs | Cheapest setting that meets it | Time | What it gives up |',
    '| --- | --- | --- | --- | --- |',
    ...runDecisions(record, setting).map(
      (d) =>
        `| ${md(d.scenario.name)} | ${md(d.needs)} | ${d.pick ? `**${md(d.pick.column)}**` : '–'} | ${d.pick ? formatMs(d.pick.timeMs) : '–'} | ${md(d.note)} |`,
    ),
  ];
}
