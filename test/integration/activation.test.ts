import * as assert from 'node:assert/strict';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'qwenprompt.qwenprompt';

async function until(what: string, check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

suite('activation', () => {
  // Runs first, before any spec is open: activation must stay cheap (issue 5's ≤ 30 ms), so the YAML parser
  // and schema validator (dist/language.js) and the run engine (dist/engine.js) load on first use only.
  test('activation evaluates neither the spec language nor the run engine; a spec and its first CodeLens load only the language', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded in this extension host`);
    assert.ok(!ext.isActive, 'this test must see the activation: nothing may activate the extension before it');
    assert.ok(!vscode.workspace.textDocuments.some((d) => d.languageId === 'qwenprompt'), 'no spec may be open yet');
    const bundle = (name: string) => realpathSync(join(ext.extensionPath, 'dist', name));
    const loaded = (name: string) => bundle(name) in require.cache;

    await ext.activate();
    // Diagnostics of open documents are computed just after activate(): let that turn pass too.
    await new Promise((ok) => setTimeout(ok, 50));
    assert.ok(loaded('extension.js'), 'the host runs dist/extension.js');
    assert.ok(!loaded('language.js'), 'activation evaluated dist/language.js (yaml, the validator): it must wait for the first spec');
    assert.ok(!loaded('engine.js'), 'activation evaluated dist/engine.js');

    const [uri] = await vscode.workspace.findFiles('portrait.qwenprompt');
    assert.ok(uri, 'the fixture workspace has no portrait.qwenprompt');
    const doc = await vscode.workspace.openTextDocument(uri);
    const lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [];
    assert.ok(
      lenses.some((l) => l.command?.command === 'qwenprompt.runSpec'),
      'the first CodeLens request gets the run lenses',
    );
    assert.ok(loaded('language.js'), 'opening the spec and its first lenses loaded dist/language.js');
    assert.ok(!loaded('engine.js'), 'the first CodeLens loaded the run engine');
  });

  test('opening a .qwenprompt file gives it the qwenprompt language and activates the extension', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext, `${EXTENSION_ID} is not loaded in this extension host`);
    const [uri] = await vscode.workspace.findFiles('*.qwenprompt');
    assert.ok(uri, 'the fixture workspace has no .qwenprompt file');

    const doc = await vscode.workspace.openTextDocument(uri);
    await vscode.window.showTextDocument(doc);

    assert.equal(doc.languageId, 'qwenprompt');
    await until(`${EXTENSION_ID} to activate`, () => ext.isActive);
    // isActive is also true after activate() threw; awaiting activate() surfaces that error.
    await ext.activate();
  });
});
