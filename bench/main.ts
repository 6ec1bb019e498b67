/**
 * `npm run bench`: every benchmark, printing Markdown tables (BENCHMARKS.md holds the latest).
 * `npm run bench:ci` (--ci): the short form CI runs after the tests: pipelining on a shorter sweep,
 * a 500-job scale run, editor latency, the lens history and bundle sizes; no extension-host starts. Targets are printed
 * as ok / MISSED and never fail the run: timings on a shared 2-core machine are noisy.
 */
import { cpus, loadavg } from 'node:os';
import { benchEditor } from './editor';
import { benchHistory } from './history';
import { benchJudging } from './judging';
import { benchPipeline } from './pipeline';
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { benchSizes } from './sizes';

async function main(): Promise<void> {
  const ci = process.argv.includes('--ci');
  const load = () =>
    loadavg()
      .map((x) => x.toFixed(1))
      .join(' ');
  console.log(`# qwenprompt benchmarks${ci ? ' (short form)' : ''}\n`);
  console.log(`node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, load average at start ${load()}`);
  await benchPipeline(
    ci ? { msPerStep: 30, steps: [4, 8, 12], repeats: 3, side: 1024 } : { msPerStep: 30, steps: [20, 40, 60], repeats: 3, side: 1024 },
  );
  // In a process of its own: memory growth is measured against the process's state before the sweeps,
  // which the pipelining run above would otherwise have inflated (RSS then even "shrinks").
  await inChild('scale.js', ['500']);
  await benchJudging({ jobs: 500, rounds: 3 });
  await benchEditor({ specs: 200, iterations: ci ? 15 : 40 });
  await benchHistory({ runs: 50, rounds: 5 });
  await benchSizes();
  if (!ci) {
    const { benchActivate } = await import('./activate');
    await benchActivate({ starts: 5 });
    const { benchPanel } = await import('./panel');
    await benchPanel();
  }
  console.log(`\nload average at end ${load()}`);
}

function inChild(script: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', join(__dirname, script), ...args], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited with ${code}`))));
  });
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
