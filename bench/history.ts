/**
 * Lens refresh after a run: every run start and end invalidates the spec's history, and the lenses
 * read it again (the newest run, the time per step count, what a resume would make). With a long
 * history that meant parsing every run.json of the spec on the extension host. Measured: 50 runs of
 * 60 images with their graphs, the first read, then a read after one new run (what a refresh costs),
 * against reading every record again (the baseline, `listRuns`).
 */
import { promises as fs, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { writeRunRecord } from '../src/core/runs/record';
import { listRuns } from '../src/core/runs/runFolders';
import { RunHistory } from '../src/features/runs/runHistory';
import { fmt, median, printTable } from './table';
import type { RunRecord } from '../src/shared/runRecord';

const FIXTURE = path.resolve(__dirname, '../../test/fixtures/runs/steps-study/2026-11-20T09-00-00Z/run.json');

export async function benchHistory(o: { runs: number; rounds: number }): Promise<void> {
  const root = mkdtempSync(path.join(tmpdir(), 'qp-bench-history-'));
  try {
    const base = JSON.parse(await fs.readFile(FIXTURE, 'utf8')) as RunRecord;
    // 60 cells, each with an API graph of the size a Qwen-Image job records (≈4 KB).
    const graph = Object.fromEntries(
      Array.from({ length: 12 }, (_, k) => [
        String(k),
        {
          class_type: 'KSampler',
          inputs: { seed: k, steps: 20, cfg: 4, sampler_name: 'euler', scheduler: 'simple', denoise: 1, note: 'x'.repeat(250) },
        },
      ]),
    );
    const cells = Array.from({ length: 60 }, (_, k) => ({ ...base.cells[k % base.cells.length], key: `cell-${k}`, graph }));
    const add = (k: number) =>
      writeRunRecord(path.join(root, 'study', `run-${String(k).padStart(3, '0')}`), {
        ...base,
        id: `run-${k}`,
        createdAt: new Date(Date.UTC(2026, 10, 1) + k * 60_000).toISOString(),
        spec: { ...base.spec, file: '../study.qwenprompt' },
        cells,
      } as RunRecord);
    for (let k = 0; k < o.runs; k++) {
      await fs.mkdir(path.join(root, 'study', `run-${String(k).padStart(3, '0')}`), { recursive: true });
      await add(k);
    }
    const bytes = (await fs.stat(path.join(root, 'study', 'run-000', 'run.json'))).size;
    const specFile = path.join(path.dirname(root), 'study.qwenprompt');
    const history = new RunHistory();
    let t = performance.now();
    await history.get(root, specFile, 'study');
    const first = performance.now() - t;
    const refresh: number[] = [];
    const baseline: number[] = [];
    for (let r = 0; r < o.rounds; r++) {
      const k = o.runs + r;
      await fs.mkdir(path.join(root, 'study', `run-${String(k).padStart(3, '0')}`), { recursive: true });
      await add(k); // a run ended
      history.invalidate();
      t = performance.now();
      await history.get(root, specFile, 'study');
      refresh.push(performance.now() - t);
      t = performance.now();
      await listRuns(root, 'study');
      baseline.push(performance.now() - t);
    }
    printTable(
      `Lens history after a run: ${o.runs}–${o.runs + o.rounds} runs of 60 images (run.json ${fmt(bytes / 1024, 0)} KB each), median of ${o.rounds}`,
      ['measure', 'ms', 'baseline: every record parsed again (listRuns)'],
      [
        ['first read of the history (nothing cached)', fmt(first), ''],
        ['refresh after one more run (what the lenses wait for)', fmt(median(refresh)), fmt(median(baseline))],
      ],
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

if (require.main === module) {
  void benchHistory({ runs: Number(process.argv[2] ?? 50), rounds: 5 });
}
