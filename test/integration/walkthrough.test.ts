import * as assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';

const EXTENSION_ID = 'qwenprompt.qwenprompt';

interface Step {
  id: string;
  title: string;
  description: string;
  media: { markdown?: string; image?: string | Record<string, string>; altText?: string };
  completionEvents?: string[];
}

suite('walkthrough', () => {
  // A new user's path from a server to a first run: every button a step shows and every command that
  // completes a step must be one the running extension registered, and every picture must be there.
  test('Get Started with QwenPrompt is contributed; its buttons and completion commands are registered, its media ship', async () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID);
    assert.ok(ext);
    await ext.activate();
    const walkthroughs: { id: string; title: string; steps: Step[] }[] = ext.packageJSON.contributes.walkthroughs;
    const walk = walkthroughs.find((w) => w.id === 'getStarted');
    assert.ok(walk, 'no getStarted walkthrough');
    assert.equal(walk.title, 'Get Started with QwenPrompt');
    assert.deepEqual(
      walk.steps.map((s) => s.id),
      ['server', 'spec', 'run', 'results'],
    );
    const registered = new Set(await vscode.commands.getCommands(true));
    const contributed = new Set((ext.packageJSON.contributes.commands as { command: string }[]).map((c) => c.command));
    for (const step of walk.steps) {
      const buttons = [...step.description.matchAll(/\]\(command:([\w.]+)\)/g)].map((m) => m[1]);
      assert.ok(buttons.length > 0, `step ${step.id} offers no button`);
      const onCommand = (step.completionEvents ?? []).filter((e) => e.startsWith('onCommand:')).map((e) => e.slice('onCommand:'.length));
      assert.ok((step.completionEvents ?? []).length > 0, `step ${step.id} never completes`);
      for (const id of [...buttons, ...onCommand]) {
        assert.ok(contributed.has(id), `step ${step.id}: ${id} is not in contributes.commands`);
        assert.ok(registered.has(id), `step ${step.id}: ${id} is not registered by the running extension`);
      }
      for (const e of step.completionEvents ?? []) {
        assert.match(e, /^(onCommand|onSettingChanged|onContext|onView|onLink|onEvent|extensionInstalled):./, e);
        if (e.startsWith('onSettingChanged:')) {
          const key = e.slice('onSettingChanged:'.length);
          assert.ok(key in ext.packageJSON.contributes.configuration.properties, `${key} is no setting of ours`);
        }
      }
      const files = [
        step.media.markdown,
        ...(typeof step.media.image === 'string' ? [step.media.image] : Object.values(step.media.image ?? {})),
      ];
      for (const f of files.filter((x): x is string => !!x)) {
        assert.ok(existsSync(join(ext.extensionPath, f)), `step ${step.id}: ${f} is missing`);
      }
      if (step.media.image) assert.ok(step.media.altText, `step ${step.id}: an image without altText`);
      // VS Code reads hc of a themed image unchecked: without it the workbench drops the whole walkthrough.
      if (typeof step.media.image === 'object')
        assert.ok(step.media.image.hc && step.media.image.light && step.media.image.dark, `step ${step.id}: light, dark and hc images`);
    }
    // The first step names the command that starts the test server, and package.json still has it.
    assert.match(walk.steps[0].description, /npm run comfy:test-server/);
    assert.ok(ext.packageJSON.scripts['comfy:test-server']);
  });

  test("the spec step's button, New Spec from Template, gives an untitled qwenprompt editor holding a spec", async () => {
    await vscode.commands.executeCommand('qwenprompt.newSpec');
    const editor = vscode.window.activeTextEditor;
    assert.ok(editor, 'no editor after New Spec from Template');
    assert.equal(editor.document.languageId, 'qwenprompt');
    assert.match(editor.document.getText(), /^name: /m);
    await vscode.commands.executeCommand('workbench.action.revertAndCloseActiveEditor');
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });
});
