/**
 * The test server's /system_stats VRAM figures relate to each other as a real ComfyUI's do (the recording
 * sweep_system_stats.json): vram_free counts torch's reserved-but-free memory as free, so a client can show
 * both the allocator's figure and the device-level one nvidia-smi shows.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { RawSocket, request } from '../fakes/rawClient';
import { post, sd15, withServer } from './helpers/fakeComfy';
import { FIXTURES } from './helpers/transcripts';

interface Reading {
  vram_total: number;
  vram_free: number;
  torch_vram_total: number;
  torch_vram_free: number;
}

/** torch's active memory, and the device-level use (the CUDA context plus the whole reserved pool). */
function figures(r: Reading): { active: number; device: number; context: number } {
  const active = r.torch_vram_total - r.torch_vram_free;
  const device = r.vram_total - r.vram_free + r.torch_vram_free;
  return { active, device, context: device - r.torch_vram_total };
}

function checkRelations(readings: Reading[], label: string): void {
  for (const r of readings) {
    assert.ok(r.torch_vram_free >= 0 && r.torch_vram_free <= r.torch_vram_total, `${label}: torch free within reserved`);
    const f = figures(r);
    assert.ok(r.vram_total - r.vram_free >= f.active, `${label}: vram_total − vram_free includes torch's active memory`);
    assert.ok(f.device >= r.torch_vram_total, `${label}: the device-level figure includes the whole reserved pool`);
    assert.ok(f.device <= r.vram_total, label);
  }
  // What is not torch's (the CUDA context) stays put while the pool and the allocations move.
  assert.equal(new Set(readings.map((r) => figures(r).context)).size, 1, `${label}: constant non-torch use`);
  assert.ok(new Set(readings.map((r) => r.torch_vram_total)).size > 1, `${label}: the reserved pool moves`);
}

test("system_stats VRAM: the recording's relations hold on the test server, idle and while a job runs", async () => {
  const recorded = JSON.parse(readFileSync(path.join(FIXTURES, 'comfy', 'sweep_system_stats.json'), 'utf8')) as Reading[];
  checkRelations(recorded, 'recording');
  await withServer({ msPerStep: 3 }, async (s) => {
    const reading = async () => (await request(s.url, 'GET', '/system_stats')).json.devices[0] as Reading;
    const ours = [await reading()];
    const sock = await RawSocket.open(s.url, { clientId: 'v1' });
    for (const size of [256, 1024]) {
      const r = await post(
        s,
        sd15((g) => {
          g['5'].inputs.width = size;
          g['5'].inputs.height = size;
          g['3'].inputs.steps = 40;
        }),
        { client_id: sock.sid },
      );
      await sock.waitFor((e) => e.kind === 'text' && e.type === 'progress' && e.data.prompt_id === r.json.prompt_id);
      ours.push(await reading());
      await sock.waitDone(r.json.prompt_id);
    }
    ours.push(await reading());
    checkRelations(ours, 'test server');
    const [idle, small, large] = ours.map(figures);
    assert.ok(idle.device < small.device && small.device < large.device, 'more VRAM in use for a larger latent');
    assert.ok(idle.active < small.active && small.active < large.active);
    assert.deepEqual(ours[3], ours[0], 'back to idle after the jobs');
    sock.close();
  });
});
