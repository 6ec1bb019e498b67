// `qwenprompt report RUN_DIR… --out DIR`: report.md and report.html in DIR, the run images copied
// beside them under images/<run>/. The HTML page is the results panel itself, run offline.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { historyEntry } from '../quality/history';
import { qualitySummary } from '../quality/ratings';
import { withRounds } from '../quality/rounds';
import { standaloneHtml } from '../quality/standalonePage';
import { readRunRecord, writeFileAtomic } from '../runs/record';
import { safeSegment } from '../runs/runFolders';
import { columnStats } from '../runs/stats';
import type { RunRecord } from '../../shared/runRecord';
import type { ScenarioLayer } from '../../shared/scenarios';
import { runReportMarkdown, setupRows } from './reportMarkdown';

export interface WrittenReport {
  markdown: string;
  html: string;
  images: number;
}

interface ReportRun {
  /** The run's name inside the report (and its images' folder): never the real path. */
  key: string;
  imageBase: string;
  record: RunRecord;
}

/** Copies every image (and thumbnail) the record names into `to`; names stay inside the run folder. */
async function copyImages(runDir: string, record: RunRecord, to: string): Promise<number> {
  let n = 0;
  for (const img of record.cells.flatMap((c) => c.images)) {
    for (const file of [img.file, img.thumb]) {
      if (!file) continue;
      const from = path.resolve(runDir, file);
      const rel = path.relative(runDir, from);
      if (rel.startsWith('..') || path.isAbsolute(rel)) continue;
      const target = path.join(to, rel);
      await fs.mkdir(path.dirname(target), { recursive: true });
      const copied = await fs.copyFile(from, target).then(
        () => true,
        () => false,
      );
      if (copied && file === img.file) n++;
    }
  }
  return n;
}

/** What the panel draws: no graphs, statistics filled in. */
function forView(record: RunRecord): RunRecord {
  const cells = record.cells.map(({ graph: _graph, ...c }) => c);
  return { ...record, cells, stats: record.stats.length ? record.stats : columnStats(cells) };
}

export async function writeReport(
  runDirs: readonly string[],
  outDir: string,
  opts: { scenarios?: ScenarioLayer } = {},
): Promise<WrittenReport> {
  if (!runDirs.length) throw new Error('A report needs at least one run folder.');
  await fs.mkdir(outDir, { recursive: true });
  const runs: ReportRun[] = [];
  let images = 0;
  for (const dir of runDirs) {
    const record = await withRounds(dir, await readRunRecord(dir));
    let key = safeSegment(record.id);
    while (runs.some((r) => r.key === key)) key += '-2';
    const imageBase = `images/${key}`;
    images += await copyImages(dir, record, path.join(outDir, imageBase));
    runs.push({ key, imageBase, record });
  }
  const md =
    runs.length === 1
      ? runReportMarkdown(runs[0].record, runs[0].imageBase, opts)
      : [
          `# Study report: ${runs.map((r) => r.record.spec.name).join(', ')}`,
          '',
          ...runs.map((r) => runReportMarkdown(r.record, r.imageBase, { ...opts, level: 2 })),
        ].join('\n');
  const markdown = path.join(outDir, 'report.md');
  await writeFileAtomic(markdown, md);
  const runDir = (r: ReportRun) => `/report/${r.key}`;
  const loaded = runs.map((r) => ({ runDir: runDir(r), imageBase: r.imageBase, record: forView(r.record) }));
  const html = await standaloneHtml({
    title: `Report: ${runs[0].record.spec.name}`,
    scripts: ['reportHost', 'main'],
    style: 'standalone',
    imagesBeside: true,
    data: {
      init: { protocol: 1, ...loaded[0], progress: {}, ...(opts.scenarios ? { scenarios: opts.scenarios } : {}) },
      report: {
        quality: Object.fromEntries(runs.map((r) => [runDir(r), qualitySummary(r.record)])),
        history: runs.map((r) => historyEntry(runDir(r), r.record)),
        runs: Object.fromEntries(loaded.map((l) => [l.runDir, l])),
        setup: Object.fromEntries(runs.map((r) => [runDir(r), setupRows(r.record)])),
      },
    },
  });
  const page = path.join(outDir, 'report.html');
  await writeFileAtomic(page, html);
  return { markdown, html: page, images };
}
