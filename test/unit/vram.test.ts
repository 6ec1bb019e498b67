// Peak VRAM as nvidia-smi shows it: ComfyUI's vram_free counts PyTorch's reserved-but-unused memory as
// free, so the device-level figure adds it back. Checked on a real ComfyUI's recorded readings, then on a run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ComfyClient } from '../../src/core/comfy/client';
import { runSpec } from '../../src/core/runs/session';
import { vramFigures, type VramReading } from '../../src/core/runs/vram';
import { startFakeComfy } from '../fakes/comfyServer';
import { studySpec } from './helpers/spec';
import { FIXTURES } from './helpers/transcripts';

const MiB = 2 ** 20;

test("the device figure of each recorded reading is the CUDA context plus PyTorch's whole reserved pool", () => {
  const readings = JSON.parse(readFileSync(path.join(FIXTURES, 'comfy', 'sweep_system_stats.json'), 'utf8')) as VramReading[];
  assert.equal(readings.length, 28);
  for (const r of readings) {
    const f = vramFigures(r);
    // The recording's GPU had a 764.8 MiB CUDA context: what the device holds beyond PyTorch's pool, in every reading.
    assert.equal(f.device - r.torch_vram_total, 801_964_032, 'the CUDA context');
    assert.equal(f.device - f.used, r.torch_vram_free, "the reserved pool's unused part, which vram_free counts as free");
    assert.equal(f.torch, r.torch_vram_total - r.torch_vram_free);
    assert.ok(f.device >= f.used && f.used >= f.torch);
  }
  const peak = (k: 'device' | 'used' | 'torch') => Math.max(...readings.map((r) => vramFigures(r)[k]));
  // What the three peaks are on that recording: 1308.8 MiB on the device against 1188.7 MiB total − free.
  assert.deepEqual([peak('device') / MiB, Math.round(peak('used') / MiB), Math.round(peak('torch') / MiB)], [1308.8125, 1189, 424]);
});

test("a run records the device figure beside total − free and PyTorch's, per image and per setting", async () => {
  const fake = await startFakeComfy({ msPerStep: 20, loadMs: 20 });
  const client = new ComfyClient({ baseUrl: fake.url });
  try {
    const root = mkdtempSync(path.join(tmpdir(), 'qp-vram-'));
    const { record } = await runSpec({
      spec: studySpec({ width: 256, height: 256, steps: [4], repeats: 2 }),
      specFile: '/x/s.qwenprompt',
      client,
      runsRoot: root,
      vramPollMs: 5,
    });
    assert.equal(record.status, 'complete');
    for (const c of record.cells) {
      const t = c.timings!;
      assert.ok(t.peakDeviceVramBytes! >= t.peakVramBytes!, `${c.key}: the device figure includes the unused pool`);
      // The test server's CUDA context is 600 MiB: the device holds at least that beyond PyTorch's allocations.
      assert.ok(
        t.peakDeviceVramBytes! - t.peakTorchVramBytes! >= 600 * MiB,
        `${c.key}: ${t.peakDeviceVramBytes} vs ${t.peakTorchVramBytes}`,
      );
    }
    const [col] = record.stats;
    for (const k of ['peakVramBytes', 'peakDeviceVramBytes', 'peakTorchVramBytes'] as const) {
      assert.equal(col[k], Math.max(...record.cells.map((c) => c.timings![k]!)), `stats.${k} is the column's highest`);
    }
  } finally {
    client.close();
    await fake.close();
  }
});
