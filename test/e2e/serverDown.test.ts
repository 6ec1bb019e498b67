// End to end: the ComfyUI test server dies while the results panel follows a run. Within seconds the
// panel says the server is unreachable, with Retry and Select Server; when the server is back the
// banner goes and the run ends as before (the crashed server forgot the prompt: the image is lost, and
// Resume offers to make it again). Screenshots go to test-artifacts/e2e-server-down/.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../host/codeServer';
import { openDevWorkbench, startE2eHost, waitForText, type E2eHost } from '../host/e2eSteps';
import { codeLens, languageStatus, openFileFromExplorer, webviewContent, type Workbench } from '../host/workbench';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e-server-down');
const SPEC_FILE = 'portrait.qwenprompt';
/** 20 steps ≈ 8 s: the server is killed while the first one samples. */
const MS_PER_STEP = 400;

let host: E2eHost | undefined;
let bench: Workbench | undefined;

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

before(async () => {
  host = await startE2eHost(ARTIFACTS, { msPerStep: MS_PER_STEP }, {}, { fixtures: true });
});

after(async () => {
  await host?.stop(bench);
});

test(
  'the server dies mid-run: the panel says it is unreachable with Retry and Select Server, then recovers when it is back',
  { timeout: 180_000 },
  async () => {
    assert.ok(host);
    const { comfy } = host;
    bench = await openDevWorkbench(host.server, host.workspace, join(ARTIFACTS, 'extension-host.log'));
    const { page } = bench;
    try {
      await openFileFromExplorer(page, SPEC_FILE);
      await languageStatus(page).first().waitFor({ timeout: 15_000 });
      const lens = codeLens(page, '▶ 20 steps').first();
      await lens.waitFor({ timeout: 30_000 });
      await lens.click();

      const panel = webviewContent(page);
      await panel.locator('[data-testid="progress"]').first().waitFor({ timeout: 30_000 });
      await comfy.kill();
      const killedAt = Date.now();

      const banner = panel.locator('[data-testid="server-banner"]');
      await banner.waitFor({ state: 'visible', timeout: 20_000 });
      const waitedMs = Date.now() - killedAt;
      const text = await waitForText(panel.locator('[data-testid="server-text"]'), /Server unreachable at/, 5_000);
      assert.ok(text.includes(comfy.url), `the banner names the server: ${JSON.stringify(text)}`);
      assert.equal(await panel.locator('[data-testid="run-status"]').textContent(), 'Waiting for server');
      assert.equal(await banner.locator('[data-testid="server-retry"]').textContent(), 'Retry');
      assert.equal(await banner.locator('[data-testid="server-select"]').textContent(), 'Select Server');
      await shot(page, 'server-unreachable');

      // Retry while the server is still down: the panel says why it did not help.
      await banner.locator('[data-testid="server-retry"]').click();
      await waitForText(panel.locator('.notice[data-kind="error"]'), /\S/, 15_000);
      await shot(page, 'retry-still-down');

      // Select Server opens the server picker.
      await banner.locator('[data-testid="server-select"]').click();
      const picker = page.locator('.quick-input-widget');
      await picker.waitFor({ state: 'visible', timeout: 10_000 });
      await shot(page, 'select-server');
      await page.keyboard.press('Escape');
      await picker.waitFor({ state: 'hidden', timeout: 10_000 });

      await comfy.revive();
      await banner.waitFor({ state: 'hidden', timeout: 30_000 });
      // The revived server forgot the prompt: the image is lost, as before, and Resume offers it again.
      await waitForText(panel.locator('[data-testid="run-status"]'), /Failed|Partly done/, 30_000);
      await panel.locator('[data-testid="resume"]').waitFor({ timeout: 15_000 });
      await shot(page, 'back-online');
      console.log(`banner shown ${waitedMs} ms after the kill`);
    } catch (e) {
      await shot(page, 'failure').catch(() => undefined);
      throw e;
    }
  },
);
