// Scenarios: what a setting must give for each use (explore, everyday, final), and the decision
// table: the cheapest setting that meets each, its time, and what it gives up against the best.
// Pure: the panel, the CLI and the report all draw the same table.
import { adherenceOf, promptElements, recordPrompt } from './adherence';
import type { AxisValue, Rating, RunRecord } from './runRecord';

/** What a scenario needs; a requirement left out is not asked. */
export interface Scenario {
  name: string;
  /** Mean SSIM to the reference (the top step count, same seed) at least this. */
  minSsim?: number;
  /** No rater scored structure under this on any image of the setting. */
  minStructure?: number;
  /** Adherence as good as the best setting's (counted elements where raters listed some, else the mean score). */
  bestAdherence?: boolean;
  /** Adherence (0–100 %) at least this. */
  minAdherence?: number;
}

/** What a scenario needs, as the qwenprompt.scenarios setting or a spec's `scenarios:` write it under its name. */
export type ScenarioNeeds = Omit<Scenario, 'name'>;
/** Scenarios by name: what each needs (replacing a preset of that name), or false to drop a preset. */
export type ScenarioLayer = Record<string, ScenarioNeeds | false>;

const RANGES: Record<'minSsim' | 'minStructure' | 'minAdherence', [number, number]> = {
  minSsim: [0, 1],
  minStructure: [1, 5],
  minAdherence: [0, 100],
};

/**
 * A layer as far as it is valid; `problems` says what was left out (for the settings, whose editor
 * does not stop a bad value; a spec's are checked against its schema with positions).
 */
export function parseScenarioLayer(raw: unknown): { layer: ScenarioLayer; problems: string[] } {
  const layer: ScenarioLayer = {};
  const problems: string[] = [];
  if (raw === undefined || raw === null) return { layer, problems };
  if (typeof raw !== 'object' || Array.isArray(raw)) return { layer, problems: ['scenarios must be a mapping of names'] };
  for (const [name, v] of Object.entries(raw as Record<string, unknown>)) {
    if (!name.trim()) continue;
    if (v === false) {
      layer[name] = false;
      continue;
    }
    if (!v || typeof v !== 'object' || Array.isArray(v)) {
      problems.push(`scenario ${name} must be a mapping of what it needs, or false`);
      continue;
    }
    const needs: ScenarioNeeds = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
      if (k === 'bestAdherence' && typeof x === 'boolean') needs.bestAdherence = x;
      else if (k in RANGES && typeof x === 'number' && x >= RANGES[k as keyof typeof RANGES][0] && x <= RANGES[k as keyof typeof RANGES][1])
        needs[k as keyof typeof RANGES] = x;
      else
        problems.push(
          `scenario ${name}: ${k} ${k in RANGES ? `must be a number from ${RANGES[k as keyof typeof RANGES].join(' to ')}` : 'is not a requirement'}`,
        );
    }
    if (Object.keys(needs).length) layer[name] = needs;
  }
  return { layer, problems };
}

/** The presets, then each layer in turn (the settings, then the spec): a name replaces or adds, false drops. */
export function resolveScenarios(...layers: readonly (ScenarioLayer | undefined)[]): Scenario[] {
  let out: Scenario[] = DEFAULT_SCENARIOS.map((s) => ({ ...s }));
  for (const layer of layers) {
    for (const [name, needs] of Object.entries(layer ?? {})) {
      if (needs === false) {
        out = out.filter((s) => s.name !== name);
        continue;
      }
      const next = { name, ...needs };
      const i = out.findIndex((s) => s.name === name);
      if (i >= 0) out[i] = next;
      else out.push(next);
    }
  }
  return out;
}

/** The scenarios a run is judged by: presets, then the settings' layer, then its spec's `scenarios:`. */
export function scenariosOf(record: Pick<RunRecord, 'spec' | 'convergence'> | undefined, setting?: ScenarioLayer): Scenario[] {
  const spec = (record?.spec.resolved as { scenarios?: unknown } | undefined)?.scenarios;
  // The preset everyday output follows the run's SSIM threshold (qwenprompt.convergence.threshold, --threshold).
  const threshold = record?.convergence?.threshold;
  const base: ScenarioLayer = typeof threshold === 'number' ? { everyday: { minSsim: threshold } } : {};
  return resolveScenarios(base, setting, parseScenarioLayer(spec).layer);
}

/** The study's three uses: 20 steps for exploring, 40 for everyday output, 60 for final deliverables. */
export const DEFAULT_SCENARIOS: readonly Scenario[] = [
  { name: 'explore', minSsim: 0.85, minStructure: 3 },
  { name: 'everyday', minSsim: 0.95 },
  { name: 'final', minSsim: 0.98, bestAdherence: true },
];

/** What the table knows of one setting. */
export interface SettingFacts {
  column: string;
  axes: Record<string, AxisValue>;
  /** Warm mean execution time (all measured runs when none was warm), ms. */
  timeMs?: number;
  ssim?: number;
  /** The lowest structure score any rater gave one of its images. */
  minStructure?: number;
  /** 0–100: counted elements (shared/adherence.ts) where raters listed some, else the mean adherence score scaled from 1–5. */
  adherence?: number;
}

export interface Decision {
  scenario: Scenario;
  /** The requirement in words: "SSIM ≥ 0.85, no structure score under 3". */
  needs: string;
  pick?: SettingFacts;
  /** What the pick gives up against the best setting (or why none qualifies). */
  note: string;
  /** Requirements left out because nothing scored them yet ('SSIM', 'structure', 'adherence'). */
  unjudged?: string[];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);

/** `tagged`: some rater of the run listed elements, so counts compare settings; else mean scores do. */
function adherencePercent(votes: readonly Rating[], tagged: boolean, elements: number): number | undefined {
  if (tagged) return adherenceOf(votes, elements)?.percent;
  const m = mean(votes.flatMap((v) => (v.scores.adherence !== undefined ? [v.scores.adherence] : [])));
  return m === undefined ? undefined : ((m - 1) / 4) * 100;
}

/** One line per setting (column), in the record's order. */
export function settingFacts(record: Pick<RunRecord, 'cells' | 'stats' | 'ratings'> & { spec?: RunRecord['spec'] }): SettingFacts[] {
  const elements = promptElements(recordPrompt(record));
  const tagged = (record.ratings ?? []).some((v) => v.unrequested?.length || v.missing?.length);
  const columnOf = new Map(record.cells.map((c) => [c.key, c.column]));
  const out: SettingFacts[] = [];
  for (const c of record.cells) {
    if (out.some((f) => f.column === c.column)) continue;
    const cells = record.cells.filter((x) => x.column === c.column);
    const votes = (record.ratings ?? []).filter((r) => columnOf.get(r.cell) === c.column);
    const st = record.stats.find((s) => s.column === c.column);
    const structure = votes.flatMap((v) => (v.scores.structure !== undefined ? [v.scores.structure] : []));
    const adherence = adherencePercent(votes, tagged, elements);
    const ssim = mean(cells.flatMap((x) => (x.convergence ? [x.convergence.ssim] : [])));
    const time = (st?.warm ?? st?.all)?.mean;
    out.push({
      column: c.column,
      axes: c.axes,
      ...(time !== undefined ? { timeMs: time } : {}),
      ...(ssim !== undefined ? { ssim } : {}),
      ...(structure.length ? { minStructure: Math.min(...structure) } : {}),
      ...(adherence !== undefined ? { adherence } : {}),
    });
  }
  return out;
}

export function scenarioNeeds(s: Scenario): string {
  const parts: string[] = [];
  if (s.minSsim !== undefined) parts.push(`SSIM ≥ ${s.minSsim}`);
  if (s.minStructure !== undefined) parts.push(`no structure score under ${s.minStructure}`);
  if (s.minAdherence !== undefined) parts.push(`adherence ≥ ${s.minAdherence} %`);
  if (s.bestAdherence) parts.push('the best adherence');
  return parts.join(', ') || 'nothing';
}

/** Why `f` does not meet `s` (undefined when it does). */
function shortfall(s: Scenario, f: SettingFacts, bestAdherence: number | undefined): string | undefined {
  if (f.timeMs === undefined) return 'no measured time';
  if (s.minSsim !== undefined && (f.ssim === undefined || f.ssim < s.minSsim)) return f.ssim === undefined ? 'no SSIM score' : 'SSIM';
  if (s.minStructure !== undefined && (f.minStructure === undefined || f.minStructure < s.minStructure))
    return f.minStructure === undefined ? 'no structure score' : 'structure';
  if (s.minAdherence !== undefined && (f.adherence === undefined || f.adherence < s.minAdherence))
    return f.adherence === undefined ? 'no adherence rated' : 'adherence';
  if (s.bestAdherence && (f.adherence === undefined || bestAdherence === undefined || f.adherence < bestAdherence - 1e-9))
    return f.adherence === undefined ? 'no adherence rated' : 'adherence';
  return undefined;
}

const pct = (x: number) => `${Math.round(x * 100)} %`;

/**
 * A scenario without the requirements nobody can be judged on yet (no SSIM scored, no rater scored
 * structure, none checked adherence), and those in words: the table still answers from what was measured, and says
 * what the pick has not been checked for.
 */
function judgeable(s: Scenario, facts: readonly SettingFacts[]): { scenario: Scenario; unjudged: string[] } {
  const out: Scenario = { ...s };
  const unjudged: string[] = [];
  if (s.minSsim !== undefined && !facts.some((f) => f.ssim !== undefined)) {
    delete out.minSsim;
    unjudged.push('SSIM');
  }
  if (s.minStructure !== undefined && !facts.some((f) => f.minStructure !== undefined)) {
    delete out.minStructure;
    unjudged.push('structure');
  }
  if ((s.minAdherence !== undefined || s.bestAdherence) && !facts.some((f) => f.adherence !== undefined)) {
    delete out.minAdherence;
    delete out.bestAdherence;
    unjudged.push('adherence');
  }
  return { scenario: out, unjudged };
}

/** The cheapest setting meeting each scenario, and what it gives up against the best one. */
export function decisionTable(facts: readonly SettingFacts[], scenarios: readonly Scenario[] = DEFAULT_SCENARIOS): Decision[] {
  const timed = facts.filter((f) => f.timeMs !== undefined);
  const bestAdherence = facts.reduce<number | undefined>(
    (m, f) => (f.adherence === undefined ? m : Math.max(m ?? -1, f.adherence)),
    undefined,
  );
  // The best: the highest SSIM (the reference scores 1), else the slowest.
  const best = [...timed].sort((a, b) => (b.ssim ?? -1) - (a.ssim ?? -1) || b.timeMs! - a.timeMs!)[0];
  return scenarios.map((scenario) => {
    const needs = scenarioNeeds(scenario);
    const { scenario: asked, unjudged } = judgeable(scenario, facts);
    const notRated = unjudged.length ? `not judged on ${unjudged.join(' or ')} (not scored yet)` : undefined;
    // Every requirement unscored: any setting would pass, which says nothing.
    const left = asked.minSsim ?? asked.minStructure ?? asked.minAdherence ?? asked.bestAdherence;
    if (timed.length && unjudged.length && left === undefined)
      return { scenario, needs, note: `nothing to judge it on yet (${unjudged.join(', ')} not scored)`, unjudged };
    const ok = timed.filter((f) => !shortfall(asked, f, bestAdherence)).sort((a, b) => a.timeMs! - b.timeMs!);
    const pick = ok[0];
    if (!pick) {
      const why = [...new Set(timed.map((f) => shortfall(asked, f, bestAdherence)))].join(', ');
      return { scenario, needs, note: timed.length ? `no setting meets it (${why})` : 'nothing measured' };
    }
    const gives: string[] = [];
    if (!best || pick === best) gives.push('the best setting itself');
    else {
      gives.push(`${pct(pick.timeMs! / best.timeMs!)} of ${best.column}'s time`);
      if (pick.ssim !== undefined && best.ssim !== undefined) gives.push(`SSIM ${pick.ssim.toFixed(2)} vs ${best.ssim.toFixed(2)}`);
      if (pick.minStructure !== undefined && best.minStructure !== undefined && pick.minStructure < best.minStructure)
        gives.push(`lowest structure ${pick.minStructure} vs ${best.minStructure}`);
      if (pick.adherence !== undefined && best.adherence !== undefined && pick.adherence < best.adherence)
        gives.push(`adherence ${Math.round(pick.adherence)} vs ${Math.round(best.adherence)}`);
    }
    if (notRated) gives.push(notRated);
    return { scenario, needs, pick, note: gives.join('; '), ...(unjudged.length ? { unjudged } : {}) };
  });
}
