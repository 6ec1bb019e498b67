/**
 * Judging at scale: a 500-image run with a full blind round. Saving a round is a read–modify–write
 * of run.json (which grows with the votes), and the panel asks for the rating summary after every
 * save. A save happens once per round, after the last vote, so under a second goes unnoticed (it is
 * dominated by serializing and fsyncing run.json); the summary is asked for after every save and
 * record update, so it must stay well under a frame or two (< 25 ms).
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { addRatings } from '../src/core/quality/addRatings';
import { csvSummary, markdownSummary } from '../src/core/quality/exportTable';
import { readPngText } from '../src/core/quality/pngText';
import { qualitySummary } from '../src/core/quality/ratings';
import { specFromPng } from '../src/core/quality/specFromImage';
import { writeRunRecord } from '../src/core/runs/record';
import { columnStats } from '../src/core/runs/stats';
import type { ApiGraph } from '../src/core/comfy/types';
import { fmt, median, printTable, verdict } from './table';
import type { CellRecord, RunRecord } from '../src/shared/runRecord';

/** Each cell carries the API graph it sent, as real records do (most of run.json's size). */
function bigRecord(jobs: number, graph: ApiGraph): RunRecord {
  const cells: CellRecord[] = [];
  const columns = 5;
  for (let i = 0; i < jobs; i++) {
    const steps = 20 * (1 + (i % columns));
    const repeat = Math.floor(i / columns);
    cells.push({
      key: `steps=${steps}#r${repeat}`,
      axes: { steps },
      column: `${steps} steps`,
      repeat,
      seed: 1000 + repeat,
      status: 'success',
      graph,
      images: [{ file: `s${steps}-r${repeat}.png`, sha256: 'a'.repeat(64), bytes: 1, width: 1024, height: 1024 }],
      timings: { executionMs: steps * 2900, nodes: [], cachedNodes: [], cold: false, cached: false },
    });
  }
  return {
    format: 'qwenprompt-run',
    version: 1,
    id: 'bench',
    createdAt: new Date(0).toISOString(),
    status: 'complete',
    spec: { file: 'a.qwenprompt', name: 'bench', id: 'bench', resolved: {} },
    server: { url: 'http://127.0.0.1:8188' },
    cells,
    stats: columnStats(cells),
    ratings: [],
  };
}

function timeMs(fn: () => unknown, times = 9): number {
  const xs: number[] = [];
  for (let i = 0; i < times; i++) {
    const t = performance.now();
    fn();
    xs.push(performance.now() - t);
  }
  return median(xs);
}

export async function benchJudging(opts: { jobs: number; rounds: number }): Promise<void> {
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-bench-judging-'));
  try {
    const png = readFileSync(path.join(__dirname, '../../test/fixtures/comfy/sample-output.png'));
    const record = bigRecord(opts.jobs, JSON.parse(readPngText(png).get('prompt')!));
    await writeRunRecord(dir, record);
    const votes = record.cells.map((c, i) => ({
      cell: c.key,
      scores: { structure: 1 + (i % 5), texture: 3, colour: 4, adherence: 1 + (i % 3) },
    }));
    const saves: number[] = [];
    let saved = record;
    for (let r = 0; r < opts.rounds; r++) {
      const t = performance.now();
      saved = await addRatings(dir, votes, { blind: true, rater: `rater ${r % 3}` });
      saves.push(performance.now() - t);
    }
    const summary = timeMs(() => qualitySummary(saved));
    const md = timeMs(() => markdownSummary(saved));
    const csv = timeMs(() => csvSummary(saved));
    const chunks = timeMs(() => readPngText(png), 21);
    const spec = timeMs(() => specFromPng(png, 'bench', 'bench.api.json'), 21);
    const votesTotal = (saved.ratings ?? []).length;
    printTable(
      `Judging: ${opts.jobs} images, ${opts.rounds} blind rounds (${votesTotal} votes, run.json ${(statSync(path.join(dir, 'run.json')).size / 1e6).toFixed(1)} MB at the end)`,
      ['what', 'median ms', 'max ms', 'target', ''],
      [
        [
          'save a round (read run.json, write ratings/<rater>-<round>.json, read every round)',
          fmt(median(saves)),
          fmt(Math.max(...saves)),
          '< 1000 ms',
          verdict(Math.max(...saves) < 1000),
        ],
        ['rating summary (means, front)', fmt(summary, 2), '', '< 25 ms', verdict(summary < 25)],
        ['Markdown summary', fmt(md, 2), '', '', ''],
        ['CSV summary', fmt(csv, 2), '', '', ''],
        [`PNG text chunks (${(png.length / 1024).toFixed(0)} kB file)`, fmt(chunks, 3), '', '', ''],
        ['spec from image (rebuild and compare graph)', fmt(spec, 2), '', '', ''],
      ],
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) void benchJudging({ jobs: 500, rounds: 3 });
