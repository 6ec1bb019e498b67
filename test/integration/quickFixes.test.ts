// Quick Fixes as a user applies them (Ctrl+. on the squiggle): each suggestion a diagnostic makes is a
// code action whose edit writes it; names the live ComfyUI test server lacks are errors with its
// closest names, warnings when no server answers.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import { startFakeComfy, type FakeComfy } from '../fakes/comfyServer';

const EXTENSION_ID = 'qwenprompt.qwenprompt';

async function until<T>(what: string, probe: () => T | undefined): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 100));
  }
}

async function open(content: string): Promise<vscode.TextDocument> {
  const doc = await vscode.workspace.openTextDocument({ language: 'qwenprompt', content });
  await vscode.window.showTextDocument(doc);
  return doc;
}

function diagnostic(doc: vscode.TextDocument, message: RegExp): Promise<vscode.Diagnostic> {
  return until(`a diagnostic ${message}`, () => vscode.languages.getDiagnostics(doc.uri).find((d) => message.test(d.message)));
}

/** The Quick Fixes offered on a diagnostic's range, by title. */
async function fixesOn(doc: vscode.TextDocument, d: vscode.Diagnostic): Promise<vscode.CodeAction[]> {
  const all = await vscode.commands.executeCommand<vscode.CodeAction[]>('vscode.executeCodeActionProvider', doc.uri, d.range);
  return all.filter((a) => vscode.CodeActionKind.QuickFix.contains(a.kind ?? vscode.CodeActionKind.Empty));
}

async function applyFix(doc: vscode.TextDocument, message: RegExp, title: string): Promise<string> {
  const fixes = await fixesOn(doc, await diagnostic(doc, message));
  const fix = fixes.find((f) => f.title === title);
  assert.ok(fix?.edit, `"${title}" among ${JSON.stringify(fixes.map((f) => [f.title, f.kind?.value]))}`);
  assert.ok(await vscode.workspace.applyEdit(fix.edit));
  return doc.getText();
}

suite('quick fixes', () => {
  const config = () => vscode.workspace.getConfiguration('qwenprompt');
  let fake: FakeComfy | undefined;

  suiteSetup(async () => {
    await vscode.extensions.getExtension(EXTENSION_ID)?.activate();
  });

  teardown(async () => {
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await config().update('comfy.url', undefined, vscode.ConfigurationTarget.Global);
    await fake?.close();
    fake = undefined;
  });

  test('"Did you mean" and "try WxH" are fixes that write the suggestion, and the problem goes', async () => {
    // Port 9 (discard): no server answers, so only the spec's own checks speak.
    await config().update('comfy.url', 'http://127.0.0.1:9', vscode.ConfigurationTarget.Global);
    const doc = await open('prompt: a fox\nsede: 7\nwidth: 1000\nheight: 1030\nsampler: eulr\n');
    const fixed = await applyFix(doc, /Unknown key 'sede'.*Did you mean 'seed'/, "Change to 'seed'");
    assert.equal(fixed, 'prompt: a fox\nseed: 7\nwidth: 1000\nheight: 1030\nsampler: eulr\n');
    const sized = await applyFix(doc, /try 1008x1024/, 'Change to 1008x1024');
    assert.equal(sized, 'prompt: a fox\nseed: 7\nwidth: 1008\nheight: 1024\nsampler: eulr\n');
    // No server: an unknown sampler is only a warning against the built-in list, with its fix.
    const warning = await diagnostic(doc, /Unknown sampler 'eulr'/);
    assert.equal(warning.severity, vscode.DiagnosticSeverity.Warning);
    assert.equal(
      await applyFix(doc, /Unknown sampler 'eulr'/, "Change to 'euler'"),
      'prompt: a fox\nseed: 7\nwidth: 1008\nheight: 1024\nsampler: euler\n',
    );
    // What is left is the hint that 1008x1024 is not one of the template's native sizes.
    const serious = (d: vscode.Diagnostic) => d.severity <= vscode.DiagnosticSeverity.Warning;
    await until('no errors or warnings left', () => (vscode.languages.getDiagnostics(doc.uri).some(serious) ? undefined : true));
  });

  test("a sampler or model file the live server lacks is an error whose fixes are the server's closest names", async () => {
    fake = await startFakeComfy({});
    await config().update('comfy.url', fake.url, vscode.ConfigurationTarget.Global);
    const doc = await open('prompt: a fox\nsampler: dpmpp_2m_sdee\nmodels:\n  unet: qwen_image_fp8.safetensors\n');
    const sampler = await diagnostic(doc, /The server has no sampler 'dpmpp_2m_sdee'/);
    assert.equal(sampler.severity, vscode.DiagnosticSeverity.Error);
    assert.ok(
      !vscode.languages.getDiagnostics(doc.uri).some((d) => /Unknown sampler/.test(d.message)),
      "the built-in list's warning gives way to the server's answer",
    );
    const titles = (await fixesOn(doc, sampler)).map((f) => f.title);
    assert.equal(titles[0], "Change to 'dpmpp_2m_sde' (on the server)");
    assert.ok(titles.length >= 2, `several close names: ${titles.join(', ')}`);
    const fixed = await applyFix(
      doc,
      /no unet file 'qwen_image_fp8\.safetensors'/,
      "Change to 'qwen_image_fp8_e4m3fn.safetensors' (on the server)",
    );
    assert.equal(fixed, 'prompt: a fox\nsampler: dpmpp_2m_sdee\nmodels:\n  unet: qwen_image_fp8_e4m3fn.safetensors\n');
    await until('the unet error cleared', () =>
      vscode.languages.getDiagnostics(doc.uri).some((d) => /unet file/.test(d.message)) ? undefined : true,
    );
  });
});
