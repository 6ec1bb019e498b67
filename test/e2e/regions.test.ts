// Defect regions in the real workbench: a blind round marks a box on one image; the grid shows it over
// the image (and hides it with its toggle), compare shows it over the image side by side, the grid PNG
// export draws it, and "Redo this region" proposes it as the mask and redoes exactly there.
// Screenshots go to test-artifacts/e2e-regions/.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { REPO_ROOT } from '../host/codeServer';
import { openDevWorkbench, startE2eHost, waitForText, type E2eHost } from '../host/e2eSteps';
import { codeLens, openFileFromExplorer, webviewContent, type Workbench } from '../host/workbench';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e-regions');
const SPEC_FILE = 'regions.qwenprompt';
const SPEC = `name: harbour regions
model: sd-checkpoint
prompt: a harbour at dawn, fishing boats
seed: 42
size: 256x256
steps: [6, 12]
`;

let host: E2eHost | undefined;
let bench: Workbench | undefined;

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

function runDir(ws: string): string {
  const dir = join(ws, '.qwenprompt-runs', 'harbour-regions');
  return join(dir, readdirSync(dir).sort()[0]);
}

before(async () => {
  host = await startE2eHost(ARTIFACTS, { msPerStep: 20 }, { [SPEC_FILE]: SPEC }, { settings: { 'qwenprompt.rater': 'Ana' } });
});

after(async () => {
  await host?.stop(bench);
});

test(
  'a marked defect shows over the image in the grid (with a toggle), in compare and the grid PNG, and is the redo’s mask',
  { timeout: 240_000 },
  async () => {
    assert.ok(host);
    const ws = host.workspace;
    bench = await openDevWorkbench(host.server, ws, join(ARTIFACTS, 'extension-host.log'));
    const { page } = bench;
    try {
      await openFileFromExplorer(page, SPEC_FILE);
      const lens = codeLens(page, '▶ All').first();
      await lens.waitFor({ timeout: 30_000 });
      await lens.click();
      const panel: FrameLocator = webviewContent(page);
      await waitForText(panel.locator('[data-testid="run-status"]'), /^Complete$/, 90_000);
      await panel.locator('[data-testid="cell"][data-state="done"] img').nth(1).waitFor({ timeout: 15_000 });

      // A blind round: a box over part of the first image, named "seam" under structure.
      await panel.locator('[data-testid="start-rating"]').click();
      await panel.locator('[data-testid="rating-start"]').click();
      const progress = panel.locator('[data-testid="rating-progress"]');
      await waitForText(progress, /^Image 1 of 2/, 5_000);
      const img = panel.locator('[data-testid="rating-image"]');
      await img.evaluate((i) => (i as unknown as { decode(): Promise<void> }).decode());
      // The panel is half the window: the dialog stacks the image above the scores and may scroll it away.
      await img.scrollIntoViewIfNeeded();
      await page.waitForTimeout(200);
      const box = (await img.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 4 });
      await page.mouse.up();
      await panel.locator('[data-testid="region-word"]').fill('seam');
      await panel.locator('.rating-side').focus();
      for (const k of ['2', '3', '4', '4']) await page.keyboard.press(k);
      await page.keyboard.press('Enter');
      await waitForText(progress, /^Image 2 of 2/, 5_000);
      for (const k of ['4', '4', '4', '4']) await page.keyboard.press(k);
      await page.keyboard.press('Enter');
      await panel.locator('[data-testid="rating-revealed"]').waitFor({ timeout: 15_000 });
      await page.keyboard.press('Enter'); // Done

      const dir = runDir(ws);
      const round = JSON.parse(readFileSync(join(dir, 'ratings', readdirSync(join(dir, 'ratings'))[0]), 'utf8'));
      const marked = round.votes.find((v: { regions?: unknown[] }) => v.regions?.length);
      assert.ok(marked, 'the round keeps the region');
      const region = marked.regions[0] as { x: number; y: number; w: number; h: number; word: string };
      assert.equal(region.word, 'seam');

      // The grid: the box over the marked image only, and a toggle that hides and shows it.
      const overlays = panel.locator('[data-testid="grid"] [data-testid="region-overlay"]');
      await overlays.first().waitFor({ timeout: 10_000 });
      assert.equal(await overlays.count(), 1);
      const cell = panel.locator(`[data-testid="cell"][data-key="${marked.cell}"]`);
      assert.equal(await cell.locator('[data-testid="region-overlay"]').count(), 1, 'over the image it was drawn on');
      assert.match((await cell.locator('[data-testid="region-overlay"] title').textContent()) ?? '', /^Structure: seam \(Ana\)$/);
      const toggle = panel.locator('[data-testid="region-toggle"]');
      assert.equal((await toggle.textContent())?.trim(), '☑ Defect regions (1)');
      await cell.scrollIntoViewIfNeeded();
      await shot(page, '01-grid-region');
      await toggle.click();
      await panel.locator('[data-testid="grid"] [data-testid="region-overlay"]').first().waitFor({ state: 'hidden', timeout: 5_000 });
      assert.equal(await panel.locator('[data-testid="region-toggle"]').getAttribute('aria-pressed'), 'false');
      await shot(page, '02-grid-hidden');
      await panel.locator('[data-testid="region-toggle"]').click();
      await panel.locator('[data-testid="grid"] [data-testid="region-overlay"]').first().waitFor({ state: 'visible', timeout: 5_000 });

      // The grid PNG export draws the box (orange) on the image.
      await panel.locator('[data-testid="export-menu"]').click();
      await panel.locator('[data-testid="export-grid-run"]').click();
      const pngName = await (async () => {
        for (let i = 0; i < 100; i++) {
          const f = readdirSync(dir).find((n) => /^grid-.*\.png$/.test(n));
          if (f) return f;
          await page.waitForTimeout(100);
        }
        return undefined;
      })();
      assert.ok(pngName, 'the grid PNG is in the run folder');
      const grid = PNG.sync.read(readFileSync(join(dir, pngName)));
      let orange = 0;
      for (let i = 0; i < grid.data.length; i += 4)
        if (Math.abs(grid.data[i] - 0xe8) < 8 && Math.abs(grid.data[i + 1] - 0x91) < 8 && Math.abs(grid.data[i + 2] - 0x2d) < 8) orange++;
      assert.ok(orange > 200, `${orange} orange pixels in the exported grid`);

      // Compare, side by side: the box over the marked image.
      await panel.locator('[data-testid="pick-compare"]').click();
      const thumbs = panel.locator('[data-testid="cell"][data-state="done"] button.thumb');
      await thumbs.nth(0).click();
      await thumbs.nth(1).click();
      const compare = panel.locator('dialog[data-testid="compare"]');
      await compare.waitFor();
      assert.equal(await compare.locator('[data-testid="region-overlay"]').count(), 1);
      await page.waitForTimeout(300);
      await shot(page, '03-compare-region');
      await page.keyboard.press('Escape');
      await compare.waitFor({ state: 'hidden', timeout: 5_000 });

      // Redo this region: the marked box is the proposed mask; redone without drawing anything.
      await cell.locator('button.thumb').click();
      await panel.locator('[data-testid="redo-open"]').click();
      await waitForText(panel.locator('[data-testid="redo-status"]'), /^Proposed from the marked defect: Structure: seam \(Ana\)\./, 5_000);
      await page.waitForTimeout(300);
      await shot(page, '04-redo-proposed');
      await panel.locator('[data-testid="redo-steps"]').fill('6');
      await panel.locator('[data-testid="redo-run"]').click();
      await waitForText(panel.locator('[data-testid="redo-result-caption"]'), /^Region redone at 6 steps/, 60_000);
      const record = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
      const r = record.redos[0].region as { x: number; y: number; width: number; height: number };
      const near = (a: number, b: number) => Math.abs(a - b) <= 2;
      assert.ok(
        near(r.x, region.x * 256) && near(r.y, region.y * 256) && near(r.width, region.w * 256) && near(r.height, region.h * 256),
        `redo ${JSON.stringify(r)} vs marked ${JSON.stringify(region)}`,
      );
      assert.equal(record.redos[0].cell, marked.cell);
      await shot(page, '05-redo-done');
      await page.keyboard.press('Escape');
    } catch (e) {
      await shot(page, 'failure').catch(() => undefined);
      throw e;
    }
  },
);
