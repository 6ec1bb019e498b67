// A run made with the CLI (`qwenprompt run`, as `npm run demo` and CI make them) from another working
// directory shows in the editor: the lens times, Open results, History and Resume.
import * as assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { QwenPromptApi } from '../../src/extension';
import { specRunItems } from '../../src/features/results/commands/showHistory';
import { startFakeComfy, type FakeComfy } from '../fakes/comfyServer';
import type { RunRecord } from '../../src/shared/runRecord';

const EXTENSION_ID = 'qwenprompt.qwenprompt';

interface Cli {
  child: ReturnType<typeof spawn>;
  done: Promise<{ code: number | null; stderr: string }>;
}

/** `node dist/cli.js …` as a user types it, in `cwd`. */
function cli(args: string[], cwd: string): Cli {
  const bin = path.join(vscode.extensions.getExtension(EXTENSION_ID)!.extensionPath, 'dist', 'cli.js');
  // The host's own runtime: node in code-server, Electron (run as node) in VS Code.
  const child = spawn(process.execPath, [bin, ...args], {
    cwd,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, ELECTRON_RUN_AS_NODE: '1', QWENPROMPT_TOKEN: '' },
  });
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  const done = new Promise<{ code: number | null; stderr: string }>((ok, fail) => {
    child.on('error', fail);
    child.on('close', (code) => ok({ code, stderr }));
  });
  return { child, done };
}

async function lenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  return (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
}

async function runFolders(specRuns: string): Promise<string[]> {
  return (await fs.readdir(specRuns).catch(() => [] as string[])).filter((d) => !d.startsWith('.')).map((d) => path.join(specRuns, d));
}

/** Kills a CLI run once its first image is recorded (the 40-step job still to come); its run folder. */
async function killAfterFirstImage(run: Cli, specRuns: string): Promise<string> {
  const deadline = Date.now() + 30_000;
  let runDir: string | undefined;
  for (;;) {
    assert.ok(Date.now() < deadline, 'the CLI recorded no image within 30 s');
    [runDir] = await runFolders(specRuns);
    const record = runDir && (JSON.parse(await fs.readFile(path.join(runDir, 'run.json'), 'utf8').catch(() => '{}')) as Partial<RunRecord>);
    if (runDir && record && record.cells?.some((c) => c.status === 'success')) break;
    await new Promise((ok) => setTimeout(ok, 20));
  }
  run.child.kill('SIGKILL');
  await run.done;
  return runDir;
}

/** Polls until `probe` gives a value: what the editor shows once a watcher has seen the CLI's files. */
async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

suite('runs made with the CLI', () => {
  let api: QwenPromptApi;
  let fake: FakeComfy | undefined;
  let home: string;
  const config = () => vscode.workspace.getConfiguration('qwenprompt');

  /** A copy of the fixture spec in a folder of its own, which the editor has not looked at yet. */
  async function specIn(name: string): Promise<vscode.Uri> {
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    await fs.mkdir(path.join(home, name));
    await fs.copyFile(path.join(folder, 'portrait.qwenprompt'), path.join(home, name, 'portrait.qwenprompt'));
    return vscode.Uri.file(path.join(home, name, 'portrait.qwenprompt'));
  }

  /** A fresh test server taking `msPerStep` per step. */
  async function restartFake(msPerStep: number): Promise<FakeComfy> {
    await fake?.close();
    return (fake = await startFakeComfy({ msPerStep }));
  }

  suiteSetup(async () => {
    api = (await vscode.extensions.getExtension(EXTENSION_ID)!.activate()) as QwenPromptApi;
    // The default runs folder, `.qwenprompt-runs` beside the spec, as the CLI uses it without --out.
    await config().update('runsFolder', undefined, vscode.ConfigurationTarget.Global);
    home = await fs.mkdtemp(path.join(os.tmpdir(), 'qp-cli-runs-'));
    await fs.mkdir(path.join(home, 'elsewhere'));
  });

  suiteTeardown(async () => {
    await config().update('comfy.url', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await fake?.close();
    await fs.rm(home, { recursive: true, force: true });
  });

  test('a CLI run from another folder: the lens shows its time, Open results opens it, History lists it', async () => {
    fake = await startFakeComfy({ msPerStep: 2 });
    const uri = await specIn('specs');
    const { code, stderr } = await cli(
      ['run', path.relative(path.join(home, 'elsewhere'), uri.fsPath), '--server', fake.url, '--steps', '20'],
      path.join(home, 'elsewhere'),
    ).done;
    assert.equal(code, 0, stderr);
    const [runDir] = await runFolders(path.join(home, 'specs', '.qwenprompt-runs', 'bamboo-portrait'));
    assert.ok(runDir, 'the CLI wrote its run beside the spec');

    await vscode.window.showTextDocument(uri);
    const titles = (await lenses(uri)).map((l) => l.command?.title ?? '');
    assert.match(titles[0], /^▶ 20 steps · [\d.]+ (ms|s)$/, `the CLI run's time is on the lens: ${titles.join(', ')}`);
    assert.ok(titles.includes('Open results'), titles.join(', '));
    const args = { uri: uri.toString(), specId: 'bamboo-portrait' };
    assert.equal(await vscode.commands.executeCommand('qwenprompt.openResults', args), runDir, 'Open results shows the CLI run');
    const { items } = await specRunItems(api.docs, api.runs, args);
    assert.deepEqual(
      items.map((i) => i.entry.runDir),
      [runDir],
      'History lists the CLI run',
    );
  });

  test('a CLI run killed midway gets "↻ Resume", which finishes it in its own folder', async () => {
    await fake?.close();
    const server = (fake = await startFakeComfy({ msPerStep: 40 }));
    await config().update('comfy.url', server.url, vscode.ConfigurationTarget.Global);
    const uri = await specIn('killed');
    const specRuns = path.join(home, 'killed', '.qwenprompt-runs', 'bamboo-portrait');
    const run = cli(['run', uri.fsPath, '--server', server.url], path.join(home, 'elsewhere'));
    const runDir = await killAfterFirstImage(run, specRuns);

    await vscode.window.showTextDocument(uri);
    const resume = (await lenses(uri)).find((l) => l.command?.command === 'qwenprompt.resumeRun');
    assert.equal(resume?.command?.title, '↻ Resume (1 missing)');
    const resumed = await vscode.commands.executeCommand<{ runDir: string; record: RunRecord }>(
      'qwenprompt.resumeRun',
      ...(resume!.command!.arguments ?? []),
    );
    assert.ok(resumed);
    assert.equal(resumed.runDir, runDir, 'the CLI run is the one resumed');
    assert.equal(resumed.record.status, 'complete');
    assert.ok(!(await lenses(uri)).some((l) => l.command?.command === 'qwenprompt.resumeRun'), 'nothing left to resume');
  });

  test('a CLI run made while the spec shows its lenses appears without a reload: the lens time, Open results, History', async () => {
    // Inside the workspace, with the default runs folder: the workspace's own watcher sees the CLI's files.
    const folder = vscode.workspace.workspaceFolders![0].uri.fsPath;
    const specDir = await fs.mkdtemp(path.join(folder, 'live-'));
    try {
      await fs.copyFile(path.join(folder, 'portrait.qwenprompt'), path.join(specDir, 'portrait.qwenprompt'));
      const uri = vscode.Uri.file(path.join(specDir, 'portrait.qwenprompt'));
      await vscode.window.showTextDocument(uri);
      const before = (await lenses(uri)).map((l) => l.command?.title ?? '');
      assert.equal(before[0], '▶ 20 steps', `no run yet: ${before.join(', ')}`);
      assert.ok(!before.includes('Open results'), before.join(', '));
      let redrawn = 0;
      const sub = api.runs.onDidChangeHistory(() => redrawn++);
      try {
        const { code, stderr } = await cli(
          ['run', uri.fsPath, '--server', (await restartFake(2)).url, '--steps', '20'],
          path.join(home, 'elsewhere'),
        ).done;
        assert.equal(code, 0, stderr);
        const [runDir] = await runFolders(path.join(specDir, '.qwenprompt-runs', 'bamboo-portrait'));
        assert.ok(runDir, 'the CLI wrote its run beside the spec');

        const titles = await until('the CLI run on the lenses', async () => {
          const t = (await lenses(uri)).map((l) => l.command?.title ?? '');
          return /^▶ 20 steps · [\d.]+ (ms|s)$/.test(t[0]) ? t : undefined;
        });
        assert.ok(titles.includes('Open results'), titles.join(', '));
        assert.ok(redrawn > 0, 'the editor was told to redraw its lenses');
        const args = { uri: uri.toString(), specId: 'bamboo-portrait' };
        assert.equal(await vscode.commands.executeCommand('qwenprompt.openResults', args), runDir, 'Open results shows the CLI run');
        const { items } = await specRunItems(api.docs, api.runs, args);
        assert.deepEqual(
          items.map((i) => i.entry.runDir),
          [runDir],
          'History lists the CLI run',
        );
      } finally {
        sub.dispose();
      }
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await fs.rm(specDir, { recursive: true, force: true });
    }
  });

  test('a CLI run killed midway while its spec is open shows "↻ Resume (n missing)" live, in an absolute runs folder', async () => {
    // Outside the workspace, as `qwenprompt.runsFolder` and `--out` name it: watched on its own.
    const runsFolder = await fs.mkdtemp(path.join(os.tmpdir(), 'qp-cli-live-'));
    await config().update('runsFolder', runsFolder, vscode.ConfigurationTarget.Global);
    try {
      const uri = await specIn('live-killed');
      await vscode.window.showTextDocument(uri);
      assert.ok(!(await lenses(uri)).some((l) => l.command?.command === 'qwenprompt.resumeRun'), 'nothing to resume yet');

      const run = cli(['run', uri.fsPath, '--server', (await restartFake(40)).url, '--out', runsFolder], path.join(home, 'elsewhere'));
      const runDir = await killAfterFirstImage(run, path.join(runsFolder, 'bamboo-portrait'));
      // Earlier writes of the run may show first (both images missing); the last one says what is left.
      const resume = await until('"↻ Resume (1 missing)" on the lenses', async () =>
        (await lenses(uri)).find((l) => l.command?.command === 'qwenprompt.resumeRun' && l.command.title === '↻ Resume (1 missing)'),
      );
      assert.equal(
        await vscode.commands.executeCommand('qwenprompt.openResults', resume.command?.arguments?.[0]),
        runDir,
        'Open results shows the killed run',
      );
    } finally {
      await config().update('runsFolder', undefined, vscode.ConfigurationTarget.Global);
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await fs.rm(runsFolder, { recursive: true, force: true });
    }
  });
});
