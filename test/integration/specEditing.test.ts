// Lenses, diagnostics, completions and hovers on the fixture workspace's specs, as a user meets them.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'qwenprompt.qwenprompt';

function fixture(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the tests need the fixture workspace open');
  return vscode.Uri.joinPath(folder.uri, name);
}

async function until<T>(what: string, probe: () => T | undefined | Promise<T | undefined>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== false) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

async function lenses(uri: vscode.Uri): Promise<{ line: number; title: string; command: string; args: unknown[]; tooltip?: string }[]> {
  const found = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri)) ?? [];
  return found
    .filter((l) => l.command)
    .map((l) => ({
      line: l.range.start.line,
      title: l.command!.title,
      command: l.command!.command,
      args: l.command!.arguments ?? [],
      tooltip: l.command!.tooltip,
    }));
}

suite('spec editing', () => {
  let runsDir: string;

  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    // An empty runs folder: no lens may claim an earlier run.
    runsDir = await fs.mkdtemp(path.join(os.tmpdir(), 'qp-lens-runs-'));
    await vscode.workspace.getConfiguration('qwenprompt').update('runsFolder', runsDir, vscode.ConfigurationTarget.Global);
  });

  suiteTeardown(async () => {
    await vscode.workspace.getConfiguration('qwenprompt').update('runsFolder', undefined, vscode.ConfigurationTarget.Global);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await fs.rm(runsDir, { recursive: true, force: true });
  });

  test('each spec gets a lens per step count, All, and Sweep when it sweeps; args are plain data', async () => {
    const uri = fixture('lenses.qwenprompt');
    await vscode.window.showTextDocument(uri);
    const all = await until('lenses', async () => {
      const l = await lenses(uri);
      return l.length ? l : undefined;
    });
    const first = all.filter((l) => l.line === 1);
    assert.deepEqual(
      first.map((l) => l.title),
      ['▶ 20 steps', '▶ 40 steps', '▶ 60 steps', '▶ All', '▶ Sweep'],
    );
    assert.deepEqual(first[0].args, [{ uri: uri.toString(), specId: 'cfg-study', steps: [20] }]);
    assert.equal(first[0].command, 'qwenprompt.runSpec');
    assert.deepEqual(first[3].args, [{ uri: uri.toString(), specId: 'cfg-study' }]);
    assert.equal(first[3].command, 'qwenprompt.runAll');
    assert.deepEqual(first[4].args, [{ uri: uri.toString(), specId: 'cfg-study', sweep: true }]);
    assert.equal(first[4].command, 'qwenprompt.runSweep');
    // Each lens's tooltip says what it queues.
    assert.deepEqual(
      first.map((l) => l.tooltip),
      [
        'Queues 1 image: steps 20 × 1 seed.',
        'Queues 1 image: steps 40 × 1 seed.',
        'Queues 1 image: steps 60 × 1 seed.',
        'Queues 3 images: steps 20/40/60 × 1 seed.',
        'Queues 6 images: steps 20/40/60 × cfg 6.5/7 × 1 seed.',
      ],
    );
    // The second spec names no steps: the qwenprompt.defaultSteps setting (20/40/60) applies; no sweep lens.
    assert.deepEqual(
      all.filter((l) => l.line === 11).map((l) => l.title),
      ['▶ 20 steps', '▶ 40 steps', '▶ 60 steps', '▶ All'],
    );
  });

  test('a spec with variants gets ▶ All variants on its row and ▶ NAME above each variant; keys and samplers complete inside one', async () => {
    const uri = fixture('variants.qwenprompt');
    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);
    const all = await until('lenses', async () => {
      const l = await lenses(uri);
      return l.length ? l : undefined;
    });
    assert.deepEqual(
      all.map((l) => [l.line, l.title, l.command, l.args]),
      [
        [1, '▶ All variants', 'qwenprompt.runAll', [{ uri: uri.toString(), specId: 'levers' }]],
        [8, '▶ base', 'qwenprompt.runSpec', [{ uri: uri.toString(), specId: 'levers', variants: ['base'] }]],
        [11, '▶ lightning-4', 'qwenprompt.runSpec', [{ uri: uri.toString(), specId: 'levers', variants: ['lightning-4'] }]],
      ],
    );
    const complete = async (text: string, line: number, character: number) => {
      const d = await vscode.workspace.openTextDocument({ language: 'qwenprompt', content: text });
      const list = await vscode.commands.executeCommand<vscode.CompletionList>(
        'vscode.executeCompletionItemProvider',
        d.uri,
        new vscode.Position(line, character),
      );
      return list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
    };
    const keys = await complete('prompt: x\nvariants:\n  - name: a\n    \n', 3, 4);
    assert.ok(keys.includes('cfg') && keys.includes('models') && keys.includes('pair'), 'a variant offers spec fields');
    assert.ok(!keys.includes('variants') && !keys.includes('workflow'), 'but not variants or workflow');
    const samplers = await complete('prompt: x\nvariants:\n  - name: a\n    sampler: eul\n', 3, 16);
    assert.ok(samplers.includes('euler_ancestral'), 'a variant sampler completes from the sampler list');
    const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', uri, new vscode.Position(10, 5));
    const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value))).join('\n');
    assert.match(text, /variants\.cfg[\s\S]*guidance/, 'a variant key explains itself like the spec key');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  test('qwenprompt.defaultSteps and qwenprompt.codeLens.enabled change the lenses at once', async () => {
    const uri = fixture('lenses.qwenprompt');
    const config = vscode.workspace.getConfiguration('qwenprompt');
    try {
      await config.update('defaultSteps', [8, 12], vscode.ConfigurationTarget.Global);
      await until(
        'lenses with the new default steps',
        async () =>
          (await lenses(uri))
            .filter((l) => l.line === 11)
            .map((l) => l.title)
            .join('|') === '▶ 8 steps|▶ 12 steps|▶ All' || undefined,
      );
      await config.update('codeLens.enabled', false, vscode.ConfigurationTarget.Global);
      await until('no lenses', async () => (await lenses(uri)).length === 0 || undefined);
    } finally {
      await config.update('defaultSteps', undefined, vscode.ConfigurationTarget.Global);
      await config.update('codeLens.enabled', undefined, vscode.ConfigurationTarget.Global);
    }
    await until('lenses back', async () => (await lenses(uri)).length === 9 || undefined);
  });

  test('a broken spec gets its error on the right line, one lens that points to Problems, and recovers as the user types', async () => {
    const uri = fixture('broken.qwenprompt');
    const editor = await vscode.window.showTextDocument(uri);
    const errorsOf = () => vscode.languages.getDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
    const diags = await until('diagnostics', () => {
      const d = errorsOf();
      return d.length ? d : undefined;
    });
    assert.equal(diags.length, 1);
    assert.equal(diags[0].range.start.line, 3, 'the error belongs on `cfg: lots`');
    assert.equal(editor.document.getText(diags[0].range), 'lots');
    assert.equal(diags[0].source, 'qwenprompt');
    assert.match(diags[0].message, /cfg/);

    const row = await lenses(uri);
    assert.deepEqual(
      row.map((l) => [l.title, l.command]),
      [['⚠ Fix 1 problem to run', 'workbench.actions.view.problems']],
    );

    try {
      await editor.edit((e) => e.replace(diags[0].range, '6.5'));
      await until('the error to go away', () => errorsOf().length === 0 || undefined);
      assert.deepEqual(
        (await lenses(uri)).map((l) => l.title),
        ['▶ 20 steps', '▶ All'],
      );
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });

  test('the workflow: file is opened: a missing one is an error on its line, then a clash once it exists, and both clear', async () => {
    const uri = fixture('own-graph.qwenprompt');
    const graph = fixture('own-graph.api.json');
    const errorsOf = () => vscode.languages.getDiagnostics(uri).filter((d) => d.severity === vscode.DiagnosticSeverity.Error);
    const editor = await vscode.window.showTextDocument(uri);
    try {
      const missing = await until('the missing workflow', () => errorsOf().find((d) => /cannot be read/.test(d.message)));
      assert.equal(missing.range.start.line, 2, 'on `workflow: ./own-graph.api.json`');
      assert.equal(editor.document.getText(missing.range), './own-graph.api.json');
      // The file appears (as a user saves an export beside the spec): the graph's own problem shows.
      await fs.copyFile(path.resolve(__dirname, '../../../examples/workflows/my-graph.api.json'), graph.fsPath);
      const clash = await until('the clash', () => {
        const d = errorsOf();
        return d.length === 2 && d.every((x) => /both set node 3/.test(x.message)) ? d : undefined;
      });
      assert.deepEqual(clash.map((d) => d.range.start.line).sort(), [4, 6], 'on `steps:` and on `KSampler.steps: 30`');
      await editor.edit((e) => e.delete(new vscode.Range(5, 0, 7, 0)));
      await until('no errors once the mapped steps are gone', () => errorsOf().length === 0 || undefined);
    } finally {
      await fs.rm(graph.fsPath, { force: true });
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });

  // Where a bad threshold is marked is checked on the parser (unit spec.test: scenarios).
  test('scenarios: the presets and what each can need complete', async () => {
    const doc = await vscode.workspace.openTextDocument({
      language: 'qwenprompt',
      content: 'prompt: fox\nscenarios:\n  \n  explore:\n    \n  final:\n    minSsim: 1.2\n',
    });
    await vscode.window.showTextDocument(doc);
    try {
      const complete = async (line: number, character: number) =>
        (
          await vscode.commands.executeCommand<vscode.CompletionList>(
            'vscode.executeCompletionItemProvider',
            doc.uri,
            new vscode.Position(line, character),
          )
        ).items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
      const names = await complete(2, 2);
      // explore and final are written below: only the preset still missing is offered.
      assert.ok(names.includes('everyday') && !names.includes('explore'), names.join(', '));
      const needs = await complete(4, 4);
      assert.ok(
        ['minSsim', 'minStructure', 'minAdherence', 'bestAdherence'].every((n) => needs.includes(n)),
        needs.join(', '),
      );
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });

  test('keys complete with their meaning, and samplers complete from the built-in list when no server answers', async () => {
    const config = vscode.workspace.getConfiguration('qwenprompt');
    // Port 9 (discard) on loopback: nothing listens, so the server lists are unavailable.
    await config.update('comfy.url', 'http://127.0.0.1:9', vscode.ConfigurationTarget.Global);
    try {
      const doc = await vscode.workspace.openTextDocument({ language: 'qwenprompt', content: 'name: x\nmodels:\n  \nsampler: \n' });
      await vscode.window.showTextDocument(doc);
      const keys = await vscode.commands.executeCommand<vscode.CompletionList>(
        'vscode.executeCompletionItemProvider',
        doc.uri,
        new vscode.Position(2, 2),
      );
      const unet = keys.items.find((i) => i.label === 'unet');
      assert.ok(unet, 'models: offers unet');
      assert.match(String((unet.documentation as vscode.MarkdownString).value), /UNETLoader/);
      assert.ok(!keys.items.some((i) => i.label === 'prompt'), 'top-level keys are not offered inside models:');

      const values = await vscode.commands.executeCommand<vscode.CompletionList>(
        'vscode.executeCompletionItemProvider',
        doc.uri,
        new vscode.Position(3, 9),
      );
      const labels = values.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
      assert.ok(labels.includes('dpmpp_2m') && labels.includes('euler_ancestral'), 'samplers are offered');
      assert.match(values.items.find((i) => i.label === 'dpmpp_2m')?.detail ?? '', /built-in/);

      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
        'vscode.executeHoverProvider',
        doc.uri,
        new vscode.Position(1, 2),
      );
      const text = hovers
        .flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : (c as vscode.MarkdownString).value)))
        .join('\n');
      assert.match(text, /Model file names/);
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
      await config.update('comfy.url', undefined, vscode.ConfigurationTarget.Global);
    }
  });

  test('an untitled spec offers Save instead of runs (runs are kept next to the file)', async () => {
    const doc = await vscode.workspace.openTextDocument({
      language: 'qwenprompt',
      content: 'prompt: a fox\nsteps: [20, 40]\nrepeats: 2\n',
    });
    await vscode.window.showTextDocument(doc);
    try {
      const found = await until('the untitled lens', async () => {
        const l = await lenses(doc.uri);
        return l.length ? l : undefined;
      });
      assert.deepEqual(
        found.map((l) => [l.title, l.command]),
        [['$(save) Save to run', 'workbench.action.files.save']],
      );
      // Its tooltip (what it would queue) does not survive executeCodeLensProvider for a command without
      // arguments; the e2e test hovers it in the workbench.
    } finally {
      await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    }
  });
});
