// Judging in the real workbench: run a small spec against the ComfyUI test server, rate its images
// blind with the keyboard only, compare two of them (side by side, then the per-pixel difference),
// export the labelled grid; the round must be saved as its rater's own file under ratings/ afterwards. Screenshots of every step go to
// test-artifacts/e2e-judging/.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { REPO_ROOT } from '../host/codeServer';
import { openDevWorkbench, startE2eHost, waitForText, type E2eHost } from '../host/e2eSteps';
import { codeLens, openFileFromExplorer, webviewContent, type Workbench } from '../host/workbench';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e-judging');
const SPEC_FILE = 'judging.qwenprompt';
/** Four images (2 step counts × 2 seeds) of a small size: the run takes a few seconds. */
const SPEC = `# Rated blind by the e2e test.
name: lighthouse study
model: sd-checkpoint
prompt: a lighthouse at dusk, long exposure
seed: 42
size: 384x384
steps: [6, 12]
repeats: 2
`;
const SCORES = ['4', '3', '5', '2'];

let host: E2eHost | undefined;
let bench: Workbench | undefined;
let shotNo = 0;

async function shot(page: Page, name: string): Promise<void> {
  shotNo += 1;
  await page.screenshot({ path: join(ARTIFACTS, `${String(shotNo).padStart(2, '0')}-${name}.png`) });
}

/** The first run folder of the spec in the workspace (folder names are UTC times, so they sort). */
function runDir(ws: string): string {
  const specDir = join(ws, '.qwenprompt-runs', 'lighthouse-study');
  const runs = readdirSync(specDir).sort();
  assert.ok(runs.length > 0, 'no run folder');
  return join(specDir, runs[0]);
}

before(async () => {
  host = await startE2eHost(ARTIFACTS, { msPerStep: 40 }, { [SPEC_FILE]: SPEC }, { fixtures: true });
});

after(async () => {
  await host?.stop(bench);
});

test(
  'rate a run blind with the keyboard, compare two images, export the grid, compare with a second run; the round is saved under ratings/ by its rater',
  { timeout: 200_000 },
  async () => {
    assert.ok(host);
    const { server } = host;
    const ws = host.workspace;
    bench = await openDevWorkbench(server, ws, join(ARTIFACTS, 'extension-host.log'));
    const { page } = bench;
    try {
      await openFileFromExplorer(page, SPEC_FILE);
      const lens = codeLens(page, '▶ All').first();
      await lens.waitFor({ timeout: 30_000 });
      await lens.click();

      const panel: FrameLocator = webviewContent(page);
      await waitForText(panel.locator('[data-testid="run-status"]'), /^Complete$/, 90_000);
      await panel.locator('[data-testid="cell"][data-state="done"] img').nth(3).waitFor({ timeout: 15_000 });
      await shot(page, 'run-complete');

      // Blind round: no label anywhere, every choice from the keyboard.
      await panel.locator('[data-testid="start-rating"]').click();
      await panel.locator('[data-testid="rating-start"]').waitFor();
      await shot(page, 'rating-start');
      await page.keyboard.press('Enter');
      const dialog = panel.locator('dialog[data-testid="rating"]');
      await panel.locator('[data-testid="rating-image"]').waitFor();
      const seenImages: string[] = [];
      for (let i = 0; i < 4; i++) {
        await waitForText(panel.locator('[data-testid="rating-progress"]'), new RegExp(`^Image ${i + 1} of 4`), 5_000);
        seenImages.push((await panel.locator('[data-testid="rating-image"]').getAttribute('src')) ?? '');
        const text = (await dialog.textContent()) ?? '';
        assert.doesNotMatch(text, /\d+ steps|seed \d/, 'the blind round shows a setting');
        for (const k of SCORES) await page.keyboard.press(k);
        if (i === 0) {
          await page.keyboard.press('n');
          await page.keyboard.type('horizon is tilted');
          await shot(page, 'rating-image');
          await page.keyboard.press('Enter');
        } else {
          await page.keyboard.press('Enter');
        }
      }
      assert.equal(new Set(seenImages).size, 4, 'every image was shown once');
      await panel.locator('[data-testid="rating-revealed"]').waitFor({ timeout: 15_000 });
      await panel.locator('[data-testid="quality-chart"]').first().waitFor();
      await shot(page, 'rating-revealed');

      // The round is its own file under ratings/ (run.json keeps no votes), named by its rater.
      const record = JSON.parse(readFileSync(join(runDir(ws), 'run.json'), 'utf8'));
      assert.equal(record.ratings, undefined, 'run.json holds no votes');
      const rounds = readdirSync(join(runDir(ws), 'ratings'));
      assert.equal(rounds.length, 1);
      const round = JSON.parse(readFileSync(join(runDir(ws), 'ratings', rounds[0]), 'utf8'));
      assert.ok(round.rater, 'the round names its rater');
      assert.ok(rounds[0].startsWith(`${round.rater.toLowerCase().replace(/[^a-z0-9]+/g, '-')}-`), rounds[0]);
      assert.equal(round.run, record.id);
      assert.equal(round.blind, true);
      assert.equal(round.votes.length, 4);
      for (const r of round.votes) {
        assert.deepEqual(r.scores, { structure: 4, texture: 3, colour: 5, adherence: 2 });
        assert.ok(record.cells.some((c: { key: string; images: { file: string }[] }) => c.key === r.cell && c.images[0].file === r.image));
      }
      assert.equal(round.votes.filter((r: { note?: string }) => r.note === 'horizon is tilted').length, 1);

      await page.keyboard.press('Enter'); // "Done" has focus
      await panel.locator('.quality-section [data-testid="quality-table"]').waitFor();
      await waitForText(
        panel.locator('.quality-section [data-testid="quality-table"] tbody tr').first(),
        /4\.00.*3\.00.*5\.00.*2\.00.*3\.50/,
        5_000,
      );
      await panel.locator('.quality-section').scrollIntoViewIfNeeded();
      await shot(page, 'ratings-in-summary');

      // Compare: pick two images in the grid.
      await panel.locator('[data-testid="pick-compare"]').click();
      const thumbs = panel.locator('[data-testid="cell"][data-state="done"] button.thumb');
      await thumbs.nth(0).click();
      await thumbs.nth(1).click();
      const compare = panel.locator('dialog[data-testid="compare"]');
      await compare.waitFor();
      await waitForText(panel.locator('[data-testid="compare-label-a"]'), /6 steps/, 5_000);
      await waitForText(panel.locator('[data-testid="compare-label-b"]'), /12 steps/, 5_000);
      await page.waitForTimeout(300);
      await shot(page, 'compare-side-by-side');
      // One zoom for both: the wheel over A magnifies B by the same amount at the same place.
      await panel.locator('.compare-stage .viewport').first().hover();
      for (let i = 0; i < 3; i++) await page.mouse.wheel(0, -200);
      const transforms = await panel
        .locator('.compare-stage img.layer')
        .evaluateAll((els) => els.map((e) => (e as unknown as { style: { transform: string } }).style.transform));
      assert.equal(transforms.length, 2);
      assert.match(transforms[0], /scale\((?!1\))[\d.]+\)/, `zoomed: ${transforms[0]}`);
      assert.equal(transforms[1], transforms[0], 'both images zoomed and panned alike');
      await shot(page, 'compare-zoomed');
      await page.keyboard.press('2');
      await page.waitForTimeout(200);
      await shot(page, 'compare-swipe');
      await page.keyboard.press('4');
      // The difference is computed from the pixels: proof the images reached a canvas untainted.
      const diff = await waitForText(panel.locator('[data-testid="compare-status"]'), /% of pixels differ|No difference/, 15_000);
      assert.match(diff, /^\d+(\.\d)? % of pixels differ/);
      await shot(page, 'compare-difference');
      await page.keyboard.press('Escape');

      // Export the labelled grid into the run folder (no dialog), drawn on a canvas in the webview.
      await panel.locator('[data-testid="export-menu"]').click();
      await panel.locator('[data-testid="export-grid-run"]').click();
      const deadline = Date.now() + 20_000;
      let grid: string | undefined;
      while (!grid && Date.now() < deadline) {
        grid = readdirSync(runDir(ws)).find((f) => f.startsWith('grid-') && f.endsWith('.png'));
        if (!grid) await new Promise((ok) => setTimeout(ok, 200));
      }
      assert.ok(grid, 'the grid PNG was not saved into the run folder');
      const png = readFileSync(join(runDir(ws), grid));
      assert.equal(png.subarray(1, 4).toString('latin1'), 'PNG');
      // Wider than two 320-px tiles side by side: the tiles, headers and legend are in it.
      assert.ok(png.readUInt32BE(16) > 640 && png.readUInt32BE(20) > 640, `grid is ${png.readUInt32BE(16)}×${png.readUInt32BE(20)}`);
      writeFileSync(join(ARTIFACTS, 'judging-grid-export.png'), png);
      await shot(page, 'exported');

      // A second run of the same spec; its history lists both, and the first is compared beside it.
      const first = runDir(ws);
      // The spec's panel is not pinned: the second run takes it over (still one results tab).
      await page.locator('.tabs-container .tab', { hasText: SPEC_FILE }).first().click();
      await codeLens(page, '▶ All').first().click();
      const secondDeadline = Date.now() + 30_000;
      while (readdirSync(join(first, '..')).length < 2) {
        assert.ok(Date.now() < secondDeadline, 'the second run made no folder');
        await new Promise((ok) => setTimeout(ok, 200));
      }
      const second = join(first, '..', readdirSync(join(first, '..')).sort()[1]);
      await panel.locator(`.run-header [title="${second}"]`).first().waitFor({ timeout: 30_000 });
      await waitForText(panel.locator('[data-testid="run-status"]'), /^Complete$/, 90_000);
      assert.equal(await page.locator('.tabs-container .tab', { hasText: 'lighthouse study' }).count(), 1, 'one results tab');
      await waitForText(panel.locator('[data-testid="run-progress"]'), /^4 of 4 finished/, 10_000);
      await panel.locator('[data-testid="open-history"]').click();
      const entries = panel.locator('[data-testid="history"] > li');
      await entries.nth(1).waitFor({ timeout: 10_000 });
      assert.equal(await entries.count(), 2);
      assert.equal(await entries.nth(1).getAttribute('data-run'), first, 'the older run is listed second');
      await shot(page, 'history');
      await entries.nth(1).locator('[data-testid="history-compare"]').click();
      const table = panel.locator('[data-testid="run-compare-table"] tbody tr');
      await table.nth(1).waitFor({ timeout: 10_000 });
      assert.match((await table.first().textContent()) ?? '', /^6 steps.*\d.*\d.*%$/);
      await panel.locator('[data-testid="run-compare"]').scrollIntoViewIfNeeded();
      await shot(page, 'two-runs');
      await panel.locator('[data-testid="pair-compare"]').first().click();
      await waitForText(panel.locator('[data-testid="compare-label-a"]'), /^A · 6 steps/, 5_000);
      await waitForText(panel.locator('[data-testid="compare-label-b"]'), /^B · 6 steps/, 5_000);
      await page.keyboard.press('3');
      await page.waitForTimeout(300);
      await shot(page, 'two-runs-blink');
      await page.keyboard.press('Escape');
    } catch (e) {
      await shot(page, 'failure').catch(() => undefined);
      throw e;
    }
  },
);
