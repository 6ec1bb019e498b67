// The results feature on its own, in a real extension host: its panels follow RunService's updates by
// themselves (nothing relays them), a spec's next run takes over its panel unless that is pinned, and a
// panel's "open image" request opens VS Code's image preview directly, refusing files its run does not name.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { nullLogger } from '../../src/core/logger';
import { RESULTS_VIEW_TYPE, ResultsPanelController } from '../../src/features/results/resultsPanel';
import { RunService } from '../../src/features/runs/runService';
import { ComfyConnections } from '../../src/features/server/comfyConnections';
import { SpecDocuments } from '../../src/features/spec/specDocuments';
import { ConfigService } from '../../src/platform/config';
import { TokenStore } from '../../src/platform/secrets';
import { PROTOCOL_VERSION } from '../../src/protocol/messages';
import { startFakeComfy, type FakeComfy } from '../fakes/comfyServer';
import { memorySecrets } from './memorySecrets';

const EXTENSION_ID = 'qwenprompt.qwenprompt';
const REPO = path.resolve(__dirname, '../../..');
/** A 1×1 PNG. */
const PNG_1X1 = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64');

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (let v = probe(); ; v = probe()) {
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

/** A WebviewPanel without a webview: the test plays the webview's side of the messages. */
function fakePanel() {
  const received = new vscode.EventEmitter<unknown>();
  const disposed = new vscode.EventEmitter<void>();
  const viewState = new vscode.EventEmitter<vscode.WebviewPanelOnDidChangeViewStateEvent>();
  const posted: Array<{ type: string; id?: number; ok?: boolean; error?: string }> = [];
  const webview = {
    options: {},
    html: '',
    cspSource: 'vscode-webview:',
    asWebviewUri: (u: vscode.Uri) => u,
    postMessage: async (m: (typeof posted)[number]) => (posted.push(m), true),
    onDidReceiveMessage: received.event,
  };
  const panel = {
    webview,
    title: '',
    iconPath: undefined,
    visible: true,
    viewType: 'qwenprompt.results',
    reveal: () => undefined,
    dispose: () => disposed.fire(),
    onDidDispose: disposed.event,
    onDidChangeViewState: viewState.event,
  };
  let id = 0;
  return {
    panel: panel as unknown as vscode.WebviewPanel,
    ready: () => received.fire({ type: 'ready', protocol: PROTOCOL_VERSION }),
    /** Sends a request as the webview would and resolves with the host's reply. */
    request: (body: unknown) => {
      const n = ++id;
      received.fire({ type: 'request', id: n, body });
      return until(`the reply to request ${n}`, () => posted.find((m) => m.type === 'reply' && m.id === n));
    },
  };
}

suite('results panels', () => {
  let fake: FakeComfy | undefined;
  let runsDir: string;
  let extensionUri: vscode.Uri;
  /** Settings this suite changed, reset at its end. */
  const changed = new Set<string>();
  const setting = async (key: string, value: unknown) => {
    changed.add(key);
    await vscode.workspace.getConfiguration('qwenprompt').update(key, value, vscode.ConfigurationTarget.Global);
  };
  /** The extension's run host as the extension wires it (trusted, in-memory secrets), with its own panels. */
  const host = () => {
    const cfg = new ConfigService();
    const tokens = new TokenStore(memorySecrets());
    const connections = new ComfyConnections({ config: cfg, tokens, log: nullLogger, isTrusted: () => true });
    const runs = new RunService({ config: cfg, connections, log: nullLogger });
    const panels = new ResultsPanelController({ extensionUri, log: nullLogger, runs, rater: () => 'tester', scenarios: () => ({}) });
    const docs = new SpecDocuments(cfg);
    return { runs, panels, docs, dispose: () => [panels, docs, runs, connections, tokens, cfg].forEach((d) => d.dispose()) };
  };

  suiteSetup(async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    extensionUri = ext.extensionUri;
    runsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'qp-results-'));
    await setting('runsFolder', runsDir);
  });

  suiteTeardown(async () => {
    for (const key of changed) await setting(key, undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await Promise.all([fake?.close(), fs.rm(runsDir, { recursive: true, force: true })]);
  });

  test('a run opens its panel as its folder appears and the panel follows it to the end, subscribed to RunService itself', async () => {
    fake = await startFakeComfy({ msPerStep: 1 });
    await setting('comfy.url', fake.url);
    const { runs, panels, docs, dispose } = host();
    // Subscribed after the panels, so it sees what they made of each update.
    const shownWhenPlanned: boolean[] = [];
    const sub = runs.onDidUpdate(({ update }) => {
      if (update.type === 'planned') shownWhenPlanned.push(panels.record(update.runDir)?.status === 'running');
    });
    try {
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder);
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'portrait.qwenprompt'));
      const [spec] = docs.specs(doc);
      const result = await runs.run({ uri: doc.uri, spec, steps: [20] });
      assert.ok(result);
      assert.deepEqual(shownWhenPlanned, [true], 'the panel showed the run as soon as it was planned');
      const shown = panels.record(result.runDir);
      assert.equal(shown?.status, 'complete', 'the panel got the final record');
      assert.deepEqual(
        shown.cells.map((c) => c.status),
        ['success'],
      );
    } finally {
      sub.dispose();
      dispose();
    }
  });

  test("a run is its folder: isRunning and the panel's Cancel name it, a spec finds its run before the folder exists", async () => {
    await fake?.close();
    fake = await startFakeComfy({ msPerStep: 40 });
    await setting('comfy.url', fake.url);
    const { runs, docs, dispose } = host();
    const folder = vscode.workspace.workspaceFolders?.[0];
    assert.ok(folder);
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'portrait.qwenprompt'));
    const [spec] = docs.specs(doc);
    const seen: { specRun: boolean; running: boolean; sameFolder: boolean; cancelled: boolean }[] = [];
    const sub = runs.onDidUpdate(({ update }) => {
      if (update.type !== 'planned') return;
      const { runDir } = update;
      seen.push({
        specRun: runs.activeRunOf(doc.uri.toString(), spec.id)?.runDir === runDir,
        running: runs.isRunning(runDir),
        // The same folder spelled another way is the same run.
        sameFolder: runs.isRunning(path.join(runDir, '..', path.basename(runDir))),
        cancelled: runs.cancel(runDir),
      });
    });
    try {
      const started = runs.run({ uri: doc.uri, spec, steps: [40] });
      const starting = runs.activeRunOf(doc.uri.toString(), spec.id);
      assert.ok(starting, 'the spec maps to its run at once');
      assert.equal(starting.runDir, undefined, 'before the runner made its folder');
      const result = await started;
      assert.ok(result);
      assert.deepEqual(seen, [{ specRun: true, running: true, sameFolder: true, cancelled: true }]);
      assert.equal(result.record.status, 'cancelled', 'Cancel by run folder stopped the run');
      assert.equal(runs.isRunning(result.runDir), false, 'an ended run is not running');
      assert.equal(runs.activeRunOf(doc.uri.toString(), spec.id), undefined);
      assert.equal(runs.cancel(result.runDir), false, 'nothing left to cancel');
    } finally {
      sub.dispose();
      dispose();
    }
  });

  test("a spec has one results panel: its next run takes it over, the tab says the run's state; a pinned panel keeps its run", async () => {
    await fake?.close();
    fake = await startFakeComfy({ msPerStep: 1 });
    await setting('comfy.url', fake.url);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const { runs, panels, docs, dispose } = host();
    const resultsTabs = () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .filter((t) => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith(RESULTS_VIEW_TYPE));
    const labels = new Set<string>();
    const seen = vscode.window.tabGroups.onDidChangeTabs(() => resultsTabs().forEach((t) => labels.add(t.label)));
    try {
      const folder = vscode.workspace.workspaceFolders?.[0];
      assert.ok(folder);
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.joinPath(folder.uri, 'portrait.qwenprompt'));
      const [spec] = docs.specs(doc);
      const first = await runs.run({ uri: doc.uri, spec, steps: [20] });
      assert.ok(first);
      const ended = /^bamboo portrait · \d\d:\d\d$/;
      await until("one results tab titled with the run's time", () =>
        resultsTabs().length === 1 && ended.test(resultsTabs()[0].label) ? true : undefined,
      );
      assert.ok(labels.has('bamboo portrait · running 0/1'), `while running the tab said so: ${[...labels].join(' | ')}`);

      const second = await runs.run({ uri: doc.uri, spec, steps: [20] });
      assert.ok(second);
      assert.notEqual(second.runDir, first.runDir);
      assert.equal(panels.record(second.runDir)?.status, 'complete', 'the second run shows');
      assert.equal(panels.record(first.runDir), undefined, 'in the panel the first run had');
      await until('still one results tab', () => (resultsTabs().length === 1 && ended.test(resultsTabs()[0].label) ? true : undefined));

      // Pinned, the panel keeps the second run and says so; the third run opens a panel of its own.
      await panels.show(second.runDir);
      await until('the results panel active', () => (resultsTabs()[0]?.isActive ? true : undefined));
      assert.equal(panels.togglePin(), true);
      await until('the pinned title', () => (/ · pinned$/.test(resultsTabs()[0]?.label ?? '') ? true : undefined));
      const third = await runs.run({ uri: doc.uri, spec, steps: [20] });
      assert.ok(third);
      await until('two results tabs', () => (resultsTabs().length === 2 ? true : undefined));
      assert.equal(panels.record(second.runDir)?.status, 'complete', 'the pinned panel still shows the second run');
      assert.equal(panels.record(third.runDir)?.status, 'complete', 'the third run has its own panel');
      // Reopening the first run (history) takes the unpinned panel, not the pinned one.
      await panels.show(first.runDir);
      assert.equal(panels.record(third.runDir), undefined);
      assert.equal(panels.record(second.runDir)?.status, 'complete');
      assert.equal(resultsTabs().length, 2);
    } finally {
      seen.dispose();
      dispose();
    }
  });

  test('"open image" in a panel opens the image in VS Code\'s image preview; a file its run does not name is refused', async () => {
    const runDir = path.join(runsDir, 'steps-study', '2026-11-20T09-00-00Z');
    await fs.cp(path.join(REPO, 'test/fixtures/runs/steps-study/2026-11-20T09-00-00Z'), runDir, { recursive: true });
    const image = path.join(runDir, 'steps20-r0.png');
    await fs.writeFile(image, PNG_1X1);
    const runs = {
      onDidUpdate: new vscode.EventEmitter<never>().event,
      onDidChangeRuns: new vscode.EventEmitter<void>().event,
      isRunning: () => false,
    };
    const panels = new ResultsPanelController({
      extensionUri,
      log: nullLogger,
      runs: {
        ...runs,
        cancel: () => false,
        resumeFolder: async () => undefined,
        setViewer: () => ({ dispose() {} }),
        retryServer: async () => undefined,
        redoRegion: async () => {
          throw new Error('no server in this test');
        },
        run: async () => {
          throw new Error('no server in this test');
        },
      },
      rater: () => 'tester',
      scenarios: () => ({}),
    });
    const webview = fakePanel();
    try {
      await panels.revive(webview.panel, { v: 1, runDir });
      assert.equal(panels.record(runDir)?.spec.name, 'bamboo portrait', 'the panel shows the run');
      webview.ready();

      const opened = await webview.request({ kind: 'openImage', file: 'steps20-r0.png' });
      assert.equal(opened.ok, true, opened.error);
      const tab = await until('the image preview tab', () => {
        const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
        return input instanceof vscode.TabInputCustom && input.uri.fsPath === image ? input : undefined;
      });
      assert.equal(tab.viewType, 'imagePreview.previewEditor');

      const refused = await webview.request({ kind: 'openImage', file: 'run.json' });
      assert.equal(refused.ok, false);
      assert.match(refused.error ?? '', /not an image of this run/);
    } finally {
      panels.dispose();
    }
  });
});
