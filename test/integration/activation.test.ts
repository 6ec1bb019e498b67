import * as assert from 'node:assert/strict';
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
