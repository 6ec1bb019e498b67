// The summary of a run as the study printed it: one row per setting, time and VRAM beside the
// reviewers' mean scores. Markdown for a README or a pull request, CSV for a spreadsheet.
import { CRITERIA, CRITERION_TEXT } from '../../shared/criteria';
import { formatMeanSd, formatMs, formatVram, VRAM_FIGURES } from '../../shared/format';
import type { QualitySummary } from '../../shared/quality';
import type { RunRecord } from '../../shared/runRecord';
import { decisionMarkdown, hasDecision } from '../../shared/decisionText';
import type { ScenarioLayer } from '../../shared/scenarios';
import { qualitySummary } from './ratings';

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** The settings every image of the run shares (the swept ones vary and head the rows instead). */
export function fixedSettings(record: Pick<RunRecord, 'cells' | 'spec'>): string[] {
  const spec = obj(record.spec.resolved);
  const swept = new Set(record.cells.flatMap((c) => Object.keys(c.axes)));
  const out: string[] = [];
  const add = (key: string, text: string | undefined) => {
    if (!swept.has(key) && text) out.push(text);
  };
  const model = typeof spec.model === 'string' ? spec.model : typeof spec.workflow === 'string' ? `workflow ${spec.workflow}` : undefined;
  if (model) out.push(model);
  const seeds = [...new Set(record.cells.map((c) => c.seed))].sort((a, b) => a - b);
  const contiguous = seeds.every((v, i) => i === 0 || v === seeds[i - 1] + 1);
  if (seeds.length === 1) out.push(`seed ${seeds[0]}`);
  else if (seeds.length > 1) out.push(contiguous ? `seeds ${seeds[0]}–${seeds[seeds.length - 1]}` : `seeds ${seeds.join(', ')}`);
  add('size', spec.width && spec.height ? `${String(spec.width)}×${String(spec.height)}` : undefined);
  add('sampler', typeof spec.sampler === 'string' ? spec.sampler : undefined);
  add('scheduler', typeof spec.scheduler === 'string' ? spec.scheduler : undefined);
  add('cfg', typeof spec.cfg === 'number' ? `CFG ${spec.cfg}` : undefined);
  add('shift', typeof spec.shift === 'number' ? `shift ${spec.shift}` : undefined);
  add('denoise', typeof spec.denoise === 'number' && spec.denoise !== 1 ? `denoise ${spec.denoise}` : undefined);
  return out;
}

const score = (v: number | undefined) => (v === undefined ? '–' : v.toFixed(2));

interface Row {
  cells: string[];
}

/** Mean SSIM and ΔE to the reference per column, over the seeds scored (empty when none was). */
export function columnConvergence(record: Pick<RunRecord, 'cells'>): Map<string, { ssim: number; deltaE: number; n: number }> {
  const out = new Map<string, { ssim: number; deltaE: number; n: number }>();
  for (const c of record.cells) {
    if (!c.convergence) continue;
    const m = out.get(c.column) ?? { ssim: 0, deltaE: 0, n: 0 };
    m.ssim = (m.ssim * m.n + c.convergence.ssim) / (m.n + 1);
    m.deltaE = (m.deltaE * m.n + c.convergence.deltaE) / (m.n + 1);
    m.n += 1;
    out.set(c.column, m);
  }
  return out;
}

function rows(record: RunRecord, quality: QualitySummary): { headers: string[]; rows: Row[]; rated: boolean } {
  const rated = quality.votes > 0;
  const conv = columnConvergence(record);
  const headers = ['Setting', 'n', 'Time (mean ± σ)', 'Relative cost', 'it/s', ...VRAM_FIGURES.map((f) => f.label)];
  if (conv.size) headers.push('SSIM', 'ΔE');
  if (rated) headers.push(...CRITERIA.map((k) => CRITERION_TEXT[k].label), 'Overall');
  const out = record.stats.map((s) => {
    const time = s.warm ?? s.all;
    const cells = [
      s.column,
      String(time?.n ?? 0),
      formatMeanSd(time),
      s.relativeCost !== undefined ? `${s.relativeCost.toFixed(2)}×` : '–',
      s.itPerSec ? s.itPerSec.mean.toFixed(2) : '–',
      ...VRAM_FIGURES.map((f) => formatVram(s[f.key])),
    ];
    if (conv.size) {
      const c = conv.get(s.column);
      cells.push(c ? c.ssim.toFixed(3) : '–', c ? c.deltaE.toFixed(2) : '–');
    }
    if (rated) {
      const q = quality.settings.find((x) => x.column === s.column);
      cells.push(
        ...CRITERIA.map((k) => score(q?.means[k])),
        q?.overall === undefined ? '–' : `${score(q.overall)}${q.onFront ? ' ★' : ''}`,
      );
    }
    return { cells };
  });
  return { headers, rows: out, rated };
}

const mdEscape = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');

/** A GitHub-flavoured Markdown table with a caption naming the spec, the GPU and the fixed settings. */
export function markdownSummary(record: RunRecord, scenarios?: ScenarioLayer): string {
  const quality = qualitySummary(record);
  const { headers, rows: body, rated } = rows(record, quality);
  const server = [record.server.gpu, record.server.comfyuiVersion && `ComfyUI ${record.server.comfyuiVersion}`].filter(Boolean);
  const caption = [`**${mdEscape(record.spec.name)}**`, ...server, record.createdAt.slice(0, 10)].join(' · ');
  const numeric = headers.map((_, i) => i > 0);
  const lines = [
    caption,
    '',
    `Fixed: ${fixedSettings(record).map(mdEscape).join(', ') || '–'}`,
    '',
    `| ${headers.join(' | ')} |`,
    `| ${numeric.map((n) => (n ? '---:' : '---')).join(' | ')} |`,
    ...body.map((r) => `| ${r.cells.map(mdEscape).join(' | ')} |`),
  ];
  const notes: string[] = [];
  const cold = record.stats.filter((s) => s.cold && s.warm);
  if (cold.length) notes.push('Times are warm runs; cold runs (models loaded) are left out.');
  const cached = record.stats.reduce((n, s) => n + s.cachedCount, 0);
  if (cached) notes.push(`${cached} image(s) served from cache were not measured.`);
  if (rated) notes.push(`Scores 1–5, mean of ${quality.votes} vote(s) in ${quality.rounds} round(s); ★ no faster setting scored as well.`);
  if (columnConvergence(record).size)
    notes.push("SSIM and ΔE: mean over the seeds against the same seed's top step count (SSIM 1 = same structure, ΔE 0 = same colours).");
  if (notes.length) lines.push('', ...notes.map((n) => `_${n}_`));
  // The decision table in place of a recommendation line: the cheapest setting per scenario.
  if (hasDecision(record)) lines.push('', '**Decision:**', '', ...decisionMarkdown(record, scenarios));
  return lines.join('\n') + '\n';
}

function csvField(v: string | number | boolean | undefined): string {
  if (v === undefined) return '';
  const s = typeof v === 'number' ? String(Math.round(v * 1000) / 1000) : String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One row per setting, plain numbers (ms, bytes) so a spreadsheet can compute with them. */
export function csvSummary(record: RunRecord): string {
  const quality = qualitySummary(record);
  const axes = [...new Set(record.stats.flatMap((s) => Object.keys(s.axes)))];
  const headers = [
    'setting',
    ...axes,
    'n',
    'mean_ms',
    'sd_ms',
    'min_ms',
    'max_ms',
    'cold_n',
    'cold_mean_ms',
    'relative_cost',
    'it_per_s',
    'peak_vram_bytes',
    'cached',
    'failed',
    ...CRITERIA,
    'overall',
    'votes',
    'on_front',
  ];
  const lines = [headers.join(',')];
  for (const s of record.stats) {
    const t = s.warm ?? s.all;
    const q = quality.settings.find((x) => x.column === s.column);
    lines.push(
      [
        s.column,
        ...axes.map((a) => s.axes[a]),
        t?.n ?? 0,
        t?.mean,
        t?.sd,
        t?.min,
        t?.max,
        s.cold?.n ?? 0,
        s.cold?.mean,
        s.relativeCost,
        s.itPerSec?.mean,
        s.peakVramBytes,
        s.cachedCount,
        s.failedCount,
        ...CRITERIA.map((k) => q?.means[k]),
        q?.overall,
        q?.votes ?? 0,
        q?.overall === undefined ? undefined : q.onFront ? 'yes' : 'no',
      ]
        .map(csvField)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
