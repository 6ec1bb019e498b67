/**
 * The CLI killed with SIGKILL at random moments of a sweep: every run record left behind parses and
 * matches the images on disk (an image is written whole, then recorded), and `qwenprompt run --resume`
 * finishes the run by making only the missing images. QWENPROMPT_SOAK=N multiplies the trials.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../src/cli/main';
import { spawnCli as spawnBundledCli } from './helpers/cliBundle';
import { startFakeComfy, type FakeComfy } from '../fakes/comfyServer';
import { assertComplete, checkRunFolder, inLanes, rng, trials } from './helpers/trials';

function specText(seed: number): string {
  return [
    'name: kill test',
    'model: qwen-image-2512',
    'prompt: a red square on a grey field',
    `seed: ${seed}`,
    'size: 16x16',
    'steps: [1, 2, 3]',
    'repeats: 2',
    '',
  ].join('\n');
}

function spawnCli(args: string[]) {
  const { child, done } = spawnBundledCli(args);
  return { child, done };
}

async function cli(args: string[]): Promise<{ code: number | null; signal: string | null; stderr: string }> {
  return spawnCli(args).done;
}

/** `main` of the CLI with its output captured. */
async function cliInProcess(args: string[]): Promise<{ code: number; stderr: string }> {
  let stderr = '';
  const err = Object.assign(new PassThrough(), { isTTY: false });
  err.on('data', (d) => (stderr += d));
  const code = await main(args, {
    out: new PassThrough() as unknown as typeof process.stdout,
    err: err as unknown as typeof process.stderr,
  });
  return { code, stderr };
}

function runDirs(runsRoot: string): string[] {
  const specDir = path.join(runsRoot, 'kill-test');
  // Hidden folders are run folders a kill caught while being created: never a run (see createRunDir).
  return existsSync(specDir)
    ? readdirSync(specDir)
        .filter((d) => !d.startsWith('.'))
        .map((d) => path.join(specDir, d))
    : [];
}

test(
  `SIGKILL at random moments leaves a valid record matching the images on disk, and --resume completes the run (${trials(50)} trials)`,
  { timeout: 600_000 },
  async (t) => {
    const lanes = 3;
    const fakes: FakeComfy[] = await Promise.all(
      Array.from({ length: lanes }, () => startFakeComfy({ msPerStep: 5, loadMs: 5, nodeMs: 1, previews: false })),
    );
    const base = mkdtempSync(path.join(tmpdir(), 'qp-kill-'));
    const seen = { beforeFolder: 0, midRun: 0, afterEnd: 0 };
    try {
      await inLanes(trials(50), lanes, async (n, lane) => {
        const fake = fakes[lane];
        const dir = path.join(base, `t${n}`);
        mkdirSync(dir);
        const spec = path.join(dir, 'kill.qwenprompt');
        writeFileSync(spec, specText(1000 * n + 1));
        const runsRoot = path.join(dir, 'runs');
        // Most kills land while the sweep runs (a random time after its folder appears); every fifth at a
        // random time after the start, which may be before anything was written.
        const early = n % 5 === 0;
        const killAt = Math.round(rng(n + 7)() * (early ? 1000 : 300));
        const { child, done } = spawnCli(['run', spec, '--server', fake.url, '--out', runsRoot, '--no-preview']);
        let exited = false;
        void done.then(() => (exited = true));
        while (!early && !exited && !runDirs(runsRoot).length) await new Promise((r) => setTimeout(r, 5));
        const timer = setTimeout(() => child.kill('SIGKILL'), killAt);
        const killed = await done;
        clearTimeout(timer);
        const dirs = runDirs(runsRoot);
        assert.ok(dirs.length <= 1, `trial ${n}: one run folder at most`);
        let before = 0;
        for (const d of dirs)
          before = checkRunFolder(d, `trial ${n} after SIGKILL at ${killAt} ms`).cells.filter((c) => c.images.length).length;
        if (!dirs.length) seen.beforeFolder++;
        else if (killed.signal === 'SIGKILL') seen.midRun++;
        else seen.afterEnd++;

        // The resume runs the CLI's own code in this process: a second process per trial would double the time.
        const resumed = await cliInProcess(['run', spec, '--resume', '--server', fake.url, '--out', runsRoot, '--no-preview']);
        assert.equal(resumed.code, 0, `trial ${n}: --resume exits 0\n${resumed.stderr}`);
        if (!dirs.length) {
          assert.match(resumed.stderr, /nothing to resume/, `trial ${n}`);
          return;
        }
        const record = checkRunFolder(dirs[0], `trial ${n} after --resume`);
        assertComplete(record, `trial ${n} after --resume`);
        assert.ok(record.cells.length === 6 && before <= 6);
      });
      t.diagnostic(
        `${trials(50)} kills: ${seen.beforeFolder} before the run folder, ${seen.midRun} mid-run, ${seen.afterEnd} after the end`,
      );
      assert.ok(seen.midRun >= trials(50) / 2, `most kills hit a running sweep: ${JSON.stringify(seen)}`);
    } finally {
      await Promise.all(fakes.map((f) => f.close()));
    }
  },
);

test('run --resume RUN_DIR makes only the missing images; a complete run has nothing to resume', { timeout: 60_000 }, async () => {
  const fake = await startFakeComfy({ msPerStep: 30, loadMs: 10, nodeMs: 2, previews: false });
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-resume-'));
  const posts = () => fake.requests.filter((r) => r.path === '/prompt' && r.method === 'POST').length;
  try {
    const spec = path.join(dir, 'kill.qwenprompt');
    writeFileSync(spec, specText(42));
    const runsRoot = path.join(dir, 'runs');
    // The server runs two of the six prompts and holds the rest; the CLI is killed once both images are recorded.
    fake.faults.stallAfter = 2;
    const { child, done } = spawnCli(['run', spec, '--server', fake.url, '--out', runsRoot]);
    let runDir = '';
    while (!runDir) {
      await new Promise((r) => setTimeout(r, 10));
      const d = runDirs(runsRoot)[0];
      if (d && existsSync(path.join(d, 'run.json')) && checkRunFolder(d).cells.filter((c) => c.images.length).length === 2) runDir = d;
    }
    child.kill('SIGKILL');
    assert.equal((await done).signal, 'SIGKILL');
    const interrupted = checkRunFolder(runDir);
    const kept = interrupted.cells.filter((c) => c.images.length);
    assert.equal(kept.length, 2, 'the two images made before the kill are kept');
    fake.faults.stallAfter = undefined;

    const before = posts();
    const resumed = await cli(['run', '--resume', runDir, '--server', fake.url]);
    assert.equal(resumed.code, 0, resumed.stderr);
    assert.match(resumed.stderr, /\(resumed\)|Run complete/);
    assert.equal(posts() - before, 6 - kept.length, 'only the missing images were made');
    const record = checkRunFolder(runDir);
    assertComplete(record, 'resumed');
    // Convergence scores are computed again over the whole grid; everything else of a kept cell stays.
    const measured = (c: object) => ({ ...c, convergence: undefined });
    for (const c of kept) assert.deepEqual(measured(record.cells.find((x) => x.key === c.key)!), measured(c), `${c.key} kept as it was`);
    assert.equal(runDirs(runsRoot).length, 1, 'no second run folder');

    const again = await cli(['run', '--resume', runDir, '--server', fake.url]);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(posts() - before, 6 - kept.length, 'a complete run sends nothing');
    const missing = await cli(['run', '--resume', path.join(dir, 'nowhere'), '--server', fake.url]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Cannot read|no such|run\.json/);
  } finally {
    await fake.close();
  }
});
