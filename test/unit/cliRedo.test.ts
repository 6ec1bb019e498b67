// `qwenprompt redo`: a finished run's image inpainted inside a mask from the command line, against the
// test server (ComfyUI's upload routes, the redo graph, the record written beside the image).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { readRunRecord } from '../../src/core/runs/record';
import { formatMs } from '../../src/shared/format';
import type { RunRecord } from '../../src/shared/runRecord';
import { startFakeComfy } from '../fakes/comfyServer';
import { cli } from './helpers/cliInProcess';

/** An opaque 64×64 PNG, black with a white square (the region to redo) at (16, 8), 16 px wide. */
function whiteSquareMask(size = 64): Buffer {
  const p = new PNG({ width: size, height: size });
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const inside = x >= 16 && x < 32 && y >= 8 && y < 24;
      p.data.fill(inside ? 255 : 0, i, i + 3);
      p.data[i + 3] = 255;
    }
  return PNG.sync.write(p);
}

test('CLI redo: a two-stage image redone at 6 steps inside a white-on-black mask, recorded beside it', async () => {
  const fake = await startFakeComfy({ msPerStep: 2, loadMs: 1, nodeMs: 1 });
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-redo-'));
  const file = path.join(dir, 'redo.qwenprompt');
  writeFileSync(file, ['name: redo', 'prompt: a lighthouse at dusk', 'seed: 7', 'size: 64x64', 'steps: [12]', 'split: 8', ''].join('\n'));
  try {
    const run = await cli(['run', file, '--server', fake.url, '--json']);
    assert.equal(run.code, 0, run.err);
    const printed = JSON.parse(run.out) as RunRecord;
    const runDir = path.join(dir, '.qwenprompt-runs', printed.spec.id, printed.id);
    const [cell] = printed.cells;
    const maskFile = path.join(dir, 'mask.png');
    writeFileSync(maskFile, whiteSquareMask());

    const redo = await cli(['redo', runDir, '--cell', cell.key, '--mask', maskFile, '--steps', '6']);
    assert.equal(redo.code, 0, redo.err);
    const image = redo.out.trim();
    assert.ok(existsSync(image), 'stdout names the redone image, in the run folder');
    assert.match(
      redo.err,
      /^Redid 16×16 px at \(16, 8\) of steps=12#r0 at 6 steps in [\d.]+ m?s \(the full image took [\d.]+ m?s: \d+ % of it\)\.$/m,
    );

    const record = await readRunRecord(runDir);
    const [r] = record.redos!;
    assert.equal(r.cell, cell.key);
    assert.equal(r.steps, 6);
    assert.deepEqual(r.region, { x: 16, y: 8, width: 16, height: 16 });
    assert.equal(r.fullMs, record.cells[0].timings!.fresh!.ms, 'compared with the full image’s fresh cost');
    // The redo took the prompt's encoding from the cache: priced at what the run's job paid for it.
    const fresh = r.timings!.fresh!;
    assert.deepEqual(
      fresh.reused.map((x) => [x.classType, x.from]),
      [
        ['CLIPTextEncode', cell.key],
        ['CLIPTextEncode', cell.key],
        ['ModelSamplingAuraFlow', cell.key],
      ],
    );
    assert.equal(fresh.ms, r.timings!.executionMs + fresh.reused.reduce((a, x) => a + x.ms, 0));
    assert.match(redo.err, new RegExp(` in ${formatMs(fresh.ms).replace('.', '\\.')} `));
    // Both stages sample the 6-step schedule, handing over where 8 of 12 was (4 of 6).
    const stages = Object.values(r.graph).filter((n) => n.class_type === 'KSamplerAdvanced');
    assert.deepEqual(
      stages.map((n) => [n.inputs.steps, n.inputs.start_at_step, n.inputs.end_at_step]),
      [
        [6, 0, 4],
        [6, 4, 10000],
      ],
    );
    assert.ok(Object.values(r.graph).some((n) => n.class_type === 'SetLatentNoiseMask'));

    // Outside the mask the picture is the original's; inside it is redrawn.
    const before = PNG.sync.read(readFileSync(path.join(runDir, record.cells[0].images[0].file)));
    const after = PNG.sync.read(readFileSync(image));
    const px = (p: PNG, x: number, y: number) => [...p.data.subarray((y * 64 + x) * 4, (y * 64 + x) * 4 + 3)];
    assert.deepEqual(px(after, 2, 40), px(before, 2, 40));
    assert.deepEqual(px(after, 60, 60), px(before, 60, 60));
    let changed = 0;
    for (let y = 8; y < 24; y++) for (let x = 16; x < 32; x++) if (px(after, x, y).join() !== px(before, x, y).join()) changed++;
    assert.ok(changed > 128, `most of the square is redrawn (${changed} of 256 px)`);

    // Mistakes are usage errors that say what to do, and nothing is sent.
    const unknown = await cli(['redo', runDir, '--cell', 'steps=99#r0', '--mask', maskFile]);
    assert.equal(unknown.code, 2);
    assert.match(unknown.err, /The run has no cell "steps=99#r0" \(its cells: steps=12#r0\)/);
    writeFileSync(maskFile, whiteSquareMask(32));
    const small = await cli(['redo', runDir, '--cell', cell.key, '--mask', maskFile]);
    assert.equal(small.code, 2);
    assert.match(small.err, /The mask is 32×32 but the image is 64×64/);
    assert.equal(await cli(['redo', runDir, '--mask', maskFile]).then((x) => x.code), 2);
    assert.equal((await readRunRecord(runDir)).redos!.length, 1, 'the failed redos left the record as it was');
  } finally {
    await fake.close();
  }
});
