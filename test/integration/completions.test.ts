// Completions as a user types: suggestions open on a letter at the start of a line (the language's
// editor defaults), keys the mapping has are not offered twice, and an empty file offers a whole spec
// in 2-space indentation.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { parseSpecs } from '../../src/core/spec/parse';

const EXTENSION_ID = 'qwenprompt.qwenprompt';

async function labelsAt(doc: vscode.TextDocument, line: number, character: number): Promise<string[]> {
  const list = await vscode.commands.executeCommand<vscode.CompletionList>(
    'vscode.executeCompletionItemProvider',
    doc.uri,
    new vscode.Position(line, character),
  );
  return list.items.map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
}

suite('completions', () => {
  const config = () => vscode.workspace.getConfiguration('qwenprompt');

  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
    // Port 9 (discard): no server, so samplers come from the built-in list at once.
    await config().update('comfy.url', 'http://127.0.0.1:9', vscode.ConfigurationTarget.Global);
  });

  suiteTeardown(async () => {
    await config().update('comfy.url', undefined, vscode.ConfigurationTarget.Global);
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
  });

  test('a .qwenprompt editor suggests as you type a key (YAML keys are string tokens) and indents by 2 spaces', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'qwenprompt', content: '' });
    const editor = await vscode.window.showTextDocument(doc);
    const editorConfig = vscode.workspace.getConfiguration('editor', { languageId: 'qwenprompt' });
    assert.deepEqual(editorConfig.get('quickSuggestions'), { other: 'on', comments: 'off', strings: 'on' });
    assert.equal(editor.options.tabSize, 2);
    assert.equal(editor.options.insertSpaces, true);
  });

  test('keys the mapping already has are not offered again, at the top and inside models:', async () => {
    const doc = await vscode.workspace.openTextDocument({
      language: 'qwenprompt',
      content: 'prompt: a fox\nseed: 7\nmodels:\n  unet: a.safetensors\n  \nst\nvariants:\n  - name: warm\n    cfg: 5\n    \n',
    });
    await vscode.window.showTextDocument(doc);
    const top = await labelsAt(doc, 5, 2);
    assert.ok(top.includes('steps') && top.includes('sampler'), 'unwritten keys are offered');
    for (const written of ['prompt', 'seed', 'models', 'variants']) assert.ok(!top.includes(written), `${written} is already written`);
    const models = await labelsAt(doc, 4, 2);
    assert.ok(models.includes('vae') && !models.includes('unet'), `models: ${models.join(', ')}`);
    const variant = await labelsAt(doc, 9, 4);
    assert.ok(variant.includes('sampler') && !variant.includes('cfg') && !variant.includes('name'), `variant: ${variant.join(', ')}`);
    assert.ok(!top.includes('New spec'), 'the whole-spec snippet is for an empty file only');
  });

  test('an empty file offers a whole spec first; inserted, it is a spec with no problems, indented by 2 spaces', async () => {
    const doc = await vscode.workspace.openTextDocument({ language: 'qwenprompt', content: '' });
    const editor = await vscode.window.showTextDocument(doc);
    const list = await vscode.commands.executeCommand<vscode.CompletionList>(
      'vscode.executeCompletionItemProvider',
      doc.uri,
      new vscode.Position(0, 0),
    );
    const snippet = list.items.find((i) => i.label === 'New spec');
    assert.ok(snippet && snippet.kind === vscode.CompletionItemKind.Snippet, 'a snippet item');
    assert.ok(
      list.items.some((i) => i.label === 'prompt'),
      'and the keys',
    );
    assert.ok(await editor.insertSnippet(snippet.insertText as vscode.SnippetString));
    const text = doc.getText();
    assert.match(text, /^name: my study\nmodel: qwen-image-2512\nprompt: >\n {2}what the image should show\n/);
    assert.match(text, /\nsteps: \[20, 40, 60\]\n/);
    assert.deepEqual(
      parseSpecs(text).diagnostics.map((d) => d.message),
      [],
    );
  });
});
