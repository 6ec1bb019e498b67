// Workspace trust, the bearer token and resuming, in a real extension host against the ComfyUI test
// server: the token reaches the server and nothing else (run.json, settings, the log, what the panel
// is sent); an interrupted run gets a "↻ Resume" lens that makes only its missing images.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ILogger } from '../../src/core/logger';
import type { QwenPromptApi } from '../../src/extension';
import { ComfyConnections } from '../../src/features/server/comfyConnections';
import { RunService } from '../../src/features/runs/runService';
import { SpecDocuments } from '../../src/features/spec/specDocuments';
import { ConfigService } from '../../src/platform/config';
import { TokenStore } from '../../src/platform/secrets';
import { startFakeComfy, type FakeComfy } from '../fakes/comfyServer';
import { memorySecrets } from './memorySecrets';
import type { RunRecord } from '../../src/shared/runRecord';

const EXTENSION_ID = 'qwenprompt.qwenprompt';
const TOKEN = 'qp-integration-secret-4b9e2a';

function fixture(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need the fixture workspace open');
  return vscode.Uri.joinPath(folder.uri, name);
}

/** A logger that keeps every line, at every level, as the output channel would show it. */
function captureLogger(lines: string[]): ILogger {
  const at =
    (level: string) =>
    (m: string | Error, ...a: unknown[]) => {
      lines.push(
        `${level} ${m instanceof Error ? `${m.message} ${m.stack}` : m} ${a.map((x) => (x instanceof Error ? `${x.message} ${x.stack}` : JSON.stringify(x))).join(' ')}`,
      );
    };
  return { trace: at('trace'), debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

suite('trust, secrets and resume', () => {
  let fake: FakeComfy | undefined;
  let runsDir: string;
  const config = () => vscode.workspace.getConfiguration('qwenprompt');

  suiteSetup(async () => {
    (await vscode.extensions.getExtension(EXTENSION_ID)!.activate()) as QwenPromptApi;
    runsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'qp-trust-'));
    await config().update('runsFolder', runsDir, vscode.ConfigurationTarget.Global);
  });

  suiteTeardown(async () => {
    await config().update('runsFolder', undefined, vscode.ConfigurationTarget.Global);
    await config().update('comfy.url', undefined, vscode.ConfigurationTarget.Global);
    await fake?.close();
    await fs.rm(runsDir, { recursive: true, force: true });
  });

  test('the bearer token goes to the server on every request and nowhere else', async () => {
    fake = await startFakeComfy({ msPerStep: 1 });
    await config().update('comfy.url', fake.url, vscode.ConfigurationTarget.Global);
    const lines: string[] = [];
    const log = captureLogger(lines);
    const cfg = new ConfigService();
    const tokens = new TokenStore(memorySecrets());
    const connections = new ComfyConnections({ config: cfg, tokens, log, isTrusted: () => true });
    const runs = new RunService({ config: cfg, connections, log });
    const docs = new SpecDocuments(cfg);
    const sentToPanel: string[] = [];
    const sub = runs.onDidUpdate((e) => sentToPanel.push(JSON.stringify(e, (_k, v) => (v instanceof Uint8Array ? '[bytes]' : v))));
    try {
      await tokens.set(fake.url, TOKEN);
      const doc = await vscode.workspace.openTextDocument(fixture('portrait.qwenprompt'));
      const [spec] = docs.specs(doc);
      const result = await runs.run({ uri: doc.uri, spec, steps: [20] });
      assert.ok(result);
      assert.equal(result.record.status, 'complete');
      assert.ok(fake.requests.length > 2);
      for (const r of fake.requests) assert.equal(r.authorization, `Bearer ${TOKEN}`, `${r.method} ${r.path} carried the token`);
      assert.ok(fake.upgrades.length > 0 && fake.upgrades.every((a) => a === `Bearer ${TOKEN}`), 'so did the WebSocket');

      const runJson = await fs.readFile(path.join(result.runDir, 'run.json'), 'utf8');
      assert.ok(!runJson.includes(TOKEN), 'not in run.json');
      assert.ok(lines.length > 0 && !lines.some((l) => l.includes(TOKEN)), 'not in the log');
      assert.ok(sentToPanel.length > 0 && !sentToPanel.some((m) => m.includes(TOKEN)), 'not in anything sent to the panel');
      assert.ok(!JSON.stringify(config()).includes(TOKEN), 'not in the settings');
      for (const f of await fs.readdir(result.runDir))
        assert.ok(!(await fs.readFile(path.join(result.runDir, f))).includes(TOKEN), `not in ${f}`);
    } finally {
      sub.dispose();
      [docs, runs, connections, tokens, cfg].forEach((d) => d.dispose());
    }
  });

  test('an interrupted run shows "↻ Resume", which makes only the missing images into the same folder', async () => {
    await fake?.close();
    const server = (fake = await startFakeComfy({ msPerStep: 20 }));
    await config().update('comfy.url', server.url, vscode.ConfigurationTarget.Global);
    const api = (await vscode.extensions.getExtension(EXTENSION_ID)!.activate()) as QwenPromptApi;
    const uri = fixture('portrait.qwenprompt');
    const args = { uri: uri.toString(), specId: 'bamboo-portrait' };
    // ComfyUI restarts as soon as the first image is in: the second job is lost.
    let restarted = false;
    const sub = api.runs.onDidUpdate(({ update }) => {
      if (!restarted && update.type === 'cell' && update.cell.status === 'success') {
        restarted = true;
        void server.restart();
      }
    });
    let first;
    try {
      first = await vscode.commands.executeCommand<{ runDir: string; record: RunRecord }>('qwenprompt.runAll', args);
    } finally {
      sub.dispose();
    }
    assert.ok(first && restarted);
    assert.deepEqual(
      first.record.cells.map((c) => c.status),
      ['success', 'lost'],
    );

    const found = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    const resume = found.find((l) => l.command?.command === 'qwenprompt.resumeRun');
    assert.equal(resume?.command?.title, '↻ Resume (1 missing)');

    const posts = () => server.requests.filter((r) => r.method === 'POST' && r.path === '/prompt').length;
    const before = posts();
    const resumed = await vscode.commands.executeCommand<{ runDir: string; record: RunRecord }>(
      'qwenprompt.resumeRun',
      ...(resume!.command!.arguments ?? []),
    );
    assert.ok(resumed);
    assert.equal(resumed.runDir, first.runDir, 'the same run folder');
    assert.equal(resumed.record.status, 'complete');
    assert.equal(posts() - before, 1, 'only the missing image was made');
    assert.deepEqual(resumed.record.cells[0].images, first.record.cells[0].images, 'the kept image is untouched');
    const after = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
    assert.ok(!after.some((l) => l.command?.command === 'qwenprompt.resumeRun'), 'nothing left to resume');
  });
});
