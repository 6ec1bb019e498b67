import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { RunRecord } from '../../../src/shared/runRecord';

/** Trial counts are sized for CI; QWENPROMPT_SOAK=N multiplies them for a longer soak run. */
export function trials(n: number): number {
  const soak = Number(process.env.QWENPROMPT_SOAK ?? '1');
  return Math.max(1, Math.round(n * (Number.isFinite(soak) && soak > 0 ? soak : 1)));
}

/** Runs `count` trials with at most `lanes` at once; lane k is handed the same lane index each time. */
export async function inLanes(count: number, lanes: number, trial: (n: number, lane: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(lanes, count) }, async (_, lane) => {
      while (next < count) await trial(next++, lane);
    }),
  );
}

/** A seeded generator, so a failing trial can be replayed from its number. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/**
 * What a user relies on in a run folder: run.json parses, every image it names is on disk with its
 * hash, no image is named twice, and nothing else is there but finished images and the record.
 * Returns the record read from disk.
 */
export function checkRunFolder(runDir: string, what = runDir): RunRecord {
  const record = JSON.parse(readFileSync(path.join(runDir, 'run.json'), 'utf8')) as RunRecord;
  assert.equal(record.format, 'qwenprompt-run', `${what}: a run record`);
  const named = new Set<string>();
  for (const c of record.cells) {
    for (const im of c.images) {
      assert.ok(!named.has(im.file), `${what}: ${im.file} is named once`);
      named.add(im.file);
      const bytes = readFileSync(path.join(runDir, im.file));
      assert.equal(bytes.byteLength, im.bytes, `${what}: ${im.file} is whole`);
      assert.equal(createHash('sha256').update(bytes).digest('hex'), im.sha256, `${what}: ${im.file} matches its hash`);
    }
  }
  for (const name of readdirSync(runDir)) {
    assert.ok(name === 'run.json' || name.endsWith('.tmp') || /\.(png|jpg|webp)$/.test(name), `${what}: unexpected ${name}`);
  }
  return record;
}

/** Every cell made exactly one image, and no two cells share one. */
export function assertComplete(record: RunRecord, what: string): void {
  assert.equal(record.status, 'complete', `${what}: ${record.cells.map((c) => `${c.key} ${c.status} ${c.error ?? ''}`).join('; ')}`);
  assert.ok(
    record.cells.every((c) => c.images.length === 1),
    `${what}: one image per cell`,
  );
  assert.equal(new Set(record.cells.map((c) => c.images[0].sha256)).size, record.cells.length, `${what}: no image lost or duplicated`);
}
