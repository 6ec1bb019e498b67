// Outside raters: rate a run blind in the panel, write its rate pack from the Export menu, rate the
// pack in Chromium opened straight from disk (no VS Code, no server; every request it makes is
// watched), import the downloaded file through the panel's Import Ratings, and see two raters and
// their agreement. Screenshots go to test-artifacts/e2e-rate-pack/.
import * as assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, test } from 'node:test';
import { chromium, type FrameLocator, type Page } from 'playwright-core';
import { REPO_ROOT } from '../host/codeServer';
import { openDevWorkbench, startE2eHost, waitForText, type E2eHost } from '../host/e2eSteps';
import { CHROMIUM_ARGS, CHROMIUM_PATH, codeLens, openFileFromExplorer, webviewContent, type Workbench } from '../host/workbench';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e-rate-pack');
const SPEC_FILE = 'pack.qwenprompt';
const SPEC = `name: harbour study
model: sd-checkpoint
prompt: a harbour at dawn, fishing boats
seed: 7
size: 320x320
steps: [6, 12]
repeats: 2
`;

let host: E2eHost | undefined;
let bench: Workbench | undefined;
let shotNo = 0;

async function shot(page: Page, name: string): Promise<void> {
  shotNo += 1;
  await page.screenshot({ path: join(ARTIFACTS, `${String(shotNo).padStart(2, '0')}-${name}.png`) });
}

function runDir(ws: string): string {
  const specDir = join(ws, '.qwenprompt-runs', 'harbour-study');
  return join(specDir, readdirSync(specDir).sort()[0]);
}

async function waitForFile(dir: string, test: (f: string) => boolean, ms: number): Promise<string> {
  const deadline = Date.now() + ms;
  for (;;) {
    const f = readdirSync(dir).find(test);
    if (f) return join(dir, f);
    if (Date.now() > deadline) throw new Error(`no such file in ${dir}`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

/** Scores every image of an open blind round with the keys, one score list per image in turn. */
async function rateAll(page: Page, progress: ReturnType<Page['locator']>, scores: (i: number) => string[], n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    await waitForText(progress, new RegExp(`^Image ${i + 1} of ${n}`), 5_000);
    for (const k of scores(i)) await page.keyboard.press(k);
    await page.keyboard.press('Enter');
  }
}

before(async () => {
  host = await startE2eHost(ARTIFACTS, { msPerStep: 30 }, { [SPEC_FILE]: SPEC }, { settings: { 'qwenprompt.rater': 'Panel Rater' } });
});

after(async () => {
  await host?.stop(bench);
});

test(
  'a rate pack rated in a plain browser comes back through Import Ratings: two raters and their agreement',
  { timeout: 220_000 },
  async () => {
    assert.ok(host);
    const ws = host.workspace;
    bench = await openDevWorkbench(host.server, ws, join(ARTIFACTS, 'extension-host.log'));
    const { page } = bench;
    try {
      await openFileFromExplorer(page, SPEC_FILE);
      await codeLens(page, '▶ All').first().click();
      const panel: FrameLocator = webviewContent(page);
      await waitForText(panel.locator('[data-testid="run-status"]'), /^Complete$/, 90_000);

      // The panel's own blind round, saved as Panel Rater.
      await panel.locator('[data-testid="start-rating"]').click();
      await panel.locator('[data-testid="rating-start"]').click();
      await rateAll(page, panel.locator('[data-testid="rating-progress"]'), () => ['4', '4', '4', '4'], 4);
      await panel.locator('[data-testid="rating-revealed"]').waitFor({ timeout: 15_000 });
      await page.keyboard.press('Enter');

      // The rate pack, written into the run folder from the Export menu.
      await panel.locator('[data-testid="export-menu"]').click();
      await panel.locator('[data-testid="export-rate-pack"]').click();
      const pack = await waitForFile(runDir(ws), (f) => f.startsWith('rate-') && f.endsWith('.html'), 30_000);
      await shot(page, 'panel-rated');

      // Outside VS Code: the page from disk in its own browser, every request it makes recorded.
      const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true });
      try {
        const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1200, height: 850 } });
        const outside = await context.newPage();
        const requests: string[] = [];
        const problems: string[] = [];
        outside.on('request', (r) => requests.push(r.url()));
        outside.on('console', (m) => {
          if (m.type() === 'error') problems.push(m.text());
        });
        outside.on('pageerror', (e) => problems.push(e.message));
        await outside.goto(pathToFileURL(pack).href);
        await outside.locator('[data-testid="pack-rater"]').fill('Outside Rater');
        await outside.screenshot({ path: join(ARTIFACTS, 'pack-start.png') });
        await outside.locator('[data-testid="pack-start"]').click();
        await outside.locator('[data-testid="rating-start"]').click();
        const progress = outside.locator('[data-testid="rating-progress"]');
        await waitForText(progress, /^Image 1 of 4/, 5_000);
        const text = (await outside.locator('dialog[data-testid="rating"]').textContent()) ?? '';
        assert.doesNotMatch(text, /\d+ steps|seed \d/, 'the pack shows a setting while rating');
        // The first image gets an unrequested element, typed as a tag.
        await outside.locator('[data-testid="rating-unrequested"]').fill('pendant, extra flower');
        // A defect region: a box dragged over the image, then its word.
        const box = (await outside.locator('[data-testid="rating-image"]').boundingBox())!;
        await outside.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.3);
        await outside.mouse.down();
        await outside.mouse.move(box.x + box.width * 0.6, box.y + box.height * 0.5, { steps: 4 });
        await outside.mouse.up();
        await outside.locator('[data-testid="region-word"]').fill('seam');
        await outside.locator('.region-layer .region').first().waitFor({ timeout: 5_000 });
        await outside.locator('.rating-side').focus();
        await outside.screenshot({ path: join(ARTIFACTS, 'pack-rating.png') });
        const download = outside.waitForEvent('download');
        await rateAll(outside, progress, (i) => [String(1 + (i % 5)), '3', '5', '2'], 4);
        const saved = join(ws, 'downloaded-ratings.json');
        await (await download).saveAs(saved);
        await waitForText(outside.locator('[data-testid="rating-saved"]'), /downloaded as ratings-outside-rater-/, 5_000);
        await outside.screenshot({ path: join(ARTIFACTS, 'pack-revealed.png') });
        const off = requests.filter((u) => !/^(file|data|blob):/.test(u));
        assert.deepEqual(off, [], 'the pack loaded something from elsewhere');
        assert.deepEqual(
          requests.filter((u) => u.startsWith('file:')),
          [pathToFileURL(pack).href],
          'the pack read no file but itself',
        );
        assert.deepEqual(problems, [], 'the pack logged errors (a CSP violation shows here)');
        const round = JSON.parse(readFileSync(saved, 'utf8'));
        assert.equal(round.rater, 'Outside Rater');
        assert.equal(round.votes.length, 4);
        assert.ok(round.votes.some((v: { unrequested?: string[] }) => v.unrequested?.join() === 'pendant,extra flower'));
        const regions = round.votes.flatMap((v: { regions?: { word: string; criterion: string; w: number }[] }) => v.regions ?? []);
        assert.equal(regions.length, 1);
        assert.equal(regions[0].word, 'seam');
        assert.equal(regions[0].criterion, 'structure');
        assert.ok(regions[0].w > 0.2 && regions[0].w < 0.4, `width ${regions[0].w}`);
        await context.close();
      } finally {
        await browser.close();
      }

      // Back in the panel: Import ratings…, the file picked in VS Code's file dialog.
      await panel.locator('[data-testid="export-menu"]').click();
      await panel.locator('[data-testid="import-ratings"]').click();
      const input = page.locator('.quick-input-widget input');
      await input.waitFor({ state: 'visible', timeout: 15_000 });
      // The simple file dialog writes its default folder into the box once it has read it; a path typed
      // before that is overwritten (seen in CI), so type once the default is there and check it stayed.
      const picked = join(ws, 'downloaded-ratings.json');
      for (let tries = 0; (await input.inputValue()) !== picked; tries++) {
        assert.ok(tries < 50, `the file dialog kept '${await input.inputValue()}' instead of the typed path`);
        if (tries > 0 || (await input.inputValue()) !== '') await input.fill(picked);
        await page.waitForTimeout(200);
      }
      await page.keyboard.press('Enter');
      const raters = panel.locator('.quality-section [data-testid="rater-table"] thead th[data-rater]');
      await raters.nth(1).waitFor({ timeout: 20_000 });
      assert.deepEqual(await raters.allTextContents(), ['Panel Rater', 'Outside Rater']);
      const structure = panel.locator('.quality-section [data-testid="agreement-table"] tr[data-criterion="structure"]');
      assert.match((await structure.textContent()) ?? '', /Structure.*\d.*4.*/);
      assert.equal(readdirSync(join(runDir(ws), 'ratings')).length, 2, 'one round file per rater');
      await panel.locator('.quality-section [data-testid="agreement-table"]').scrollIntoViewIfNeeded();
      await shot(page, 'two-raters');
    } catch (e) {
      await shot(page, 'failure').catch(() => undefined);
      throw e;
    }
  },
);
