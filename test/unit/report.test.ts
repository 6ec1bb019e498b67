import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { markdownSummary } from '../../src/core/quality/exportTable';
import { modelFiles } from '../../src/core/report/reportMarkdown';
import { writeReport } from '../../src/core/report/writeReport';
import { readRunRecord, writeRunRecord } from '../../src/core/runs/record';
import { ROOT } from './helpers/specJobs';

const FIXTURE = path.join(ROOT, 'test/fixtures/runs/steps-study/2026-11-20T09-00-00Z');
const PNG = path.join(ROOT, 'test/fixtures/comfy/sample-output.png');

/** The fixture run with real PNGs, scored as a steps sweep is (SSIM 0.8 / 0.96 / 1 per step count). */
async function scoredRun(): Promise<string> {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'qp-report-')), 'run');
  cpSync(FIXTURE, dir, { recursive: true });
  const r = await readRunRecord(dir);
  const ssim: Record<string, number> = { 20: 0.8, 40: 0.96, 60: 1 };
  for (const c of r.cells) {
    for (const i of c.images) copyFileSync(PNG, path.join(dir, i.file));
    c.convergence = { reference: c.key, ssim: ssim[String(c.axes.steps)], deltaE: c.axes.steps === 60 ? 0 : 1.5 };
  }
  await writeRunRecord(dir, r);
  return dir;
}

test('the Markdown summary gains mean SSIM and ΔE per setting once the run is scored', async () => {
  const md = markdownSummary(await readRunRecord(await scoredRun()));
  assert.match(
    md,
    /\| Setting \| n \| Time \(mean ± σ\) \| Relative cost \| it\/s \| VRAM \(device\) \| VRAM \(PyTorch\) \| SSIM \| ΔE \|/,
  );
  assert.match(md, /\| 20 steps \| 2 \| 58\.2 ± 0\.1 s \|[^\n]*\| 0\.800 \| 1\.50 \|/);
  assert.match(md, /\| 60 steps \|[^\n]*\| 1\.000 \| 0\.00 \|/);
});

test('a report is report.md and report.html with the images copied beside them; the page inlines its code and allows no remote load', async () => {
  const dir = await scoredRun();
  const out = path.join(path.dirname(dir), 'out');
  const done = await writeReport([dir], out);
  const record = await readRunRecord(dir);
  assert.equal(done.images, record.cells.filter((c) => c.images.length).length);
  for (const c of record.cells) for (const i of c.images) assert.ok(existsSync(path.join(out, 'images', record.id, i.file)), i.file);
  const md = readFileSync(done.markdown, 'utf8');
  assert.match(md, /^# bamboo portrait\n/);
  assert.match(md, /\| GPU \| NVIDIA GeForce RTX 4090/);
  assert.match(md, /\| 20 steps \| 2 \| 58\.2 ± 0\.1 s \| 1\.2 min \(n=1\)|\| 20 steps \| 2 \| 58\.2 ± 0\.1 s \| [^|]+ \(n=1\)/);
  assert.match(md, /\| everyday \| SSIM ≥ 0\.95 \| \*\*40 steps\*\* \|/);
  assert.match(md, /\[!\[20 steps, seed 123456789\]\(images\/2026-11-20T09-00-00Z\/steps20-r0\.png\)\]/);
  const html = readFileSync(done.html, 'utf8');
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1];
  assert.match(csp, /^default-src 'none'; img-src 'self' file: data: blob:; style-src 'nonce-[^']+'; script-src 'nonce-[^']+'/);
  assert.doesNotMatch(csp, /https?:|connect-src|\*/);
  assert.doesNotMatch(html, /<script[^>]*\bsrc=|<link\b|<iframe/i);
  assert.equal((html.match(/<script type="module" nonce="/g) ?? []).length, 2, 'the stand-in for VS Code, then the panel');
  assert.doesNotMatch(
    html,
    new RegExp(dir.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')),
    'the page does not name the run folder on this machine',
  );
});

test('model files are the loaders’ inputs, not the sampler’s names', async () => {
  const r = await readRunRecord(FIXTURE);
  r.cells[0].graph = {
    '1': { class_type: 'UNETLoader', inputs: { unet_name: 'qwen_image_2512_fp8_e4m3fn.safetensors', weight_dtype: 'default' } },
    '2': { class_type: 'CLIPLoader', inputs: { clip_name: 'qwen_2.5_vl_7b_fp8_scaled.safetensors', type: 'qwen_image' } },
    '3': { class_type: 'KSampler', inputs: { sampler_name: 'dpmpp_2m', scheduler: 'karras', model: ['1', 0] } },
    '4': { class_type: 'DualCLIPLoader', inputs: { clip_name1: 'a.safetensors', clip_name2: 'b.safetensors' } },
  };
  assert.deepEqual(modelFiles(r), [
    'a.safetensors (DualCLIPLoader)',
    'b.safetensors (DualCLIPLoader)',
    'qwen_2.5_vl_7b_fp8_scaled.safetensors (CLIPLoader)',
    'qwen_image_2512_fp8_e4m3fn.safetensors (UNETLoader)',
  ]);
});
