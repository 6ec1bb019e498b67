/**
 * Extension cost in a real extension host (code-server's VS Code 1.100 via test/host/code-shim.js):
 * the time `activate` takes as the host sees it (requiring dist/extension.js + activate()), and the
 * first CodeLens of a spec after it, median of several fresh starts. Needs `npm run setup:host`, a
 * build of dist/ and `tsc -p tsconfig.integration.json` (npm run bench does all three).
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { fmt, median, printTable, verdict } from './table';

interface Probe {
  wasActive: boolean;
  loadMs: number;
  activateMs: number;
  firstLensMs: number;
  lenses: number;
  /** dist/engine.js was already loaded when the first lenses came back (it should not be). */
  engineAtFirstLens: boolean;
  /** Loading dist/engine.js afterwards, as the first run or panel does. */
  engineLoadMs: number;
}

export async function benchActivate(o: { starts: number }): Promise<void> {
  const repo = resolve(__dirname, '../..');
  const dir = mkdtempSync(join(tmpdir(), 'qp-bench-activate-'));
  const runs: Probe[] = [];
  try {
    for (let k = 0; k < o.starts; k++) {
      const file = join(dir, `probe-${k}.json`);
      process.env.QWENPROMPT_BENCH_OUT = file;
      await runTests({
        vscodeExecutablePath: join(repo, 'test/host/code-shim.js'),
        extensionDevelopmentPath: repo,
        extensionTestsPath: join(repo, 'out/test/host/activationProbe'),
        launchArgs: [join(repo, 'test/fixtures/workspace'), '--disable-extensions'],
      });
      runs.push(JSON.parse(readFileSync(file, 'utf8')) as Probe);
    }
  } finally {
    delete process.env.QWENPROMPT_BENCH_OUT;
    rmSync(dir, { recursive: true, force: true });
  }
  const act = median(runs.map((r) => r.loadMs + r.activateMs));
  printTable(
    `Extension cost in code-server's extension host: median of ${runs.length} fresh starts (dist/ as built)`,
    ['measure', 'median ms', 'each start, ms', 'target'],
    [
      ['activation: load dist/extension.js + activate()', fmt(act), runs.map((r) => fmt(r.loadMs + r.activateMs)).join(', '), `≤ 30 ${verdict(act <= 30)}`],
      ['… of which loading the bundle', fmt(median(runs.map((r) => r.loadMs))), runs.map((r) => fmt(r.loadMs)).join(', '), ''],
      ['… of which activate()', fmt(median(runs.map((r) => r.activateMs))), runs.map((r) => fmt(r.activateMs)).join(', '), ''],
      ['first CodeLens of a spec after activation', fmt(median(runs.map((r) => r.firstLensMs))), runs.map((r) => `${fmt(r.firstLensMs)} (${r.lenses} lenses)`).join(', '), ''],
      ['run engine (dist/engine.js) loaded on first use, ms', fmt(median(runs.map((r) => r.engineLoadMs))), runs.map((r) => fmt(r.engineLoadMs)).join(', '), ''],
      ['run engine already loaded at the first CodeLens', `${runs.filter((r) => r.engineAtFirstLens).length} of ${runs.length}`, '', '0'],
      ['already active when the probe ran', runs.filter((r) => r.wasActive).length ? 'some' : 'none', '', ''],
    ],
  );
}

if (require.main === module) {
  void benchActivate({ starts: Number(process.argv[2] ?? 3) });
}
