// A new user's first run, in the real workbench: the Get Started walkthrough opens from the palette, its first
// button picks a server (one of a two-server pool of ComfyUI test servers), the spec's ▶ All lens runs it
// over both servers, and the results panel is shot at ≈526 px and 1200 px, light and dark, in each view a
// user opens first: grid, summary, single image, compare, history (test-artifacts/e2e-sweep/, via
// shotSweep). The walkthrough's own step shots go to test-artifacts/e2e-tour/.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { startFakeComfy, type FakeComfy } from '../fakes/comfyServer';
import { REPO_ROOT } from '../host/codeServer';
import { openDevWorkbench, sizeWebview, startE2eHost, waitForText, type E2eHost } from '../host/e2eSteps';
import { pickRow, runCommand, setTheme, shotSweep, themeOf } from '../host/shotSweep';
import { codeLens, openFileFromExplorer, webviewContent, type Workbench } from '../host/workbench';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e-tour');
const SPEC_FILE = 'tour.qwenprompt';
/** Six images (three step counts × two seeds) over two servers: about ten seconds at 50 ms a step. */
const SPEC = `# The walkthrough's first run.
name: bamboo portrait
model: qwen-image-2512
prompt: >
  A photorealistic portrait of a young woman in a light blue linen shirt,
  in front of a sunlit bamboo forest, soft focus background
negative: blurry, low quality, watermark
seed: 123456789
size: 512x512
sampler: dpmpp_2m
scheduler: karras
cfg: 7.0
steps: [20, 40, 60]
repeats: 2
`;
const WALKTHROUGH = 'Get Started with QwenPrompt';

let host: E2eHost | undefined;
let second: FakeComfy | undefined;
let bench: Workbench | undefined;

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

/** The tick VS Code draws on a walkthrough step once one of its completion events happened. */
const checked = (page: Page, step: string) =>
  page.locator('.getting-started-step', { hasText: step }).locator('.codicon-getting-started-step-checked').first();

/** Opens our walkthrough as a user does: the palette's Welcome: Open Walkthrough…, then its title. */
async function openWalkthrough(page: Page): Promise<void> {
  await runCommand(page, 'Welcome: Open Walkthrough...');
  await page.locator('.quick-input-widget input.input').fill(WALKTHROUGH);
  await pickRow(page, WALKTHROUGH);
  await page.locator('.gettingStartedContainer .getting-started-step').first().waitFor({ timeout: 15_000 });
}

/** The panel at ≈526 px once the run's first image is in and others still run. */
async function runningShot(page: Page, kind: 'light' | 'dark'): Promise<void> {
  const panel = webviewContent(page);
  await panel.locator('[data-testid="cell"][data-state="done"]').first().waitFor({ timeout: 60_000 });
  await sizeWebview(page, 526);
  await setTheme(page, kind, panel);
  await page
    .locator('iframe.webview.ready')
    .first()
    .screenshot({ path: join(ARTIFACTS, `run-${kind}.png`) });
}

before(async () => {
  second = await startFakeComfy({ msPerStep: 50, gpu: 'NVIDIA L40S' });
  host = await startE2eHost(
    ARTIFACTS,
    { msPerStep: 50 },
    { [SPEC_FILE]: SPEC },
    {
      settings: {
        'qwenprompt.comfy.pool': 'lab',
        'workbench.colorTheme': 'Default Light Modern',
      },
    },
  );
  // The pool's servers go in once both ports are known; the URL setting is the first of them.
  const settings = join(host.server.runDir, 'udd', 'User', 'settings.json');
  const s = JSON.parse(readFileSync(settings, 'utf8'));
  s['qwenprompt.comfy.servers'] = [
    { url: host.comfy.url, name: 'gpu-a', pools: ['lab'] },
    { url: second.url, name: 'gpu-b', pools: ['lab'] },
  ];
  writeFileSync(settings, JSON.stringify(s, null, 2));
});

after(async () => {
  await host?.stop(bench);
  await second?.close();
});

test(
  'a new user: the walkthrough picks a server, ▶ All runs the spec over a two-server pool, every view of the panel is shot at 526 and 1200 px, light and dark',
  { timeout: 420_000 },
  async () => {
    assert.ok(host && second);
    bench = await openDevWorkbench(host.server, host.workspace, join(ARTIFACTS, 'extension-host.log'));
    const { page } = bench;
    try {
      assert.equal(await themeOf(page), 'light', 'the settings start the workbench light');

      // The walkthrough: listed by the palette's Open Walkthrough, its four steps shown.
      await openWalkthrough(page);
      const walk = page.locator('.gettingStartedContainer');
      await walk
        .locator('.getting-started-category', { hasText: WALKTHROUGH })
        .first()
        .waitFor({ timeout: 15_000 })
        .catch(() => undefined);
      for (const title of ['Point at your ComfyUI, or start the test server', 'Open a spec', 'Run it from its lens', 'Read the results']) {
        await walk.locator('.getting-started-step', { hasText: title }).first().waitFor({ timeout: 15_000 });
      }
      await waitForText(walk.locator('.getting-started-step.expanded'), /npm run comfy:test-server/, 10_000);
      await page.waitForTimeout(500);
      await shot(page, '01-walkthrough');

      // Its first button: Select ComfyUI Server, which checks the picked server and completes the step.
      const serverStep = walk.locator('.getting-started-step', { hasText: 'Point at your ComfyUI' }).first();
      await serverStep.getByRole('button', { name: 'Select ComfyUI Server' }).click();
      await page.locator('.quick-input-list .monaco-list-row', { hasText: 'gpu-b' }).first().click();
      await page
        .locator('.notifications-toasts', { hasText: /ComfyUI .* answers at/ })
        .first()
        .waitFor({ timeout: 15_000 });
      await checked(page, 'Point at your ComfyUI').waitFor({ timeout: 10_000 });
      await shot(page, '02-walkthrough-server-picked');

      // Open the spec: the walkthrough's second step completes on its own.
      await openFileFromExplorer(page, SPEC_FILE);
      const lens = codeLens(page, '▶ All').first();
      await lens.waitFor({ timeout: 30_000 });
      for (const kind of ['light', 'dark'] as const) {
        await setTheme(page, kind);
        await page.waitForTimeout(300);
        await page
          .locator('.part.editor .editor-group-container.active')
          .first()
          .screenshot({ path: join(ARTIFACTS, `spec-${kind}.png`) });
      }
      await setTheme(page, 'light');
      await lens.click();

      const panel = webviewContent(page);
      // The walkthrough's picture of a run going on: light now, dark during the second run.
      await runningShot(page, 'light');
      await page.setViewportSize({ width: 1400, height: 900 });
      await waitForText(panel.locator('[data-testid="run-status"]'), /^Complete$/, 120_000);
      await panel.locator('[data-testid="cell"][data-state="done"] img').nth(5).waitFor({ timeout: 15_000 });

      // Both servers of the pool made images, and the panel says which.
      const servers = panel.locator('[data-testid="servers"] tbody tr');
      await servers.nth(1).waitFor({ timeout: 10_000 });
      assert.equal(await servers.count(), 2);
      const rows = (await servers.allTextContents()).join(' | ');
      assert.match(rows, /gpu-a/);
      assert.match(rows, /gpu-b/);
      assert.ok(
        host.comfy.requests.some((r) => r.method === 'POST' && r.path === '/prompt'),
        'gpu-a got no prompt',
      );
      assert.ok(
        second.requests.some((r) => r.method === 'POST' && r.path === '/prompt'),
        'gpu-b got no prompt',
      );

      await shotSweep(page, 'grid');
      await shotSweep(page, 'summary', { scrollTo: (p) => p.locator('[data-testid="summary"]') });
      await shotSweep(page, 'servers', { scrollTo: (p) => p.locator('[data-testid="servers"]') });
      for (const kind of ['light', 'dark'] as const) {
        await sizeWebview(page, 526);
        await setTheme(page, kind, panel);
        await panel.locator('[data-testid="summary"]').first().scrollIntoViewIfNeeded();
        await page
          .locator('iframe.webview.ready')
          .first()
          .screenshot({ path: join(ARTIFACTS, `results-${kind}.png`) });
      }
      await page.setViewportSize({ width: 1400, height: 900 });
      await setTheme(page, 'light', panel);

      // The single-image view.
      await panel.locator('[data-testid="cell"][data-state="done"] button.thumb').nth(2).click();
      const lightbox = panel.locator('dialog.lightbox[open]');
      await lightbox.waitFor();
      await waitForText(lightbox.locator('h2.label'), /^60 steps · .* · seed 123456789$/, 5_000);
      await shotSweep(page, 'single-image');
      await page.keyboard.press('Escape');
      await lightbox.waitFor({ state: 'hidden' });

      // Compare two images side by side.
      await panel.locator('[data-testid="pick-compare"]').click();
      const thumbs = panel.locator('[data-testid="cell"][data-state="done"] button.thumb');
      await thumbs.nth(0).click();
      await thumbs.nth(2).click();
      await panel.locator('dialog[data-testid="compare"]').waitFor();
      await waitForText(panel.locator('[data-testid="compare-label-b"]'), /60 steps/, 5_000);
      await shotSweep(page, 'compare');
      await page.keyboard.press('Escape');

      // A second run of the spec, so History lists two.
      await page.locator('.tabs-container .tab', { hasText: SPEC_FILE }).first().click();
      await setTheme(page, 'dark');
      await codeLens(page, '▶ All').first().click();
      // The spec's panel is reused by its next run.
      await waitForText(panel.locator('[data-testid="run-status"]'), /^Running$/, 30_000);
      await runningShot(page, 'dark');
      await page.setViewportSize({ width: 1400, height: 900 });
      await setTheme(page, 'light', panel);
      await waitForText(panel.locator('[data-testid="run-status"]'), /^Complete$/, 120_000);
      await panel.locator('[data-testid="open-history"]').click();
      await panel.locator('[data-testid="history"] > li').nth(1).waitFor({ timeout: 10_000 });
      await shotSweep(page, 'history', { scrollTo: (p) => p.locator('[data-testid="history"]') });

      // Back in the walkthrough: opening the spec and running it ticked their steps.
      await openWalkthrough(page);
      await checked(page, 'Open a spec').waitFor({ timeout: 10_000 });
      await checked(page, 'Run it from its lens').waitFor({ timeout: 10_000 });
      await shot(page, '03-walkthrough-after-run');
    } catch (e) {
      await shot(page, 'failure').catch(() => undefined);
      throw e;
    }
  },
);
