/**
 * Editor latency: what typing in a 200-spec .qwenprompt file (~3,000 lines) costs the extension host.
 * Every keystroke re-runs parse + schema validation (diagnostics) and the CodeLens rows, so the whole
 * round must stay far below a frame. Cold = no document seen before (every chunk parsed); warm = one
 * spec edited in a file already parsed (the parser caches per YAML document).
 */
import { parseSpecs, parseSpecsSliced } from '../src/core/spec/parse';
import type { Spec } from '../src/core/spec/types';
import { fmt, median, printTable, quantile, verdict } from './table';

const SPEC = (k: number, salt: string) => `# spec ${k}${salt}: what do more steps buy?
name: portrait ${k}
model: qwen-image-2512            # built-in template
prompt: >
  A photorealistic portrait of a young woman wearing a light blue linen shirt,
  standing in front of a sunlit bamboo forest, soft focus background, 85mm f/1.2
negative: deformed, blurry, low quality, text, watermark
seed: ${123456789 + k}
size: 1024x1024
sampler: dpmpp_2m
scheduler: karras
cfg: 7.0
steps: [20, 40, 60]
repeats: 3
sweep:
  cfg: [6.5, 7.0]
`;

export function specFile(n: number, salt = ''): string {
  return Array.from({ length: n }, (_, k) => SPEC(k, salt)).join('---\n');
}

/** The plain data of each spec's lens row (what the CodeLens provider maps to vscode.CodeLens). */
function lensRows(specs: Spec[]): { line: number; titles: string[] }[] {
  return specs.map((s) => ({
    line: s.lensLine,
    titles: s.errorCount
      ? [`${s.errorCount} problem(s)`]
      : [...s.steps.map((n) => `▶ ${n} steps`), '▶ All', ...(s.sweep.length ? ['▶ Sweep'] : []), 'Open results'],
  }));
}

function round(text: string): number {
  const t = performance.now();
  const r = parseSpecs(text);
  lensRows(r.specs);
  return performance.now() - t;
}

/** Opening a new file the way the extension does (in slices): total time, and the longest stretch the
 * event loop was blocked, i.e. the longest a keystroke or another extension would have waited. */
async function slicedRound(text: string): Promise<{ total: number; block: number }> {
  let last = performance.now();
  let block = 0;
  const probe = setInterval(() => {
    const now = performance.now();
    block = Math.max(block, now - last);
    last = now;
  }, 0);
  const t = performance.now();
  last = t;
  const r = await parseSpecsSliced(text);
  lensRows(r.specs);
  const total = performance.now() - t;
  clearInterval(probe);
  return { total, block: Math.max(block, performance.now() - last) };
}

export async function benchEditor(o: { specs: number; iterations: number }): Promise<void> {
  const base = specFile(o.specs);
  const lines = base.split('\n').length;
  const first = round(specFile(o.specs, ' first'));
  const cold: number[] = [];
  for (let k = 0; k < o.iterations; k++) cold.push(round(specFile(o.specs, ` cold ${k}`))); // every chunk new
  const sliced: { total: number; block: number }[] = [];
  for (let k = 0; k < o.iterations; k++) sliced.push(await slicedRound(specFile(o.specs, ` sliced ${k}`)));
  const blocks = sliced.map((x) => x.block);
  round(base);
  const warm: number[] = [];
  for (let k = 0; k < o.iterations; k++) {
    // One keystroke in one spec: that document's text changes, the other 199 are cache hits.
    warm.push(round(base.replace('name: portrait 57\n', `name: portrait 57${'x'.repeat(k + 1)}\n`)));
  }
  const specs = parseSpecs(base).specs.length;
  printTable(
    `Editor latency: parse + validate + CodeLens rows for ${specs} specs (${lines} lines), ${o.iterations} rounds`,
    ['case', 'median ms', 'p95 ms', 'target'],
    [
      ['first round in a fresh process (JIT cold)', fmt(first, 2), '', ''],
      ['cold: nothing cached (whole file new)', fmt(median(cold), 2), fmt(quantile(cold, 0.95), 2), `≤ 15 ${verdict(median(cold) <= 15)}`],
      [
        'cold, as the editor opens it: in slices, total',
        fmt(median(sliced.map((x) => x.total)), 2),
        fmt(
          quantile(
            sliced.map((x) => x.total),
            0.95,
          ),
          2,
        ),
        '',
      ],
      [
        '… longest the event loop was blocked meanwhile',
        fmt(median(blocks), 2),
        fmt(quantile(blocks, 0.95), 2),
        `≤ 15 ${verdict(median(blocks) <= 15)}`,
      ],
      ['warm: one spec edited', fmt(median(warm), 2), fmt(quantile(warm, 0.95), 2), `≤ 15 ${verdict(median(warm) <= 15)}`],
    ],
  );
}

if (require.main === module) {
  void benchEditor({ specs: 200, iterations: Number(process.argv[2] ?? 30) });
}
