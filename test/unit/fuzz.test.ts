/**
 * Broken input: generated and mutated .qwenprompt files. The parser never throws, every diagnostic
 * has a range inside the text (start ≤ end), and no file takes unbounded time. QWENPROMPT_SOAK=N
 * multiplies the count. A failure names its case number; rng(case) replays it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { loadUserGraph } from '../../src/core/comfy/graph';
import { parseSpecs } from '../../src/core/spec/parse';
import type { Range } from '../../src/core/spec/types';
import { rng, trials } from './helpers/trials';

const EXAMPLES = path.resolve(__dirname, '../../../examples');
const seeds = readdirSync(EXAMPLES)
  .filter((f) => f.endsWith('.qwenprompt'))
  .map((f) => readFileSync(path.join(EXAMPLES, f), 'utf8'));

const KEYS = [
  'name',
  'model',
  'workflow',
  'prompt',
  'negative',
  'seed',
  'seeds',
  'size',
  'sampler',
  'scheduler',
  'cfg',
  'steps',
  'repeats',
  'sweep',
  'denoise',
  'shift',
  'inputs',
  'models',
  'unknown_key',
  '',
  '? complex',
];
const VALUES = [
  '',
  '~',
  'null',
  'true',
  '0',
  '-1',
  '1e309',
  'NaN',
  '.inf',
  '7.0',
  '20',
  '123456789012345678901234567890',
  '[20, 40, 60]',
  '[]',
  '{}',
  '[1, [2, [3]]]',
  '{a: b}',
  '"unterminated',
  "'x'",
  '>\n  folded\n  text',
  '|-\n  literal',
  '&a x',
  '*a',
  '*nope',
  '!!binary aGk=',
  '!custom x',
  '1024x1024',
  '0x0',
  '99999x99999',
  'dpmpp_2m',
  'karras',
  'qwen-image-2512',
  './x.json',
  '../../../etc/passwd',
  '\u0000',
  '\ufeff',
  '😀 emoji',
  '<img src=x onerror=alert(1)>',
  '{{template}}',
  '- a\n- b',
  'a: b: c',
  '\t tab',
];
const NOISE = [
  '\n',
  '\r\n',
  '\r',
  '\t',
  ' ',
  ':',
  '- ',
  '---\n',
  '...\n',
  '#',
  '"',
  "'",
  '[',
  ']',
  '{',
  '}',
  ',',
  '&',
  '*',
  '!',
  '|',
  '>',
  '%YAML 1.2\n',
  '? ',
  '\u0000',
  '\ufeff',
  '\u2028',
  'é',
  '𝕏',
];

function pick<T>(r: () => number, xs: readonly T[]): T {
  return xs[Math.floor(r() * xs.length)];
}

/** A spec built from random keys and values, sometimes nested under sweep or inputs, sometimes several documents. */
function generated(r: () => number): string {
  const docs = 1 + Math.floor(r() * 3);
  const out: string[] = [];
  for (let d = 0; d < docs; d++) {
    if (d) out.push(pick(r, ['---', '--- ', '---\t# c', '--- !tag']));
    const n = Math.floor(r() * 12);
    for (let i = 0; i < n; i++) {
      const indent = r() < 0.15 ? '  '.repeat(1 + Math.floor(r() * 3)) : '';
      out.push(`${indent}${pick(r, KEYS)}:${r() < 0.9 ? ' ' : ''}${pick(r, VALUES)}${r() < 0.1 ? ' # comment' : ''}`);
    }
  }
  return out.join(pick(r, ['\n', '\n', '\r\n']));
}

/** A real example with random edits: insertions, deletions, duplicated or swapped lines, truncation. */
function mutated(r: () => number): string {
  let s = pick(r, seeds);
  const edits = 1 + Math.floor(r() * 8);
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(r() * (s.length + 1));
    const kind = Math.floor(r() * 6);
    if (kind === 0) s = s.slice(0, at) + pick(r, NOISE) + s.slice(at);
    else if (kind === 1) s = s.slice(0, at) + s.slice(at + 1 + Math.floor(r() * 20));
    else if (kind === 2) s = s.slice(0, at);
    else if (kind === 3) s = s.slice(0, at) + pick(r, VALUES) + s.slice(at);
    else {
      const lines = s.split('\n');
      const i = Math.floor(r() * lines.length);
      const j = Math.floor(r() * lines.length);
      if (kind === 4) lines.splice(i, 0, lines[j]);
      else [lines[i], lines[j]] = [lines[j], lines[i]];
      s = lines.join('\n');
    }
  }
  return s;
}

/** Hand-made worst cases: deep nesting, huge lines, alias bombs, only separators. */
const PATHOLOGICAL = [
  '',
  '\n\n\n',
  '---\n---\n---\n',
  'steps: ' + '['.repeat(2000) + ']'.repeat(2000),
  'prompt: ' + 'x'.repeat(1_000_000),
  'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\nsteps: [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n',
  'sweep:\n' + '  cfg: [1]\n'.repeat(5000),
  Array.from({ length: 3000 }, (_, i) => `name: s${i}\nsteps: [20]\n---`).join('\n'),
  '- a\n- b\n',
  '"just a string"',
  'name: \u0000\u0001\u0002',
];

function lineLengths(text: string): number[] {
  return text.split('\n').map((l) => l.length);
}

function checkRange(r: Range, lines: number[], what: string): void {
  for (const p of [r.start, r.end]) {
    assert.ok(Number.isInteger(p.line) && p.line >= 0 && p.line < lines.length, `${what}: line ${p.line} of ${lines.length}`);
    assert.ok(
      Number.isInteger(p.character) && p.character >= 0 && p.character <= lines[p.line],
      `${what}: character ${p.character} of ${lines[p.line]} on line ${p.line}`,
    );
  }
  const ordered = r.start.line < r.end.line || (r.start.line === r.end.line && r.start.character <= r.end.character);
  assert.ok(ordered, `${what}: start ${JSON.stringify(r.start)} after end ${JSON.stringify(r.end)}`);
}

/** Parses and checks one file; returns the time it took, ms. */
function check(text: string, what: string): number {
  const t = performance.now();
  let result;
  try {
    result = parseSpecs(text);
  } catch (e) {
    assert.fail(`${what}: parseSpecs threw ${(e as Error).stack}\n--- input ---\n${text.slice(0, 2000)}`);
  }
  const ms = performance.now() - t;
  const lines = lineLengths(text);
  for (const d of result.diagnostics) {
    checkRange(d.range, lines, `${what}: diagnostic "${d.message}"`);
    assert.ok(d.message.length > 0, `${what}: a diagnostic says something`);
  }
  for (const s of result.specs) {
    assert.ok(s.lensLine >= 0 && s.lensLine < lines.length, `${what}: lens line ${s.lensLine}`);
    checkRange(s.range, lines, `${what}: spec range`);
  }
  return ms;
}

test(
  `parseSpecs survives ${trials(10_000)} generated and mutated specs: never throws, every range inside the text`,
  { timeout: 600_000 },
  (t) => {
    const n = trials(10_000);
    let slowest = 0;
    for (let i = 0; i < n; i++) {
      const r = rng(i + 1);
      const text = i % 2 ? mutated(r) : generated(r);
      slowest = Math.max(slowest, check(text, `case ${i}`));
    }
    t.diagnostic(`${n} files, slowest ${slowest.toFixed(1)} ms`);
    // A generous bound: it catches runaway (exponential or endless) parsing, not slowness under load.
    assert.ok(slowest < 5000, `slowest file took ${Math.round(slowest)} ms`);
  },
);

test(
  'pathological files (deep nesting, a 1 MB line, alias bombs, 3000 documents) are parsed in bounded time',
  { timeout: 120_000 },
  (t) => {
    PATHOLOGICAL.forEach((text, i) => {
      const ms = check(text, `pathological ${i}`);
      t.diagnostic(`pathological ${i} (${text.length} chars): ${ms.toFixed(1)} ms`);
      assert.ok(ms < 20_000, `pathological ${i} took ${Math.round(ms)} ms`);
    });
  },
);

test('a UI-format workflow (what Save writes) is refused with how to export the API format', () => {
  const ui = JSON.stringify({
    last_node_id: 9,
    last_link_id: 9,
    nodes: [{ id: 3, type: 'KSampler', widgets_values: [1, 'fixed', 20] }],
    links: [],
    version: 0.4,
  });
  assert.throws(
    () => loadUserGraph(ui, 'my-graph.json'),
    (e: Error) => /Export \(API\)|API format/i.test(e.message) && /my-graph\.json/.test(e.message),
  );
  for (const bad of ['', 'not json', '[]', '42', '{"1": "x"}', '{"1": {"inputs": {}}}']) {
    assert.throws(
      () => loadUserGraph(bad, 'g.json'),
      (e: Error) => e.message.includes('g.json'),
      `refused: ${JSON.stringify(bad)}`,
    );
  }
});
