// The study written out in Markdown, for a pull request or a wiki: setup, timing (warm and cold apart,
// VRAM), convergence, ratings with agreement and adherence, defect regions, the decision table and the grid.
import { ratingsMarkdown } from '../quality/agreementText';
import { columnConvergence, fixedSettings } from '../quality/exportTable';
import { qualitySummary } from '../quality/ratings';
import { CRITERION_TEXT } from '../../shared/criteria';
import { formatMeanSd, formatMs, formatVram } from '../../shared/format';
import type { RunRecord } from '../../shared/runRecord';
import { decisionMarkdown } from '../../shared/decisionText';
import { referenceSentence } from '../../shared/referenceText';
import type { ScenarioLayer } from '../../shared/scenarios';

const md = (s: string) => s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
const table = (head: string[], rows: string[][], numeric = (i: number) => i > 0) => [
  `| ${head.join(' | ')} |`,
  `| ${head.map((_, i) => (numeric(i) ? '---:' : '---')).join(' | ')} |`,
  ...rows.map((r) => `| ${r.join(' | ')} |`),
];

/** Model files the graph loads: every loader input named *_name (ckpt_name, unet_name, clip_name, vae_name, lora_name). */
export function modelFiles(record: RunRecord): string[] {
  const out = new Set<string>();
  for (const c of record.cells) {
    for (const node of Object.values(c.graph ?? {})) {
      if (!/Loader/.test(node.class_type)) continue;
      for (const [k, v] of Object.entries(node.inputs ?? {}))
        if (/_name\d*$/.test(k) && typeof v === 'string') out.add(`${v} (${node.class_type})`);
    }
  }
  return [...out].sort();
}

/** The run's setup as label/value rows (the report page shows them above the panel). */
export function setupRows(record: RunRecord): [string, string][] {
  const s = record.server;
  const swept = new Map<string, Set<string>>();
  for (const c of record.cells) for (const [k, v] of Object.entries(c.axes)) swept.set(k, (swept.get(k) ?? new Set()).add(String(v)));
  const rows: [string, string | undefined][] = [
    ['Server', s.url],
    ['GPU', [s.gpu, s.vramTotalBytes ? `${formatVram(s.vramTotalBytes)} VRAM` : undefined].filter(Boolean).join(', ')],
    [
      'ComfyUI',
      [s.comfyuiVersion, s.pytorchVersion && `PyTorch ${s.pytorchVersion}`, s.pythonVersion && `Python ${s.pythonVersion}`, s.os]
        .filter(Boolean)
        .join(' · '),
    ],
    ['Model files', modelFiles(record).join(', ')],
    ['Fixed settings', fixedSettings(record).join(', ')],
    ['Swept', [...swept].map(([k, v]) => `${k}: ${[...v].join(', ')}`).join('; ')],
    ['Images', `${record.cells.filter((c) => c.images.length).length} of ${record.cells.length}`],
    ['Client wall time', record.wallMs !== undefined ? formatMs(record.wallMs) : undefined],
  ];
  return rows.filter((r): r is [string, string] => !!r[1]);
}

function setup(record: RunRecord): string[] {
  return table(
    ['', ''],
    setupRows(record).map(([k, v]) => [k, md(v)]),
    () => false,
  );
}

function timing(record: RunRecord): string[] {
  const rows = record.stats.map((s) => [
    md(s.column),
    String(s.warm?.n ?? 0),
    formatMeanSd(s.warm ?? (s.cold ? undefined : s.all)),
    s.cold ? `${formatMeanSd(s.cold)} (n=${s.cold.n})` : '–',
    s.relativeCost !== undefined ? `${s.relativeCost.toFixed(2)}×` : '–',
    s.itPerSec ? s.itPerSec.mean.toFixed(2) : '–',
    formatVram(s.peakDeviceVramBytes ?? s.peakVramBytes),
    formatVram(s.peakTorchVramBytes),
    [s.cachedCount ? `${s.cachedCount} cached` : '', s.failedCount ? `${s.failedCount} failed` : ''].filter(Boolean).join(', '),
  ]);
  return [
    ...table(
      ['Setting', 'n warm', 'Warm (mean ± σ)', 'Cold (models loaded)', 'Relative cost', 'it/s', 'VRAM (device)', 'VRAM (PyTorch)', ''],
      rows,
    ),
    '',
    "_Execution time is ComfyUI's own (execution_success − execution_start); cold runs load the models and are kept apart; cached runs measured nothing and are left out._",
  ];
}

function convergence(record: RunRecord): string[] {
  const conv = columnConvergence(record);
  if (!conv.size) return ['_No convergence scores (one step count, or no images)._'];
  const rows = record.stats.map((s) => {
    const c = conv.get(s.column);
    return [
      md(s.column),
      c ? c.ssim.toFixed(3) : '–',
      c ? c.deltaE.toFixed(2) : '–',
      c ? String(c.n) : '0',
      formatMs((s.warm ?? s.all)?.mean),
    ];
  });
  const lines = table(['Setting', 'SSIM', 'ΔE', 'Seeds', 'Time'], rows);
  const r = record.convergence?.reference;
  if (r) lines.push('', ...r.points.filter((p) => p.column !== r.column).map((p) => `- ${md(referenceSentence(p, r.label))}`));
  return lines;
}

function regions(record: RunRecord): string[] {
  const marked = (record.ratings ?? []).flatMap((r) => (r.regions ?? []).map((g) => ({ r, g })));
  if (!marked.length) return ['_No defect regions marked._'];
  const cells = new Map(record.cells.map((c) => [c.key, c]));
  return table(
    ['Image', 'Criterion', 'Word', 'Box (x, y, w, h of the image)', 'Rater'],
    marked.map(({ r, g }) => [
      md(cells.get(r.cell) ? `${cells.get(r.cell)!.column} · seed ${cells.get(r.cell)!.seed}` : r.cell),
      CRITERION_TEXT[g.criterion].label,
      md(g.word),
      [g.x, g.y, g.w, g.h].map((v) => `${Math.round(v * 100)} %`).join(', '),
      md(r.rater ?? 'unnamed'),
    ]),
    () => false,
  );
}

function grid(record: RunRecord, imageBase: string): string[] {
  const columns = [...new Set(record.cells.map((c) => c.column))];
  const seeds = [...new Set(record.cells.map((c) => c.seed))];
  const rows = seeds.map((seed) => [
    `seed ${seed}`,
    ...columns.map((col) => {
      const c = record.cells.find((x) => x.seed === seed && x.column === col);
      const img = c?.images[0];
      if (!img) return c ? md(c.status) : '–';
      const shown = img.thumb ?? img.file;
      return `[![${md(`${col}, seed ${seed}`)}](${imageBase}/${encodeURI(shown)})](${imageBase}/${encodeURI(img.file)})`;
    }),
  ]);
  return table(['', ...columns.map(md)], rows, () => false);
}

/** One run's report; `imageBase` is where its images were copied, relative to the Markdown file. */
export function runReportMarkdown(record: RunRecord, imageBase: string, opts: { level?: number; scenarios?: ScenarioLayer } = {}): string {
  const h = '#'.repeat(opts.level ?? 1);
  const sub = `${h}#`;
  const q = qualitySummary(record);
  return [
    `${h} ${md(record.spec.name)}`,
    '',
    `Run ${md(record.id)} · ${record.createdAt.slice(0, 16).replace('T', ' ')} UTC · ${record.status} · spec ${md(record.spec.file)}`,
    '',
    `${sub} Setup`,
    '',
    ...setup(record),
    '',
    `${sub} Timing`,
    '',
    ...timing(record),
    '',
    `${sub} Convergence`,
    '',
    ...convergence(record),
    '',
    `${sub} Ratings`,
    '',
    ratingsMarkdown(q).trimEnd(),
    '',
    `${sub} Defect regions`,
    '',
    ...regions(record),
    '',
    `${sub} Decision`,
    '',
    ...decisionMarkdown(record, opts.scenarios),
    '',
    `${sub} Grid`,
    '',
    ...grid(record, imageBase),
    '',
  ].join('\n');
}
