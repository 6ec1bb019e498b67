// Runs against the ComfyUI test server (test/fakes), started in this extension host on 127.0.0.1:0:
// a lens run that leaves images and a record, cancel, and Restricted Mode sending nothing.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { nullLogger } from '../../src/core/logger';
import type { QwenPromptApi } from '../../src/extension';
import { ComfyConnections } from '../../src/features/server/comfyConnections';
import { RunService } from '../../src/features/runs/runService';
import { ServerCatalog } from '../../src/features/server/serverCatalog';
import { SpecCodeLensProvider } from '../../src/features/runs/specCodeLens';
import { SpecDocuments } from '../../src/features/spec/specDocuments';
import { ConfigService } from '../../src/platform/config';
import { TokenStore } from '../../src/platform/secrets';
import { UntrustedWorkspaceError } from '../../src/platform/trust';
import { startFakeComfy, type FakeComfy } from '../fakes/comfyServer';
import { memorySecrets } from './memorySecrets';
import type { RunRecord } from '../../src/shared/runRecord';

const EXTENSION_ID = 'qwenprompt.qwenprompt';
type RunResult = { runDir: string; record: RunRecord } | undefined;

function fixture(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need the fixture workspace open');
  return vscode.Uri.joinPath(folder.uri, name);
}

async function lensTitles(uri: vscode.Uri): Promise<string[]> {
  const found = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
  return found.map((l) => l.command?.title ?? '');
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let v = probe(); ; v = probe()) {
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

suite('runs against the ComfyUI test server', () => {
  let api: QwenPromptApi;
  let runsDir: string;
  let fake: FakeComfy | undefined;
  const config = () => vscode.workspace.getConfiguration('qwenprompt');

  async function useServer(opts: Parameters<typeof startFakeComfy>[0]): Promise<FakeComfy> {
    await fake?.close();
    fake = await startFakeComfy(opts);
    await config().update('comfy.url', fake.url, vscode.ConfigurationTarget.Global);
    return fake;
  }

  suiteSetup(async () => {
    api = (await vscode.extensions.getExtension(EXTENSION_ID)!.activate()) as QwenPromptApi;
    runsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'qp-runs-'));
    await config().update('runsFolder', runsDir, vscode.ConfigurationTarget.Global);
  });

  suiteTeardown(async () => {
    await config().update('runsFolder', undefined, vscode.ConfigurationTarget.Global);
    await config().update('comfy.url', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await fake?.close();
    await fs.rm(runsDir, { recursive: true, force: true });
  });

  test('"▶ 20 steps" runs the spec: images and run.json in the run folder, then the lens shows the time', async () => {
    const server = await useServer({ msPerStep: 2 });
    const uri = fixture('portrait.qwenprompt');
    await vscode.window.showTextDocument(uri);
    const result = await vscode.commands.executeCommand<RunResult>('qwenprompt.runSpec', {
      uri: uri.toString(),
      specId: 'bamboo-portrait',
      steps: [20],
    });
    assert.ok(result, 'the command returns the run');
    const { runDir, record } = result;
    assert.equal(path.dirname(path.dirname(runDir)), runsDir, 'the run lives under qwenprompt.runsFolder');
    assert.equal(record.status, 'complete');
    assert.deepEqual(
      record.cells.map((c) => [c.axes.steps, c.status]),
      [[20, 'success']],
    );
    assert.equal(record.server.url, server.url);
    const image = path.join(runDir, record.cells[0].images[0].file);
    const png = await fs.readFile(image);
    assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
    const onDisk = JSON.parse(await fs.readFile(path.join(runDir, 'run.json'), 'utf8')) as RunRecord;
    assert.equal(onDisk.status, 'complete');
    assert.equal(path.resolve(runsDir, onDisk.spec.file), uri.fsPath, 'run.json names the spec file');
    // The results panel shows the run, so its prompt asked for live previews (qwenprompt.previews is on).
    const posts = server.requests.filter((r) => r.method === 'POST' && r.path === '/prompt');
    assert.deepEqual(
      posts.map((r) => (r.body as { extra_data: { preview_method: string } }).extra_data.preview_method),
      ['auto'],
    );
    assert.equal(onDisk.previews, 'on', 'run.json says previews were on');
    assert.equal(onDisk.cells[0].previews, true);

    // The results panel opened beside the spec when the run started.
    const panelTab = () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .find((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('qwenprompt.results'));
    await until('the results panel tab', () => panelTab());
    assert.match(panelTab()?.label ?? '', /bamboo portrait/);

    const titles = await lensTitles(uri);
    assert.match(titles[0], /^▶ 20 steps · [\d.]+ (ms|s)$/, 'the step lens shows the latest time');
    assert.equal(titles[1], '▶ 40 steps', 'a step count that never ran shows no time');
    // The lens time is a warm mean; its tooltip says so, and that a cell shows its own image's time.
    const tips = ((await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? []).map(
      (l) => l.command?.tooltip ?? '',
    );
    assert.match(
      tips[0],
      /^Queues \d+ images?: steps 20 × \d+ seeds?\. [\d.]+ (ms|s) is the mean time per image at 20 steps in the last run, over its warm images/,
    );
    assert.match(tips[0], /A cell in the results shows its own image's time\.$/);
    assert.ok(titles.includes('Open results'));
    assert.equal(
      await vscode.commands.executeCommand('qwenprompt.openResults', { uri: uri.toString(), specId: 'bamboo-portrait' }),
      runDir,
      '"Open results" shows the newest run',
    );
  });

  test('after a 20-step run, the lens says how long 60 steps and All would take ("▶ 60 steps · ~N s"), and the next run records its estimate', async () => {
    await useServer({ msPerStep: 2 });
    // Its own spec file (its own history): two seeds, so one image is warm even on a server that just loaded its models.
    const uri = fixture('estimate.qwenprompt');
    await fs.writeFile(
      uri.fsPath,
      [
        'name: estimate study',
        'model: qwen-image-2512',
        'prompt: a lighthouse at dusk',
        'seed: 5',
        'size: 512x512',
        'steps: [20, 60]',
        'repeats: 2',
        '',
      ].join('\n'),
    );
    try {
      await vscode.window.showTextDocument(uri);
      const args = { uri: uri.toString(), specId: 'estimate-study' };
      assert.deepEqual(await lensTitles(uri), ['▶ 20 steps', '▶ 60 steps', '▶ All'], 'no past: no estimates');
      const first = await vscode.commands.executeCommand<RunResult>('qwenprompt.runSpec', { ...args, steps: [20] });
      assert.equal(first?.record.status, 'complete');
      assert.equal(first.record.estimateMs, undefined, 'nothing to go by for the first run');
      // The lenses refresh once the run's record is read back.
      let titles = await lensTitles(uri);
      for (let i = 0; i < 50 && !titles.some((x) => x.startsWith('▶ 60 steps · ~')); i++) {
        await new Promise((ok) => setTimeout(ok, 100));
        titles = await lensTitles(uri);
      }
      assert.match(titles[0], /^▶ 20 steps · [\d.]+ (ms|s)$/, 'a measured step count keeps its time');
      assert.match(titles[1], /^▶ 60 steps · ~\d+ (s|min)$/, 'a step count never run gets an estimate');
      assert.match(titles[2], /^▶ All · ~\d+ (s|min)$/);
      const all = await vscode.commands.executeCommand<RunResult>('qwenprompt.runAll', args);
      assert.equal(all?.record.status, 'complete');
      assert.ok((all.record.estimateMs ?? 0) > 0, 'the run records how long it was expected to take (the panel shows it)');
    } finally {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      await fs.rm(uri.fsPath, { force: true });
    }
  });

  test('"▶ lightning-4" runs only that variant: its cells carry the variant and load the LoRA', async () => {
    const server = await useServer({ msPerStep: 2 });
    const uri = fixture('variants.qwenprompt');
    await vscode.window.showTextDocument(uri);
    const found = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    const lens = found.find((l) => l.command?.title === '▶ lightning-4');
    assert.ok(lens?.command, 'the variant has its lens');
    const result = await vscode.commands.executeCommand<RunResult>(lens.command.command, ...(lens.command.arguments ?? []));
    assert.ok(result);
    assert.equal(result.record.status, 'complete');
    assert.deepEqual(
      result.record.cells.map((c) => [c.key, c.variant, c.column]),
      [['variant=lightning-4,steps=4#r0', 'lightning-4', 'lightning-4 · 4 steps']],
    );
    const posted = server.requests.filter((r) => r.method === 'POST' && r.path === '/prompt');
    const graph = (posted.at(-1)!.body as { prompt: Record<string, { class_type: string; inputs: Record<string, unknown> }> }).prompt;
    const lora = Object.values(graph).find((n) => n.class_type === 'LoraLoaderModelOnly');
    assert.equal(lora?.inputs.lora_name, 'Qwen-Image-2512-Lightning-4steps-V1.0-fp32.safetensors');
    assert.equal(Object.values(graph).find((n) => n.class_type === 'KSampler')?.inputs.cfg, 1);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('"■ Cancel" stops a running spec: the running job is interrupted, the queued ones deleted', async () => {
    const server = await useServer({ msPerStep: 150 });
    const uri = fixture('portrait.qwenprompt');
    const args = { uri: uri.toString(), specId: 'bamboo-portrait' };
    const sampling = new Promise<void>((ok) => {
      const sub = api.runs.onDidUpdate(({ update }) => {
        if (update.type === 'progress') {
          sub.dispose();
          ok();
        }
      });
    });
    const running = vscode.commands.executeCommand<RunResult>('qwenprompt.runAll', args);
    await sampling;
    const titles = await lensTitles(uri);
    assert.ok(titles.includes('■ Cancel'), `lenses while running: ${titles.join(', ')}`);
    assert.ok(!titles.some((t) => t.startsWith('▶')), 'no run lenses while it runs');

    assert.equal(await vscode.commands.executeCommand('qwenprompt.cancel', args), true);
    const result = await Promise.race([
      running,
      new Promise<never>((_, fail) =>
        setTimeout(() => fail(new Error('the run did not end within 20 s of Cancel (its "■ Cancel" lens stays)')), 20_000),
      ),
    ]);
    assert.ok(result);
    assert.equal(result.record.status, 'cancelled');
    assert.ok(
      result.record.cells.every((c) => c.status === 'cancelled'),
      JSON.stringify(result.record.cells.map((c) => c.status)),
    );
    // Stopped by its id: POST /api/jobs/{id}/cancel, or /interrupt {prompt_id} where the server lacks it.
    assert.ok(
      server.requests.some((r) => r.method === 'POST' && (r.path === '/interrupt' || /^(\/api)?\/jobs\/[^/]+\/cancel$/.test(r.path))),
    );
    // Every prompt was posted while the run's panel showed it (the first one before it had opened), so each asked for previews.
    const asked = server.requests
      .filter((r) => r.method === 'POST' && r.path === '/prompt')
      .map((r) => (r.body as { extra_data: { preview_method: string } }).extra_data.preview_method);
    assert.ok(asked.length > 1 && asked.every((m) => m === 'auto'), asked.join(', '));
    assert.equal(result.record.previews, 'on');
    assert.ok(
      (await lensTitles(uri)).some((t) => t.startsWith('▶ All')),
      'run lenses are back',
    );
  });

  test("a spec ComfyUI rejects gets the server's complaint on the field at fault, and no run folder", async () => {
    await useServer({ msPerStep: 2 });
    const uri = fixture('rejected.qwenprompt');
    const editor = await vscode.window.showTextDocument(uri);
    const result = await vscode.commands.executeCommand<RunResult>('qwenprompt.runAll', { uri: uri.toString(), specId: 'unknown-sampler' });
    assert.equal(result, undefined, 'nothing ran');
    const fromServer = await until('the server diagnostics', () => {
      const d = vscode.languages.getDiagnostics(uri).filter((x) => x.source === 'ComfyUI');
      return d.length ? d : undefined;
    });
    assert.equal(fromServer[0].range.start.line, 5);
    assert.equal(editor.document.getText(fromServer[0].range), 'not_a_sampler');
    assert.match(fromServer[0].message, /not_a_sampler/);
    assert.deepEqual(await fs.readdir(runsDir).then((d) => d.filter((x) => x.startsWith('unknown'))), []);
  });

  test("model files complete from the live server's /object_info, and a hover says whether the server has a file", async () => {
    const server = await useServer({});
    const doc = await vscode.workspace.openTextDocument({
      language: 'qwenprompt',
      content: 'prompt: a fox\nmodels:\n  unet: \n  vae: missing_vae.safetensors\n',
    });
    await vscode.window.showTextDocument(doc);
    try {
      const list = await vscode.commands.executeCommand<vscode.CompletionList>(
        'vscode.executeCompletionItemProvider',
        doc.uri,
        new vscode.Position(2, 8),
      );
      const item = list.items.find((i) => i.label === 'qwen_image_2512_fp8_e4m3fn.safetensors');
      assert.ok(item, `the server's diffusion models are offered: ${list.items.map((i) => i.label).join(', ')}`);
      assert.match(item.detail ?? '', /server/);
      assert.ok(
        server.requests.some((r) => r.path === '/object_info'),
        'asked the server',
      );

      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        doc.uri,
        new vscode.Position(3, 12),
      );
      const text = hovers.flatMap((h) => h.contents.map((c) => (c as vscode.MarkdownString).value)).join('\n');
      assert.match(text, /missing_vae\.safetensors` is not in the list/);
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });

  test('Select Server checks the server with /system_stats and saves its URL', async () => {
    const server = await useServer({});
    await config().update('comfy.url', undefined, vscode.ConfigurationTarget.Global);
    const chosen = await vscode.commands.executeCommand<string>('qwenprompt.selectServer', `${server.url}/`);
    assert.equal(chosen, server.url);
    assert.equal(config().get('comfy.url'), server.url);
    assert.ok(server.requests.some((r) => r.method === 'GET' && r.path === '/system_stats'));
  });

  test('Restricted Mode: running, completions and lenses send nothing to the server', async () => {
    // Its own server, which the settings do not name: the extension under test (trusted) polls the
    // server the settings name from its status bar, and those requests are not this instance's.
    const server = await startFakeComfy({});
    class PinnedConfig extends ConfigService {
      override get current() {
        return { ...super.current, comfyUrl: server.url, servers: [], pool: '' };
      }
    }
    const cfg = new PinnedConfig();
    const tokens = new TokenStore(memorySecrets());
    const connections = new ComfyConnections({ config: cfg, tokens, log: nullLogger, isTrusted: () => false });
    const runs = new RunService({ config: cfg, connections, log: nullLogger });
    const docs = new SpecDocuments(cfg);
    const catalog = new ServerCatalog(connections, nullLogger);
    const lensProvider = new SpecCodeLensProvider({ config: cfg, docs, runs, connections });
    try {
      const doc = await vscode.workspace.openTextDocument(fixture('portrait.qwenprompt'));
      const [spec] = docs.specs(doc);
      await assert.rejects(runs.run({ uri: doc.uri, spec, steps: [20] }), UntrustedWorkspaceError);
      assert.equal((await catalog.lists()).source, 'builtin');
      const row = await lensProvider.provideCodeLenses(doc);
      assert.deepEqual(
        row.map((l) => [l.command?.title, l.command?.command]),
        [['$(shield) Restricted mode: trust this folder to run', 'workbench.trust.manage']],
      );
      assert.deepEqual(server.requests, [], 'no request reached the server');
    } finally {
      [lensProvider, catalog, docs, runs, connections, tokens, cfg].forEach((d) => d.dispose());
      await server.close();
    }
  });
});
