/**
 * Extension cost in a real extension host (code-server's VS Code 1.100 via test/host/code-shim.js):
 * the time `activate` takes as the host sees it (requiring dist/extension.js + activate()), and the
 * first CodeLens of a spec after it, median of several fresh starts. Needs `npm run setup:host`, a
 * build of dist/ and `tsc -p tsconfig.integration.json` (npm run bench does all three).
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';
import { fmt, median, printTable, verdict } from './table';

interface Probe {
  wasActive: boolean;
  /** The do-nothing extension was activated before ours (alternates between starts). */
  baselineFirst: boolean;
  /** Load + activate() of test/fixtures/baseline-extension, an extension that does nothing. */
  baselineLoadMs: number;
  baselineActivateMs: number;
  /** CPU time of the host process over the baseline's load + activate(). */
  baselineCpuMs: number;
  loadMs: number;
  /** CPU time of the host process over loading our bundle, and over load + activate(). */
  loadCpuMs: number;
  activationCpuMs: number;
  /** Of loadMs: the bundle's `require('vscode')`, where the host builds the extension's API object. */
  vscodeApiMs: number;
  activateMs: number;
  /** Of activateMs: the bundle's own activate() (the rest is the host making the extension context). */
  ownActivateMs: number;
  /** dist/language.js / dist/engine.js were evaluated by the end of activate() (neither should be). */
  languageAtActivation: boolean;
  engineAtActivation: boolean;
  /** Opening the spec (the host reads it; our diagnostics parse it), after activation. */
  openMs: number;
  /** Opening the spec and getting its lenses, after activation. */
  firstLensMs: number;
  /** From the start of loading dist/extension.js to the first lenses: what a user waits. */
  toFirstLensMs: number;
  /** Evaluating dist/language.js, which the first lens (or the spec's diagnostics) required. */
  languageLoadMs: number;
  languageLoadedByFirstLens: boolean;
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
  const extDir = join(dir, 'extensions');
  cpSync(join(repo, 'test/fixtures/baseline-extension'), join(extDir, 'qwenprompt-bench.activation-baseline-0.0.1'), { recursive: true });
  try {
    for (let k = 0; k < o.starts; k++) {
      const file = join(dir, `probe-${k}.json`);
      process.env.QWENPROMPT_BENCH_OUT = file;
      process.env.QWENPROMPT_BENCH_ORDER = k % 2 ? 'baseline-first' : 'ours-first';
      await runTests({
        vscodeExecutablePath: join(repo, 'test/host/code-shim.js'),
        extensionDevelopmentPath: repo,
        extensionTestsPath: join(repo, 'out/test/host/activationProbe'),
        // A private extensions folder holding only the do-nothing baseline extension.
        launchArgs: [join(repo, 'test/fixtures/workspace'), `--extensions-dir=${extDir}`],
      });
      runs.push(JSON.parse(readFileSync(file, 'utf8')) as Probe);
    }
  } finally {
    delete process.env.QWENPROMPT_BENCH_OUT;
    delete process.env.QWENPROMPT_BENCH_ORDER;
    rmSync(dir, { recursive: true, force: true });
  }
  const act = median(runs.map((r) => r.loadMs + r.activateMs));
  const own = (r: Probe) => r.loadMs + r.activateMs - (r.baselineLoadMs + r.baselineActivateMs);
  const ownMedian = median(runs.map(own));
  const row = (measure: string, pick: (r: Probe) => number, target = '') => [
    measure,
    fmt(median(runs.map(pick))),
    runs.map((r) => fmt(pick(r))).join(', '),
    target,
  ];
  const count = (pick: (r: Probe) => boolean) => `${runs.filter(pick).length} of ${runs.length}`;
  printTable(
    `Extension cost in code-server's extension host: median of ${runs.length} fresh starts (dist/ as built)`,
    ['measure', 'median ms', 'each start, ms', 'target'],
    [
      [
        'activation: load dist/extension.js + activate()',
        fmt(act),
        runs.map((r) => fmt(r.loadMs + r.activateMs)).join(', '),
        `≤ 30 ${verdict(act <= 30)}`,
      ],
      row('the same for an extension that does nothing (baseline, same host)', (r) => r.baselineLoadMs + r.baselineActivateMs),
      row('… of which the host loading its (empty) main file', (r) => r.baselineLoadMs),
      [
        'qwenprompt − baseline: what this extension adds',
        fmt(ownMedian),
        runs.map((r) => fmt(own(r))).join(', '),
        `≤ 30 ${verdict(ownMedian <= 30)}`,
      ],
      ['which went first in each start', '', runs.map((r) => (r.baselineFirst ? 'baseline' : 'ours')).join(', '), ''],
      row('… of which loading the bundle', (r) => r.loadMs),
      row("… … of which the host making its vscode API (require('vscode'))", (r) => r.vscodeApiMs),
      row('… of which activate() as the host runs it', (r) => r.activateMs),
      row("… … of which the extension's own activate()", (r) => r.ownActivateMs),
      row('CPU time of the host process: load + activate() (wall time above)', (r) => r.activationCpuMs),
      row('… of which loading the bundle', (r) => r.loadCpuMs),
      row('… the same for the do-nothing extension', (r) => r.baselineCpuMs),
      [
        'language module (dist/language.js) loaded at activation',
        count((r) => r.languageAtActivation),
        '',
        `0 ${verdict(!runs.some((r) => r.languageAtActivation))}`,
      ],
      [
        'run engine (dist/engine.js) loaded at activation',
        count((r) => r.engineAtActivation),
        '',
        `0 ${verdict(!runs.some((r) => r.engineAtActivation))}`,
      ],
      row('open a spec + its first CodeLens, after activation', (r) => r.firstLensMs),
      row('… of which opening the spec (its diagnostics parse it)', (r) => r.openMs),
      row('… of which loading dist/language.js', (r) => r.languageLoadMs),
      row('start of loading → first CodeLens (what a user waits)', (r) => r.toFirstLensMs),
      ['lenses of the fixture spec', runs.map((r) => r.lenses).join(', '), '', ''],
      [
        'run engine already loaded at the first CodeLens',
        count((r) => r.engineAtFirstLens),
        '',
        `0 ${verdict(!runs.some((r) => r.engineAtFirstLens))}`,
      ],
      row('run engine (dist/engine.js) loaded on first use', (r) => r.engineLoadMs),
      ['already active when the probe ran', runs.filter((r) => r.wasActive).length ? 'some' : 'none', '', ''],
    ],
  );
}

if (require.main === module) {
  void benchActivate({ starts: Number(process.argv[2] ?? 3) });
}
