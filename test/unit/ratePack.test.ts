import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { importRatings } from '../../src/core/quality/importRatings';
import { qualitySummary } from '../../src/core/quality/ratings';
import { writeRatePack } from '../../src/core/quality/ratePack';
import { readRunRecord } from '../../src/core/runs/record';
import { ROOT } from './helpers/specJobs';

const FIXTURE = path.join(ROOT, 'test/fixtures/runs/steps-study/2026-11-20T09-00-00Z');
const PNG = path.join(ROOT, 'test/fixtures/comfy/sample-output.png');

/** The fixture run with a real PNG under every image name it records. */
async function runWithImages(): Promise<string> {
  const dir = path.join(mkdtempSync(path.join(tmpdir(), 'qp-pack-')), 'run');
  cpSync(FIXTURE, dir, { recursive: true });
  for (const c of (await readRunRecord(dir)).cells) for (const i of c.images) copyFileSync(PNG, path.join(dir, i.file));
  return dir;
}

function roundFor(runId: string, rater: string, votes: unknown[]) {
  return {
    format: 'qwenprompt-ratings',
    version: 1,
    run: runId,
    rater,
    round: '2026-12-01T100000Z-abcdef',
    at: '2026-12-01T10:00:00.000Z',
    blind: true,
    votes,
  };
}

test('the rate pack is one page: its script and styles inline under one nonce, every image a data: URL, a policy that allows nothing else', async () => {
  const dir = await runWithImages();
  const record = await readRunRecord(dir);
  const { file, images } = await writeRatePack(dir, record);
  assert.equal(path.dirname(file), dir);
  assert.equal(images, record.cells.filter((c) => c.images.length && c.status === 'success').length);
  const html = readFileSync(file, 'utf8');
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1];
  const nonce = /script-src 'nonce-([^']+)'/.exec(csp)![1];
  assert.match(csp, /^default-src 'none'; img-src data: blob:; style-src 'nonce-[^']+'; script-src 'nonce-[^']+'/);
  assert.equal((html.match(/<script\b/g) ?? []).length, 1);
  assert.ok(html.includes(`<script type="module" nonce="${nonce}">`));
  assert.doesNotMatch(html, /<script[^>]*\bsrc=|<link\b|<iframe|<img\b/i, 'the markup loads nothing');
  const style = /<style nonce="[^"]+">([\s\S]*?)<\/style>/.exec(html)![1];
  assert.doesNotMatch(style, /@import|url\((?!["']?data:)/i, 'the styles load nothing');
  const data = JSON.parse(
    /<meta id="pack" data-json="([^"]*)">/
      .exec(html)![1]
      .replace(/&quot;/g, '"')
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&#39;/g, "'")
      .replace(/&amp;/g, '&'),
  );
  assert.equal(data.run, record.id);
  assert.ok(Object.values(data.images).every((u) => (u as string).startsWith('data:image/png;base64,')));
  assert.equal(data.cells[0].graph, undefined, 'the page carries no graphs');
});

test('import-ratings adds a downloaded round under ratings/ and refuses another run’s file, a bad score, and the same round twice', async () => {
  const dir = await runWithImages();
  const record = await readRunRecord(dir);
  const cell = record.cells[0];
  const file = path.join(dir, '..', 'downloaded.json');
  writeFileSync(
    file,
    JSON.stringify(
      roundFor(record.id, 'Outside', [{ cell: cell.key, image: 'ignored.png', scores: { structure: 2 }, unrequested: ['pendant'] }]),
    ),
  );
  const done = await importRatings(file, dir);
  assert.equal(path.relative(dir, done.file), path.join('ratings', 'outside-2026-12-01T100000Z-abcdef.json'));
  assert.equal(done.round.votes[0].image, cell.images[0].file, 'the image is the run’s own, not the file’s word for it');
  assert.ok(qualitySummary(done.record).raters.includes('Outside'));
  await assert.rejects(importRatings(file, dir), /already in this run/);
  writeFileSync(file, JSON.stringify(roundFor('another-run', 'Outside', [])));
  await assert.rejects(importRatings(file, dir), /rates run another-run, not this run/);
  writeFileSync(file, JSON.stringify(roundFor(record.id, 'X', [{ cell: cell.key, image: '', scores: { structure: 7 } }])));
  await assert.rejects(importRatings(file, dir), /gives structure 7, not a whole number 1–5/);
  writeFileSync(file, '{"format":"something-else"}');
  await assert.rejects(importRatings(file, dir), /not a qwenprompt ratings file/);
  // The rater can be renamed on import (a pack rated under a nickname).
  writeFileSync(
    file,
    JSON.stringify({ ...roundFor(record.id, 'nick', [{ cell: cell.key, image: '', scores: { colour: 4 } }]), round: 'r2' }),
  );
  assert.equal((await importRatings(file, dir, 'Real Name')).round.rater, 'Real Name');
  assert.equal(readdirSync(path.join(dir, 'ratings')).length, 2);
});
