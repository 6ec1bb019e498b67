// End to end, as a user does it: a real VS Code workbench (code-server) in headless chromium, the
// extension loaded from this repository, the ComfyUI test server behind `qwenprompt.comfy.url`.
// Open a spec, click "▶ 20 steps", watch the results panel fill. A screenshot of every step goes to
// test-artifacts/e2e/ (kept by CI); the extension host's console and the server log go beside them.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { REPO_ROOT } from '../host/codeServer';
import { openDevWorkbench, startE2eHost, waitForText, type E2eHost } from '../host/e2eSteps';
import { codeLens, languageStatus, openFileFromExplorer, webviewContent, type Workbench } from '../host/workbench';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e');
const SPEC_FILE = 'portrait.qwenprompt';
const LENS_TEXT = '▶ 20 steps';
/** Slow enough that progress is visible for a few seconds, fast enough for CI: 20 steps ≈ 3 s. */
const MS_PER_STEP = 150;

let host: E2eHost | undefined;
let bench: Workbench | undefined;
let shotNo = 0;

/** The bits of an <img> read in the page (the DOM lib is not part of the node-side build). */
interface PageImage {
  complete: boolean;
  naturalWidth: number;
  addEventListener(type: 'load' | 'error', fn: () => void, opts: { once: boolean }): void;
}

async function shot(page: Page, name: string): Promise<void> {
  shotNo += 1;
  await page.screenshot({ path: join(ARTIFACTS, `${String(shotNo).padStart(2, '0')}-${name}.png`) });
}

before(async () => {
  host = await startE2eHost(ARTIFACTS, { msPerStep: MS_PER_STEP }, {}, { fixtures: true });
});

after(async () => {
  await host?.stop(bench);
});

test('run a spec at 20 steps from its CodeLens and see the image with its time', { timeout: 180_000 }, async () => {
  assert.ok(host);
  const { comfy } = host;
  bench = await openDevWorkbench(host.server, host.workspace, join(ARTIFACTS, 'extension-host.log'));
  const { page } = bench;
  try {
    await shot(page, 'workbench');

    await openFileFromExplorer(page, SPEC_FILE);
    await waitForText(languageStatus(page), /QwenPrompt/i, 15_000);
    await shot(page, 'spec-open');

    const lens = codeLens(page, LENS_TEXT).first();
    await lens.waitFor({ timeout: 30_000 });
    await shot(page, 'codelens');
    await lens.click();

    const panel: FrameLocator = webviewContent(page);
    const cell = panel.locator('[data-testid="cell"]').first();
    await cell.waitFor({ timeout: 30_000 });
    await panel.locator('[data-testid="progress"]').first().waitFor({ timeout: 30_000 });
    await shot(page, 'progress');

    const done = panel.locator('[data-testid="cell"][data-state="done"]').first();
    const image = done.locator('img[data-testid="cell-image"]');
    await image.waitFor({ timeout: 60_000 });
    // The image must really have loaded through the webview, not just be an <img> tag. The cell may swap
    // the full image for its grid thumbnail once that is written, so poll whichever <img> is current.
    const deadline = Date.now() + 30_000;
    let loaded = false;
    while (!loaded && Date.now() < deadline) {
      loaded = await image
        .evaluate((img: PageImage) => img.complete && img.naturalWidth > 0, undefined, { timeout: 2_000 })
        .catch(() => false);
      if (!loaded) await new Promise((ok) => setTimeout(ok, 200));
    }
    assert.ok(loaded, 'the result image did not load in the panel');
    const time = await waitForText(done.locator('[data-testid="cell-time"]'), /\d/, 10_000);
    // 20 steps at MS_PER_STEP each: a time shown below that was not measured from the server.
    const m = /(\d+(?:\.\d+)?)\s*(ms|s)\b/.exec(time);
    const shownMs = m ? Number(m[1]) * (m[2] === 's' ? 1000 : 1) : NaN;
    assert.ok(shownMs >= 20 * MS_PER_STEP, `cell time ${JSON.stringify(time)} is below 20 × ${MS_PER_STEP} ms`);
    await shot(page, 'done');
    // Once the run is over the row offers runs again, now with the measured time beside the steps.
    await codeLens(page, /▶ 20 steps · \d/)
      .first()
      .waitFor({ timeout: 15_000 });
    await shot(page, 'codelens-after-run');
    assert.ok(
      comfy.requests.some((r) => r.method === 'POST' && r.path === '/prompt'),
      'no prompt reached ComfyUI',
    );
  } catch (e) {
    await shot(page, 'failure').catch(() => undefined);
    throw e;
  }
});
