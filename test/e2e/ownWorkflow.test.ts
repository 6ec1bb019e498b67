// End to end: a spec on the user's own ComfyUI workflow, the official Qwen-Image-2512 template as
// ComfyUI saves it (a subgraph whose KSampler takes steps and cfg from switch nodes driven by a turbo
// toggle). Open the spec in the workbench, click "▶ All", and the results panel fills; every prompt
// the test server got has the spec's steps on the primitive its switch selects. Screenshots go to
// test-artifacts/e2e-own-workflow/.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../host/codeServer';
import { openDevWorkbench, startE2eHost, type E2eHost } from '../host/e2eSteps';
import { codeLens, languageStatus, openFileFromExplorer, webviewContent, type Workbench } from '../host/workbench';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e-own-workflow');
const SPEC_FILE = 'alley.qwenprompt';
const WORKFLOW = 'test/fixtures/workflows/image_qwen_Image_2512.json';
const SPEC = `name: alley at dusk
workflow: ./image_qwen_Image_2512.json
prompt: a narrow alley at dusk, wet cobblestones, neon signs
seed: 77
size: 256x256
cfg: 3.5
steps: [3, 6]
inputs:
  Enable 4 Steps LoRA?.value: false
`;

let host: E2eHost | undefined;
let bench: Workbench | undefined;

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

before(async () => {
  const workflow = readFileSync(join(REPO_ROOT, WORKFLOW), 'utf8');
  host = await startE2eHost(ARTIFACTS, { msPerStep: 40 }, { [SPEC_FILE]: SPEC, 'image_qwen_Image_2512.json': workflow });
});

after(async () => {
  await host?.stop(bench);
});

test('a spec on the official Qwen-Image-2512 workflow runs from its lens, steps set through the switch', { timeout: 240_000 }, async () => {
  assert.ok(host);
  const { comfy } = host;
  bench = await openDevWorkbench(host.server, host.workspace, join(ARTIFACTS, 'extension-host.log'));
  const { page } = bench;
  try {
    await openFileFromExplorer(page, SPEC_FILE);
    await languageStatus(page).first().waitFor({ timeout: 15_000 });
    const lens = codeLens(page, '▶ All').first();
    await lens.waitFor({ timeout: 30_000 });
    await shot(page, '01-spec');
    await lens.click();

    const panel = webviewContent(page);
    const done = panel.locator('[data-testid="cell"][data-state="done"]');
    await done.nth(1).waitFor({ timeout: 150_000 });
    assert.equal(await done.count(), 2, 'one image per step count');
    await done.first().locator('img[data-testid="cell-image"]').waitFor({ timeout: 30_000 });
    await shot(page, '02-results');

    const posted = comfy.requests
      .filter((r) => r.method === 'POST' && r.path === '/prompt')
      .map((r) => (r.body as { prompt: Record<string, { inputs: Record<string, unknown> }> }).prompt);
    assert.equal(posted.length, 2);
    assert.deepEqual(
      posted.map((g) => g['197:192'].inputs.value).sort(),
      [3, 6],
      'steps went to the "Steps" primitive that the turbo-off switch selects',
    );
    for (const g of posted) {
      assert.deepEqual(g['197:194'].inputs.steps, ['197:193', 0], 'the KSampler still takes steps from its switch');
      assert.equal(g['197:183'].inputs.value, 3.5);
      assert.equal(g['197:194'].inputs.seed, 77);
      assert.deepEqual([g['197:179'].inputs.width, g['197:179'].inputs.height], [256, 256]);
      assert.equal(g['197:180'].inputs.text, 'a narrow alley at dusk, wet cobblestones, neon signs');
    }
  } catch (e) {
    await shot(page, 'failure').catch(() => undefined);
    throw e;
  }
});
