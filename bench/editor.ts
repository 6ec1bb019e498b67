/**
 * Editor latency: what typing in a 200-spec .qwenprompt file (~3,000 lines) costs the extension host.
 * Every keystroke re-runs parse + schema validation (diagnostics) and the CodeLens rows, so the whole
 * round must stay far below a frame. Cold = no document seen before (every chunk parsed); warm = one
 * spec edited in a file already parsed (the parser caches per YAML document).
 */
import { parseSpecs } from '../src/core/spec/parse';
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
    titles: s.errorCount ? [`${s.errorCount} problem(s)`] : [...s.steps.map((n) => `▶ ${n} steps`), '▶ All', ...(s.sweep.length ? ['▶ Sweep'] : []), 'Open results'],
  }));
}

function round(text: string): number {
  const t = performance.now();
  const r = parseSpecs(text);
  lensRows(r.specs);
  return performance.now() - t;
}

export function benchEditor(o: { specs: number; iterations: number }): void {
  const base = specFile(o.specs);
  const lines = base.split('\n').length;
  const first = round(specFile(o.specs, ' first'));
  const cold: number[] = [];
  for (let k = 0; k < o.iterations; k++) cold.push(round(specFile(o.specs, ` cold ${k}`))); // every chunk new
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
      ['warm: one spec edited', fmt(median(warm), 2), fmt(quantile(warm, 0.95), 2), `≤ 15 ${verdict(median(warm) <= 15)}`],
    ],
  );
}

if (require.main === module) {
  benchEditor({ specs: 200, iterations: Number(process.argv[2] ?? 30) });
}
