// src/shared: the pure pieces the host, the CLI and the panel all use, tested directly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { openImageFile, sha256 } from '../../src/core/runs/imageFile';
import { keptCells } from '../../src/core/runs/resume';
import { CRITERIA, CRITERION_TEXT, isCriterion, isScore } from '../../src/shared/criteria';
import { formatVram, formatMeanSd, formatMs, summaryTable, textTable, vramLegend } from '../../src/shared/format';
import { sniffImage } from '../../src/shared/image';
import { isCellDone, isResumable, missingImages } from '../../src/shared/resume';
import type { CellRecord, ColumnStats, RunRecord } from '../../src/shared/runRecord';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

test("formatMeanSd gives the spread in the mean's unit, and one value no spread", () => {
  assert.equal(formatMeanSd({ n: 3, mean: 58_300, sd: 400, min: 57_900, max: 58_700 }), '58.3 ± 0.4 s');
  assert.equal(formatMeanSd({ n: 2, mean: 950, sd: 12.4, min: 938, max: 962 }), '950 ± 12 ms');
  assert.equal(formatMeanSd({ n: 2, mean: 754_000, sd: 30_000, min: 724_000, max: 784_000 }), '12 min 34 s ± 30.0 s');
  assert.equal(formatMeanSd({ n: 1, mean: 58_300, sd: 0, min: 58_300, max: 58_300 }), '58.3 s');
  assert.equal(formatMeanSd(undefined), '–');
  assert.equal(formatMs(Number.NaN), '–');
  // VRAM in GPU tools' binary units.
  assert.equal(formatVram(23.4 * 2 ** 30), '23.4 GiB');
  assert.equal(formatVram(812 * 2 ** 20), '812 MiB');
  assert.equal(formatVram(1023.6 * 2 ** 20), '1.0 GiB', 'no "1024 MiB"');
  assert.equal(formatVram(24 * 1024 ** 3 - 1), '24.0 GiB');
  assert.equal(formatVram(512 * 1024), '512 KiB');
  assert.equal(formatVram(undefined), '–');
});

test('textTable aligns its columns: numbers to the right, text to the left, no trailing blanks', () => {
  const t = textTable(
    [{ header: 'setting' }, { header: 'time', align: 'right' }],
    [
      ['20 steps', '58.3 s'],
      ['40 steps', '1 min 57 s'],
    ],
  );
  assert.equal(t, ['setting         time', '────────  ──────────', '20 steps      58.3 s', '40 steps  1 min 57 s'].join('\n'));
});

test('summaryTable prints one row per setting with its warm mean, cost and notes', () => {
  const stats: ColumnStats[] = [
    {
      column: '20 steps',
      axes: { steps: 20 },
      warm: { n: 2, mean: 58_300, sd: 400, min: 58_000, max: 58_600 },
      cold: { n: 1, mean: 90_000, sd: 0, min: 90_000, max: 90_000 },
      relativeCost: 1,
      cachedCount: 0,
      failedCount: 1,
    },
  ];
  const [head, , row] = summaryTable(stats, new Map([['20 steps', 3]])).split('\n');
  assert.match(head, /^setting\s+n\s+time \(mean ± σ\)\s+min\s+max\s+it\/s\s+VRAM \(device\)\s+VRAM \(PyTorch\)\s+cost\s+images\s+notes$/);
  assert.match(row, /^20 steps\s+2\s+58\.3 ± 0\.4 s\s+58\.0 s\s+58\.6 s\s+–\s+–\s+–\s+1\.00×\s+3\s+cold 90\.0 s, 1 failed$/);
  const vram = summaryTable([
    { ...stats[0], peakVramBytes: 2e9, peakDeviceVramBytes: 23.4 * 2 ** 30, peakTorchVramBytes: 812 * 2 ** 20 },
  ]).split('\n')[2];
  assert.match(
    vram,
    /\s58\.6 s\s+–\s+23\.4 GiB\s+812 MiB\s+1\.00×/,
    "the device figure, then PyTorch's; ComfyUI's total − free stays in run.json only",
  );
  assert.deepEqual(
    vramLegend().map((l) => l.split(':')[0]),
    ['VRAM (device)', 'VRAM (PyTorch)'],
  );
  assert.match(vramLegend()[0], /as nvidia-smi shows it/);
});

const image = (file: string, bytes: Uint8Array) => ({ file, sha256: sha256(bytes), bytes: bytes.length });

function cell(key: string, status: CellRecord['status'], images: CellRecord['images'] = []): CellRecord {
  return { key, axes: { steps: 20 }, column: '20 steps', repeat: 0, seed: 1, status, images };
}

function run(status: RunRecord['status'], cells: CellRecord[]): RunRecord {
  return {
    format: 'qwenprompt-run',
    version: 1,
    id: 'r',
    createdAt: '2026-01-01T00:00:00.000Z',
    status,
    spec: { file: 'a.qwenprompt', name: 'a', id: 'a', resolved: {} },
    server: { url: 'http://127.0.0.1:1' },
    cells,
    stats: [],
    ratings: [],
  };
}

test('the button\'s "n missing" is the number of cells the resume runs again when the images are intact', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-shared-resume-'));
  const bytes = Uint8Array.from([...PNG_SIGNATURE, 1, 2, 3]);
  writeFileSync(path.join(dir, 'a.png'), bytes);
  writeFileSync(path.join(dir, 'b.png'), bytes);
  const record = run('partial', [
    cell('a', 'success', [image('a.png', bytes)]),
    cell('b', 'cached', [image('b.png', bytes)]),
    cell('c', 'success'),
    cell('d', 'lost'),
    cell('e', 'failed'),
    cell('f', 'queued'),
  ]);
  const keep = await keptCells(dir, record);
  assert.deepEqual([...keep].sort(), ['a', 'b']);
  assert.equal(missingImages(record), record.cells.length - keep.size);
  assert.deepEqual(record.cells.map(isCellDone), [true, true, false, false, false, false], 'a success without an image is not done');
  assert.equal(isResumable(record), true);
  assert.equal(isResumable(run('partial', record.cells.slice(0, 2))), false);
  assert.equal(missingImages(run('partial', record.cells.slice(0, 2))), 0);
});

test('sniffImage knows PNG, JPEG and WebP only with at least one byte past the signature', () => {
  const webpHead = [...new TextEncoder().encode('RIFF'), 0, 0, 0, 0, ...new TextEncoder().encode('WEBP')];
  for (const [kind, head] of [
    ['png', PNG_SIGNATURE],
    ['jpeg', [0xff, 0xd8, 0xff]],
    ['webp', webpHead],
  ] as const) {
    assert.equal(sniffImage(Uint8Array.from([...head, 0])), kind, `${kind} with a body`);
    assert.equal(sniffImage(Uint8Array.from(head)), undefined, `${kind}: the signature alone is no image`);
    assert.equal(sniffImage(Uint8Array.from(head.slice(0, -1))), undefined, `${kind}: a truncated signature`);
  }
  const page = new TextEncoder().encode('<html>');
  assert.equal(sniffImage(Uint8Array.from([...page, ...PNG_SIGNATURE, 0])), undefined, 'a signature not at the start');
});

test('the run folder refuses a download that is only a PNG signature, as the comfy client does', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-shared-sniff-'));
  const sink = await openImageFile(dir, 'x');
  await sink.write(Uint8Array.from(PNG_SIGNATURE));
  await assert.rejects(sink.close(), /not a PNG, JPEG or WebP/);
});

test('the criteria are the four the study asks, each with a label, and a score is an integer 1–5', () => {
  assert.deepEqual([...CRITERIA], ['structure', 'texture', 'colour', 'adherence']);
  assert.deepEqual(
    CRITERIA.map((k) => CRITERION_TEXT[k].label),
    ['Structure', 'Texture', 'Colour fidelity', 'Prompt adherence'],
  );
  assert.ok(isCriterion('colour') && !isCriterion('sharpness') && !isCriterion('toString'));
  assert.deepEqual([0, 1, 2.5, 5, 6, '3'].map(isScore), [false, true, false, true, false, false]);
});
