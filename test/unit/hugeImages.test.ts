/**
 * A server whose PNGs declare a huge image (a hostile or broken one, or a legitimate 16384² upscale):
 * the run saves each image as the server made it, never decodes it (no thumbnail, no score), says so in
 * run.json and the log, and the process's memory stays bounded; the panel loads none of them whole (zoom,
 * compare, rating, the exported grid show a note instead). Alone in its file: the bound is read
 * from the process's own RSS high-water mark.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { ComfyClient } from '../../src/core/comfy/client';
import type { ILogger } from '../../src/core/logger';
import { readRunRecord } from '../../src/core/runs/record';
import { assertDecodable, MAX_DECODE_PIXELS, tooLargeToDecode } from '../../src/shared/image';
import { runSpec } from '../../src/core/runs/session';
import { decodePngAsync } from '../../src/core/runs/thumbnail';
import { decodePng } from '../../src/core/convergence/score';
import { startFakeComfy } from '../fakes/comfyServer';
import { hugePng, hugePngLength, type HugePng } from '../fakes/hostile';
import { studySpec } from './helpers/spec';
import { checkRunFolder } from './helpers/trials';
import { tooLargeToShow } from '../../webview-ui/view/cells';
import { gridPicture } from '../../webview-ui/view/exportGrid';

/** The issue's bound on a run against a hostile payload: RSS above what the process held at the start. */
const RSS_BOUND = 300 * 1024 * 1024;

test('the decoding limit is read from the PNG header: 4096² decodes, one pixel more is refused before decoding', async () => {
  assert.equal(tooLargeToShow({ width: 4096, height: 4096 }), undefined, 'the panel shows what the client decodes');
  assert.equal(tooLargeToShow({ width: 4097, height: 4096 }), 'Image too large to show (4097×4096)');
  assert.equal(MAX_DECODE_PIXELS, 4096 * 4096);
  assert.equal(tooLargeToDecode({ width: 4096, height: 4096 }), undefined);
  assert.equal(tooLargeToDecode(undefined), undefined, 'a JPEG or WebP (no IHDR read) is left to its decoder');
  assert.match(
    tooLargeToDecode({ width: 4097, height: 4096 })!,
    /^4097×4096 px is over the client's 16-Mpixel decoding limit: no thumbnail and no convergence score/,
  );
  const huge = Buffer.concat([...hugePng({ width: 32768, height: 32768, interlaced: true })]);
  assert.throws(() => assertDecodable(huge), /32768×32768 px is over/);
  assert.throws(() => decodePng(huge), /32768×32768 px is over/);
  await assert.rejects(decodePngAsync(huge), /32768×32768 px is over/);
  const fine = Buffer.concat([...hugePng({ width: 40, height: 30, interlaced: true, complete: true })]);
  assert.deepEqual([decodePng(fine).width, (await decodePngAsync(fine)).height], [40, 30]);
});

function collectingLogger(lines: string[]): ILogger {
  const put = (level: string) => (m: string | Error) => void lines.push(`${level} ${m instanceof Error ? m.message : m}`);
  return { trace: put('trace'), debug: put('debug'), info: put('info'), warn: put('warn'), error: put('error') };
}

const variants: HugePng[] = [
  { width: 30000, height: 30000 },
  { width: 30000, height: 30000, complete: true },
  { width: 32768, height: 32768, interlaced: true, complete: true },
  { width: 16384, height: 16384, complete: true },
];

test('PNGs declaring huge images are saved but never decoded: a valid run.json with a note, the log says why, RSS bounded', async () => {
  const fake = await startFakeComfy({ msPerStep: 1, loadMs: 1 });
  const client = new ComfyClient({ baseUrl: fake.url });
  const start = process.memoryUsage().rss;
  let sampled = start;
  const sampler = setInterval(() => (sampled = Math.max(sampled, process.memoryUsage().rss)), 5);
  try {
    for (const huge of variants) {
      const what = `${huge.width}×${huge.height}${huge.interlaced ? ' interlaced' : ''}${huge.complete ? ' complete' : ''}`;
      fake.faults.hugePng = huge;
      const lines: string[] = [];
      const root = mkdtempSync(path.join(tmpdir(), 'qp-huge-'));
      // Two step counts: the 1-step image would be scored against the 2-step one, and both get thumbnails.
      const spec = studySpec({ width: 64, height: 64, steps: [1, 2], repeats: 1 });
      const { runDir, record } = await runSpec({
        spec,
        specFile: '/x/s.qwenprompt',
        client,
        runsRoot: root,
        logger: collectingLogger(lines),
        vramPollMs: 50,
      });
      assert.equal(record.status, 'complete', `${what}: ${record.cells.map((c) => c.error ?? c.status).join('; ')}`);
      const onDisk = await readRunRecord(runDir);
      checkRunFolder(runDir, what);
      for (const c of onDisk.cells) {
        const [im] = c.images;
        assert.deepEqual([im.width, im.height], [huge.width, huge.height], `${what}: the declared size is recorded`);
        assert.match(
          im.note ?? '',
          /px is over the client's 16-Mpixel decoding limit: no thumbnail and no convergence score \(the image is saved as the server made it\)/,
          what,
        );
        assert.equal(im.thumb, undefined, `${what}: no thumbnail`);
        assert.equal(statSync(path.join(runDir, im.file)).size, hugePngLength(huge), `${what}: the image is saved as served`);
        if (c.axes.steps === 1) assert.equal(c.convergence, undefined, `${what}: the 1-step image is not scored`);
        // The panel: zoom, compare and rating show this instead of loading the image; so does the exported grid.
        assert.equal(tooLargeToShow(im), `Image too large to show (${huge.width}×${huge.height})`, what);
      }
      const tiles = gridPicture(onDisk).tiles;
      assert.deepEqual(
        tiles.map((t) => [t.file, t.missing]),
        tiles.map(() => [undefined, `Image too large to show (${huge.width}×${huge.height})`]),
        `${what}: the exported grid loads none of them`,
      );
      assert.ok(
        lines.some((l) => l.startsWith('warn') && l.includes(`${huge.width}×${huge.height} px is over`)),
        `${what}: the log says why: ${lines.join(' | ')}`,
      );
      assert.ok(!lines.some((l) => /cannot score|No thumbnail/.test(l)), `${what}: nothing tried to decode it: ${lines.join(' | ')}`);
    }
  } finally {
    clearInterval(sampler);
    client.close();
    await fake.close();
  }
  // resourceUsage's maxRSS (KiB) also sees a peak between two samples.
  const peak = Math.max(sampled, process.resourceUsage().maxRSS * 1024);
  assert.ok(
    peak - start < RSS_BOUND,
    `RSS rose ${((peak - start) / 2 ** 20).toFixed(0)} MiB over the start (bound ${RSS_BOUND / 2 ** 20} MiB)`,
  );
});
