// Quick Fixes from the core: each suggestion a diagnostic makes becomes the edit that writes it, and
// the fixed text parses without that problem.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSpecs } from '../../src/core/spec/parse';
import { quickFixes, keepQuotes, type TextEdit } from '../../src/core/spec/quickFixes';
import { serverNameProblems } from '../../src/core/runs/serverNames';
import type { SpecDiagnostic } from '../../src/core/spec/types';
import { loadObjectInfo } from '../fakes/objectInfo';

/** `text` with the edits applied (one-line ranges, from the last to the first). */
function apply(text: string, edits: TextEdit[]): string {
  const lines = text.split('\n');
  for (const e of [...edits].sort((a, b) => b.range.start.line - a.range.start.line || b.range.start.character - a.range.start.character)) {
    const l = lines[e.range.start.line];
    lines[e.range.start.line] = l.slice(0, e.range.start.character) + e.newText + l.slice(e.range.end.character);
  }
  return lines.join('\n');
}

function fixOnly(text: string, code: string): { fixed: string; title: string; d: SpecDiagnostic } {
  const parsed = parseSpecs(text);
  const d = parsed.diagnostics.find((x) => x.code === code);
  assert.ok(d, `a ${code} diagnostic in ${JSON.stringify(parsed.diagnostics.map((x) => x.code))}`);
  const fixes = quickFixes(d, parsed.specs[d.specIndex ?? 0], text.split('\n'));
  assert.ok(fixes.length >= 1 && fixes[0].preferred, 'a preferred fix');
  return { fixed: apply(text, fixes[0].edits), title: fixes[0].title, d };
}

const codes = (text: string) => parseSpecs(text).diagnostics.map((d) => d.code);

describe('quick fixes', () => {
  it('an unknown key becomes the key it was probably meant to be', () => {
    const { fixed, title, d } = fixOnly('prompt: a fox\nsede: 7\n', 'unknown-key');
    assert.match(d.message, /Did you mean 'seed'\?/);
    assert.equal(title, "Change to 'seed'");
    assert.equal(fixed, 'prompt: a fox\nseed: 7\n');
    assert.deepEqual(codes(fixed), []);
  });

  it('a size off the template grid becomes the size the message proposes, in size: or in width and height', () => {
    const one = fixOnly('prompt: a fox\nsize: 500x500\n', 'size-multiple');
    assert.match(one.d.message, /try 496x496/);
    assert.equal(one.fixed, 'prompt: a fox\nsize: 496x496\n');
    const two = fixOnly('prompt: a fox\nwidth: 1000\nheight: 1030\n', 'size-multiple');
    assert.equal(two.fixed, 'prompt: a fox\nwidth: 1008\nheight: 1024\n');
    assert.ok(!codes(two.fixed).includes('size-multiple'));
  });

  it('a misspelt sampler, template, layout axis and variant reference keep their quotes', () => {
    assert.equal(fixOnly('prompt: a fox\nsampler: "eulr"\n', 'unknown-sampler').fixed, 'prompt: a fox\nsampler: "euler"\n');
    assert.equal(fixOnly('prompt: a fox\nmodel: qwen-imag\n', 'unknown-template').fixed, 'prompt: a fox\nmodel: qwen-image\n');
    const layout = fixOnly('prompt: a fox\nsweep:\n  cfg: [3, 4]\nlayout:\n  x: cgf\n', 'unknown-layout-axis');
    assert.equal(layout.fixed, 'prompt: a fox\nsweep:\n  cfg: [3, 4]\nlayout:\n  x: cfg\n');
    const ref = fixOnly('prompt: a fox\nvariants:\n  - name: base\n  - name: warm\n    cfg: 5\nreference: bsae\n', 'unknown-reference');
    assert.match(ref.fixed, /reference: base\n$/);
  });

  it("a fix inside a variant edits the variant's own width and height", () => {
    const text = 'prompt: a fox\nvariants:\n  - name: wide\n    width: 1000\n    height: 1030\n';
    const { fixed } = fixOnly(text, 'size-multiple');
    assert.equal(fixed, 'prompt: a fox\nvariants:\n  - name: wide\n    width: 1008\n    height: 1024\n');
  });

  it('quotes a replacement YAML would misread', () => {
    assert.equal(keepQuotes('eulr', 'euler'), 'euler');
    assert.equal(keepQuotes("'x'", "it's"), "'it''s'");
    assert.equal(keepQuotes('x', 'a: b'), '"a: b"');
    assert.equal(keepQuotes('x', 'off'), '"off"');
  });
});

describe('names the live server lacks', () => {
  const info = loadObjectInfo();
  const check = (text: string) => {
    const parsed = parseSpecs(text);
    return parsed.specs.flatMap((s) => serverNameProblems(s, info, text.split('\n')));
  };

  it("an unknown sampler and model file are errors with the server's closest names as fixes", () => {
    const text = 'prompt: a fox\nsampler: eulr_ancestral\nmodels:\n  unet: qwen_image_fp8.safetensors\n';
    const [sampler, unet] = check(text);
    assert.equal(sampler.severity, 'error');
    assert.match(sampler.message, /The server has no sampler 'eulr_ancestral'\. Closest it has: euler_ancestral/);
    assert.match(unet.message, /no unet file 'qwen_image_fp8\.safetensors'.*qwen_image_fp8_e4m3fn\.safetensors/);
    const fixes = quickFixes(unet, undefined, text.split('\n'));
    assert.ok(fixes.length >= 1);
    assert.equal(apply(text, fixes[0].edits), text.replace('qwen_image_fp8.safetensors', fixes[0].title.match(/'(.*)'/)![1]));
  });

  it('names the server offers, a GGUF unet, swept samplers it has and `lora: off` pass', () => {
    const ok =
      'prompt: a fox\nmodel: qwen-image-gguf\nmodels:\n  unet: qwen-image-2512-Q4_K_M.gguf\nlora: off\nsweep:\n  sampler: [euler, dpmpp_2m]\n';
    assert.deepEqual(check(ok), []);
    assert.equal(check('prompt: a fox\nsweep:\n  sampler: [euler, eulr]\n').length, 1);
  });
});
