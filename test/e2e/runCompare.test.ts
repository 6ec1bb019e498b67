// Run against run in the real workbench: a spec run, edited (cfg and a new step count), run again; the
// lens tooltips say what each lens queues; History shows a thumbnail per run; the comparison starts
// with what differs in the spec, its columns name the run and its values, and the pair the older run
// never made says why. Screenshots at 526 px and 1200 px go to test-artifacts/e2e-editor/.
import * as assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { REPO_ROOT } from '../host/codeServer';
import { openDevWorkbench, screenshots, sizeWebview, startE2eHost, waitForText, type E2eHost } from '../host/e2eSteps';
import { codeLens, openFileFromExplorer, webviewContent, type Workbench } from '../host/workbench';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e-editor');
const SPEC_FILE = 'compare.qwenprompt';
const spec = (cfg: number, steps: string) => `name: harbour study
model: sd-checkpoint
prompt: a harbour at dawn, fishing boats
seed: 5
size: 384x384
cfg: ${cfg}
steps: [${steps}]
`;

let host: E2eHost | undefined;
let bench: Workbench | undefined;

const { shot, panelShot } = screenshots(ARTIFACTS);

before(async () => {
  host = await startE2eHost(ARTIFACTS, { msPerStep: 40 }, { [SPEC_FILE]: spec(7, '6') }, { fixtures: true });
});

after(async () => {
  await host?.stop(bench);
});

/** A lens's tooltip: VS Code puts it in the lens link's title attribute (a native tooltip, not in screenshots). */
async function lensTooltip(page: Page, title: string | RegExp): Promise<string> {
  const lens = codeLens(page, title).first();
  const link = (await lens.evaluate((el) => el.tagName)) === 'A' ? lens : lens.locator('a').first();
  return (await link.getAttribute('title')) ?? '';
}

test('lens tooltips say what they queue; two runs of an edited spec compare with the spec diff on top', { timeout: 240_000 }, async () => {
  assert.ok(host);
  bench = await openDevWorkbench(host.server, host.workspace, join(ARTIFACTS, 'extension-host.log'));
  const { page } = bench;
  try {
    await openFileFromExplorer(page, SPEC_FILE);
    await codeLens(page, '▶ All').first().waitFor({ timeout: 30_000 });
    const tip = await lensTooltip(page, '▶ All');
    assert.match(tip, /Queues 1 image: steps 6 × 1 seed\./);

    await codeLens(page, '▶ All').first().click();
    const panel: FrameLocator = webviewContent(page);
    await waitForText(panel.locator('[data-testid="run-status"]'), /^Complete$/, 90_000);

    // The spec changes on disk (cfg 7 → 5, a second step count); the open editor follows it.
    writeFileSync(join(host.workspace, SPEC_FILE), spec(5, '6, 12'));
    await page.locator('.tabs-container .tab', { hasText: SPEC_FILE }).first().click();
    await codeLens(page, '▶ 12 steps').first().waitFor({ timeout: 30_000 });
    const stepTip = await lensTooltip(page, /▶ 6 steps · /);
    assert.match(
      stepTip,
      /Queues 1 image: steps 6 × 1 seed\. .* is the mean time per image at 6 steps in the last run, over its warm images/,
    );
    await shot(page, 'lenses-after-first-run');
    await codeLens(page, '▶ All').first().click();
    await waitForText(panel.locator('[data-testid="run-progress"]'), /^2 of 2 finished/, 90_000);

    await panel.locator('[data-testid="open-history"]').click();
    const entries = panel.locator('[data-testid="history"] > li');
    await entries.nth(1).waitFor({ timeout: 10_000 });
    assert.equal(await panel.locator('[data-testid="history"] img.history-thumb').count(), 2, 'a thumbnail per run');
    for (const width of [526, 1200]) {
      await sizeWebview(page, width);
      await panelShot(page, `history-${width}`);
    }
    await entries.nth(1).locator('[data-testid="history-compare"]').click();
    const diff = panel.locator('[data-testid="run-diff"] tbody tr');
    await diff.first().waitFor({ timeout: 10_000 });
    const rows = (await diff.allTextContents()).map((t) => t.trim());
    assert.deepEqual(rows, ['cfg57', 'steps6, 126'], 'the fields that differ, A (this run) then B (the older)');
    assert.match((await panel.locator('[data-testid="run-title-a"]').textContent()) ?? '', /^A · .+ · cfg 5, steps 6, 12$/);
    assert.match((await panel.locator('[data-testid="run-title-b"]').textContent()) ?? '', /^B · .+ · cfg 7, steps 6$/);
    const missing = panel.locator('[data-testid="no-image"]');
    assert.equal(await missing.count(), 1);
    assert.equal(await missing.textContent(), 'Run B has no image at this setting: its spec did not ask for it');
    for (const width of [526, 1200]) {
      await sizeWebview(page, width);
      await panel.locator('[data-testid="run-compare"]').evaluate((el) => el.scrollIntoView({ block: 'start' }));
      await panelShot(page, `run-compare-${width}`);
    }
  } catch (e) {
    await shot(page, 'failure').catch(() => undefined);
    throw e;
  }
});
