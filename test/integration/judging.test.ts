// The judging commands in the extension host: a spec from a ComfyUI image (template and workflow
// cases, written where asked and opened), and two runs of a spec opened side by side.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { readPngText, withPngText } from '../../src/core/quality/pngText';
import { parseSpecs } from '../../src/core/spec/parse';

const REPO = path.resolve(__dirname, '../../..');
const SAMPLE = path.join(REPO, 'test/fixtures/comfy/sample-output.png');

suite('judging commands', () => {
  let dir: string;

  suiteSetup(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'qp-judging-'));
    await vscode.extensions.getExtension('qwenprompt.qwenprompt')?.activate();
  });
  suiteTeardown(async () => {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await fs.rm(dir, { recursive: true, force: true });
  });

  test('Create Spec from Image writes a spec on the checkpoint template and opens it', async () => {
    const target = path.join(dir, 'lighthouse.qwenprompt');
    const written = await vscode.commands.executeCommand<string>('qwenprompt.createSpecFromImage', { file: SAMPLE, target });
    assert.equal(written, target);
    const text = await fs.readFile(target, 'utf8');
    const spec = parseSpecs(text).specs[0];
    assert.equal(spec.model, 'sd-checkpoint');
    assert.equal(spec.prompt, 'a lighthouse at dusk');
    assert.equal(vscode.window.activeTextEditor?.document.uri.fsPath, target);
    assert.equal(vscode.window.activeTextEditor?.document.languageId, 'qwenprompt');
  });

  test('an image whose graph no template rebuilds gets its graph saved beside the spec as the workflow', async () => {
    const bytes = await fs.readFile(SAMPLE);
    const graph = JSON.parse(readPngText(bytes).get('prompt')!);
    graph['4'].class_type = 'CheckpointLoaderNF4';
    const image = path.join(dir, 'custom.png');
    await fs.writeFile(image, withPngText(bytes.subarray(0), { prompt: JSON.stringify(graph) }));
    // The iTXt added first is read before the original tEXt chunk of the same keyword.
    const target = path.join(dir, 'custom graph.qwenprompt');
    await vscode.commands.executeCommand('qwenprompt.createSpecFromImage', { file: image, target });
    const spec = parseSpecs(await fs.readFile(target, 'utf8')).specs[0];
    assert.equal(spec.workflow, 'custom graph.api.json');
    const saved = JSON.parse(await fs.readFile(path.join(dir, 'custom graph.api.json'), 'utf8'));
    assert.equal(saved['4'].class_type, 'CheckpointLoaderNF4');
    assert.equal(spec.prompt, 'a lighthouse at dusk');
  });

  test('Compare Two Runs opens the newer run in the results panel', async () => {
    const fixture = path.join(REPO, 'test/fixtures/runs/steps-study/2026-11-20T09-00-00Z');
    const specDir = path.join(dir, '.qwenprompt-runs', 'steps-study');
    const a = path.join(specDir, '2026-11-21T09-00-00Z');
    const b = path.join(specDir, '2026-11-20T09-00-00Z');
    await fs.cp(fixture, a, { recursive: true });
    await fs.cp(fixture, b, { recursive: true });
    const pair = await vscode.commands.executeCommand<[string, string]>('qwenprompt.compareRuns', { runDirs: [a, b] });
    assert.deepEqual(pair, [a, b]);
    // The tab strip follows the new panel a moment later.
    const deadline = Date.now() + 10_000;
    let labels: string[] = [];
    while (Date.now() < deadline) {
      const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
      labels = tabs.map((t) => t.label);
      if (tabs.some((t) => t.input instanceof vscode.TabInputWebview && /bamboo portrait/.test(t.label))) return;
      await new Promise((ok) => setTimeout(ok, 100));
    }
    assert.fail(`no results tab for the run; tabs: ${labels.join(', ')}`);
  });
});
