// The results panel as a user of REST Client expects it, in the real workbench: a spec's runs share one
// tab whose title says what the run is at, a pinned tab keeps its run; swipe compare splits A from B
// exactly under its divider at any zoom, and the divider drags. Screenshots (526 and 1200 px, light
// and dark) go to test-artifacts/e2e-panel/.
import * as assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { REPO_ROOT } from '../host/codeServer';
import { openDevWorkbench, startE2eHost, waitForText, type E2eHost } from '../host/e2eSteps';
import { codeLens, openFileFromExplorer, webviewContent, type Workbench } from '../host/workbench';
import { shotSweep } from '../host/shotSweep';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e-panel');
const SPEC_FILE = 'panel.qwenprompt';
const NAME = 'lighthouse study';
/** Four square images (2 step counts × 2 seeds): letterboxed in the compare view's wide viewport. */
const SPEC = `# The results panel e2e test's spec.
name: ${NAME}
model: sd-checkpoint
prompt: a lighthouse at dusk, long exposure
seed: 42
size: 384x384
steps: [6, 12]
repeats: 2
`;

// The DOM as the page functions below read it (the DOM lib is not part of the node-side build).
interface El {
  getBoundingClientRect(): { left: number; top: number; width: number; height: number };
  querySelector(sel: string): (El & { naturalWidth: number; naturalHeight: number; style: { transform: string } }) | null;
}
declare const document: { elementFromPoint(x: number, y: number): { classList: { contains(c: string): boolean } } | null };

/** Long enough (4 × 150 steps at 40 ms) for the live numbers to be read and shot while it runs. */
const LIVE_FILE = 'live.qwenprompt';
const LIVE = `# The live progress e2e test's spec.
name: live progress
model: sd-checkpoint
prompt: a lighthouse at dusk, long exposure
seed: 7
size: 384x384
steps: [150]
repeats: 4
`;

let host: E2eHost | undefined;
let bench: Workbench | undefined;

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
const resultsTabs = (page: Page) => page.locator('.tabs-container .tab', { hasText: NAME });

/** The run folders of the spec, oldest first. */
function runs(): string[] {
  assert.ok(host);
  const dir = join(host.workspace, '.qwenprompt-runs', 'lighthouse-study');
  try {
    return readdirSync(dir)
      .sort()
      .map((f) => join(dir, f));
  } catch {
    return [];
  }
}

/** Clicks ▶ All and waits until the panel shows the new run to its end; returns its folder and the tab titles seen meanwhile. */
async function runAll(page: Page, panel: FrameLocator): Promise<{ runDir: string; titles: Set<string> }> {
  const before = runs().length;
  await page.locator('.tabs-container .tab', { hasText: SPEC_FILE }).first().click();
  await codeLens(page, '▶ All').first().click();
  const titles = new Set<string>();
  const deadline = Date.now() + 90_000;
  for (;;) {
    for (const t of await resultsTabs(page).allTextContents()) titles.add(t.trim());
    const now = runs();
    if (now.length > before) {
      const runDir = now[now.length - 1];
      const shown = await panel.locator(`.run-header [title="${runDir}"]`).count();
      const status =
        (await panel
          .locator('[data-testid="run-status"]')
          .textContent({ timeout: 1000 })
          .catch(() => '')) ?? '';
      if (shown > 0 && status === 'Complete') return { runDir, titles };
    }
    assert.ok(Date.now() < deadline, 'the run did not complete in the panel');
    await new Promise((ok) => setTimeout(ok, 150));
  }
}

/** Where the swipe divider is and which image is just left and right of it, in the viewport's own px. */
function swipeState(viewport: Locator) {
  return viewport.evaluate((vp: El) => {
    const r = vp.getBoundingClientRect();
    const line = vp.querySelector('.swipe-line')!.getBoundingClientRect();
    const a = vp.querySelector('img.a')!;
    const x = line.left + line.width / 2;
    const y = r.top + r.height / 2;
    const at = (px: number) => {
      const e = document.elementFromPoint(px, y);
      return e?.classList.contains('a') ? 'A' : e?.classList.contains('b') ? 'B' : 'other';
    };
    // object-fit: contain at Fit: where the picture itself is inside the viewport.
    const s = Math.min(r.width / a.naturalWidth, r.height / a.naturalHeight);
    return {
      x: x - r.left,
      left: at(x - 3),
      right: at(x + 3),
      transform: a.style.transform,
      picture: { left: (r.width - a.naturalWidth * s) / 2, right: (r.width + a.naturalWidth * s) / 2 },
    };
  });
}

before(async () => {
  host = await startE2eHost(ARTIFACTS, { msPerStep: 40 }, { [SPEC_FILE]: SPEC, [LIVE_FILE]: LIVE }, { fixtures: true });
});

after(async () => {
  await host?.stop(bench);
});

test(
  'one panel per spec, titled by the run, pinnable; swipe compare splits A and B under its divider at every zoom',
  { timeout: 420_000 },
  async () => {
    assert.ok(host);
    bench = await openDevWorkbench(host.server, host.workspace, join(ARTIFACTS, 'extension-host.log'));
    const { page } = bench;
    const panel = webviewContent(page);
    try {
      await openFileFromExplorer(page, SPEC_FILE);
      await codeLens(page, '▶ All').first().waitFor({ timeout: 30_000 });

      // Two runs, one tab: the second takes over the spec's panel. The tab says the state, then the time.
      const first = await runAll(page, panel);
      assert.ok(
        [...first.titles].some((t) => /^lighthouse study · running \d\/4$/.test(t)),
        [...first.titles].join(' | '),
      );
      await waitForText(resultsTabs(page), /^lighthouse study · \d\d:\d\d$/, 10_000);
      const second = await runAll(page, panel);
      assert.notEqual(second.runDir, first.runDir);
      assert.equal(await resultsTabs(page).count(), 1, 'the second run took over the spec’s panel');
      await shot(page, '01-one-tab');

      // Pinned, the panel keeps its run and says so; the next run opens a second tab.
      await panel.locator('[data-testid="pin"]').click();
      await waitForText(resultsTabs(page), /^lighthouse study · \d\d:\d\d · pinned$/, 10_000);
      await waitForText(panel.locator('[data-testid="pin"]'), /^Pinned$/, 5_000);
      await shot(page, '02-pinned');
      const third = await runAll(page, panel);
      assert.equal(await resultsTabs(page).count(), 2, 'a pinned panel is left alone: the third run has its own');
      const labels = (await resultsTabs(page).allTextContents()).map((t) => t.trim());
      assert.equal(labels.filter((l) => l.endsWith('· pinned')).length, 1, labels.join(' | '));
      assert.ok(third.runDir > second.runDir);
      await shot(page, '03-pinned-and-new');

      // Swipe compare of two images of the third run.
      await panel.locator('[data-testid="pick-compare"]').click();
      const thumbs = panel.locator('[data-testid="cell"][data-state="done"] button.thumb');
      await thumbs.nth(0).click();
      await thumbs.nth(1).click();
      await panel.locator('dialog[data-testid="compare"]').waitFor();
      await page.keyboard.press('2');
      const viewport = panel.locator('.compare-stage .viewport');
      await viewport.waitFor();
      await page.waitForTimeout(400);
      const range = panel.locator('.compare-stage input[type="range"]');
      const slide = (v: number) =>
        range.evaluate((el: { value: string; dispatchEvent(e: unknown): boolean }, value: number) => {
          el.value = String(value);
          el.dispatchEvent(new (globalThis as unknown as { Event: new (t: string) => unknown }).Event('input'));
        }, v);

      // At Fit the whole slider moves the divider over the picture, not over the empty bands beside it.
      await slide(100);
      const fitLow = await swipeState(viewport);
      assert.ok(
        Math.abs(fitLow.x - (fitLow.picture.left + 0.1 * (fitLow.picture.right - fitLow.picture.left))) < 2,
        JSON.stringify(fitLow),
      );
      assert.deepEqual([fitLow.left, fitLow.right], ['A', 'B'], `A left of the divider, B right: ${JSON.stringify(fitLow)}`);
      await slide(900);
      const fitHigh = await swipeState(viewport);
      assert.ok(fitHigh.x < fitHigh.picture.right && fitHigh.x > fitLow.x + 100, JSON.stringify(fitHigh));
      assert.deepEqual([fitHigh.left, fitHigh.right], ['A', 'B']);
      await slide(500);
      await shot(page, '04-swipe-fit');

      // Zoomed in off-centre: the divider stays on the real edge.
      const box = (await viewport.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.35, box.y + box.height * 0.4);
      for (let i = 0; i < 4; i++) await page.mouse.wheel(0, -200);
      await page.waitForTimeout(200);
      const zoomed = await swipeState(viewport);
      assert.match(zoomed.transform, /scale\((?!1\))[\d.]+\)/, zoomed.transform);
      assert.deepEqual([zoomed.left, zoomed.right], ['A', 'B'], `edge under the divider once zoomed: ${JSON.stringify(zoomed)}`);

      // A drag away from the divider pans; the divider still sits on the edge.
      await page.mouse.move(box.x + zoomed.x + 120, box.y + box.height * 0.5);
      await page.mouse.down();
      await page.mouse.move(box.x + zoomed.x + 40, box.y + box.height * 0.3, { steps: 5 });
      await page.mouse.up();
      const panned = await swipeState(viewport);
      assert.notEqual(panned.transform, zoomed.transform, 'the drag panned');
      assert.deepEqual([panned.left, panned.right], ['A', 'B'], `edge under the divider once panned: ${JSON.stringify(panned)}`);
      await shot(page, '05-swipe-zoomed-panned');

      // A drag that starts within a few px of the divider moves it, and pans nothing.
      await page.mouse.move(box.x + panned.x + 3, box.y + box.height * 0.6);
      await page.mouse.down();
      await page.mouse.move(box.x + panned.x - 77, box.y + box.height * 0.6, { steps: 5 });
      await page.mouse.up();
      const dragged = await swipeState(viewport);
      assert.equal(dragged.transform, panned.transform, 'dragging the divider did not pan');
      assert.ok(Math.abs(dragged.x - (panned.x - 77)) < 2, `the divider follows the pointer: ${panned.x} → ${dragged.x}`);
      assert.deepEqual([dragged.left, dragged.right], ['A', 'B']);
      await shot(page, '06-swipe-divider-dragged');
      await shotSweep(page, 'swipe', { dir: ARTIFACTS });
    } catch (e) {
      await shot(page, 'failure').catch(() => undefined);
      throw e;
    }
  },
);

/** Watches the grid every frame: a finished image whose cell shows no loaded picture (neither the image nor the
 * preview held under it) is a blank cell. Returns a function that stops watching and says what was seen. */
async function watchBlankCells(panel: FrameLocator): Promise<() => Promise<{ blank: string[]; heldUnder: number; frames: number }>> {
  const grid = panel.locator('[data-testid="grid"]');
  await grid.evaluate((g: unknown) => {
    type Img = { complete: boolean; naturalWidth: number; classList: { contains(c: string): boolean } };
    type Cell = { dataset: { key?: string }; querySelectorAll(s: string): Img[] };
    const root = g as { querySelectorAll(s: string): Cell[] };
    const w = globalThis as unknown as Record<string, unknown> & { requestAnimationFrame(f: () => void): void };
    const seen = { blank: [] as string[], heldUnder: 0, frames: 0, stop: false };
    w.__qpBlank = seen;
    const tick = () => {
      if (seen.stop) return;
      seen.frames++;
      for (const cell of root.querySelectorAll('.cell[data-state="done"]')) {
        const imgs = [...cell.querySelectorAll('.thumb img')];
        if (imgs.some((i) => i.classList.contains('under'))) seen.heldUnder++;
        if (!imgs.some((i) => i.complete && i.naturalWidth > 0))
          seen.blank.push(
            `${cell.dataset.key ?? '?'} @${seen.frames} ${imgs.map((i) => `${i.classList.contains('under') ? 'under' : 'img'}:${(i as unknown as { src: string }).src.slice(0, 30)}`).join(',')}`,
          );
      }
      w.requestAnimationFrame(tick);
    };
    tick();
  });
  return () =>
    grid.evaluate(() => {
      const seen = (globalThis as unknown as { __qpBlank: { blank: string[]; heldUnder: number; frames: number; stop: boolean } })
        .__qpBlank;
      seen.stop = true;
      return { blank: seen.blank, heldUnder: seen.heldUnder, frames: seen.frames };
    });
}

test(
  'live progress in numbers, no blank cell when an image lands; the single image zooms, pans, copies and re-runs',
  { timeout: 420_000 },
  async () => {
    assert.ok(host && bench);
    const { page, context } = bench;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: host.server.url });
    const panel = webviewContent(page);
    try {
      // The first editor group gets the spec (the sweep leaves the panel's group active).
      await page.locator('.tabs-container .tab', { hasText: SPEC_FILE }).first().click();
      await openFileFromExplorer(page, LIVE_FILE);
      const lens = codeLens(page, '▶ All').first();
      await lens.waitFor({ timeout: 30_000 });
      await lens.click();
      await panel.locator('[data-testid="run-name"][title="live progress"]').waitFor({ timeout: 30_000 });
      const stopWatching = await watchBlankCells(panel);

      // Step, rate and time left on the running image, and the run's time left in the header, without hovering.
      const step = await waitForText(panel.locator('[data-testid="progress-text"]'), /^step \d+\/150 · [\d.]+ it\/s · .+ left$/, 30_000);
      const left = await waitForText(panel.locator('[data-testid="run-left"]'), /^≈ .+ left$/, 10_000);
      assert.ok(await panel.locator('[data-testid="progress-text"]').first().isVisible(), 'the numbers show without hovering');
      await shot(page, '07-live-progress');
      console.log(`live: "${step}", header "${left}"`);
      await shotSweep(page, 'progress', { dir: ARTIFACTS });

      await waitForText(panel.locator('[data-testid="run-status"]'), /^Complete$/, 120_000);
      await page.waitForTimeout(500);
      const watched = await stopWatching();
      console.log(`blank-cell watch: ${watched.frames} frames, preview held under a landing image in ${watched.heldUnder}`);
      assert.ok(watched.frames > 50, `the grid was watched (${watched.frames} frames)`);
      assert.deepEqual(watched.blank, [], 'a finished image’s cell was blank for a frame');
      assert.equal(await panel.locator('[data-testid="run-left"]').isVisible(), false, 'no time left once it is over');

      // The single-image view: wheel zoom and drag pan as in Compare.
      await panel.locator('[data-testid="cell"][data-state="done"] button.thumb').first().click();
      const stage = panel.locator('[data-testid="lightbox-stage"]');
      await stage.waitFor();
      const img = stage.locator('img');
      const box = (await stage.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.3, box.y + box.height * 0.4);
      for (let i = 0; i < 4; i++) await page.mouse.wheel(0, -200);
      const zoomed = (await img.getAttribute('style')) ?? '';
      assert.match(zoomed, /scale\((?!1\))[\d.]+\)/, zoomed);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.5, box.y + box.height * 0.6, { steps: 5 });
      await page.mouse.up();
      const panned = (await img.getAttribute('style')) ?? '';
      assert.notEqual(panned, zoomed, 'the drag panned');
      assert.match(panned, /scale\((?!1\))[\d.]+\)/, 'still zoomed');
      await shot(page, '08-lightbox-zoomed');
      await shotSweep(page, 'lightbox', { dir: ARTIFACTS });

      // Copy: the host reads the seed and settings from the record and puts them on the clipboard.
      const status = panel.locator('[data-testid="lightbox-status"]');
      const clip = () =>
        page.evaluate(() =>
          (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText(),
        );
      await panel.locator('[data-copy="seed"]').click();
      await waitForText(status, /^Copied the seed$/, 10_000);
      assert.equal(await clip(), '7');
      await panel.locator('[data-copy="settings"]').click();
      await waitForText(status, /^Copied the settings as a spec$/, 10_000);
      const yaml = await clip();
      assert.match(yaml, /^name: live progress · 150 steps · seed 7$/m, yaml);
      assert.match(yaml, /^steps: 150$/m);
      assert.match(yaml, /^repeats: 1$/m);
      await panel.locator('[data-copy="prompt"]').click();
      await waitForText(status, /^Copied the prompt$/, 10_000);
      assert.equal(await clip(), 'a lighthouse at dusk, long exposure');

      // Open in VS Code's image preview: a tab of the image file.
      await panel.locator('[data-testid="open-image"]').click();
      await page.locator('.tabs-container .tab', { hasText: '.png' }).first().waitFor({ timeout: 15_000 });
      await shot(page, '09-image-preview');

      // Re-run: a run of that one image, in a panel of its own.
      await page.locator('.tabs-container .tab', { hasText: 'live progress ·' }).first().click();
      await panel.locator('[data-testid="run-name"][title="live progress"]').waitFor({ timeout: 30_000 });
      await page.waitForTimeout(500);
      // The panel, shown again, reopens the image it was showing (its saved state); else open it.
      if (!(await panel.locator('[data-testid="rerun-cell"]').isVisible())) {
        await panel.locator('[data-testid="cell"][data-state="done"] button.thumb').first().click();
      }
      await panel.locator('[data-testid="rerun-cell"]').click();
      await waitForText(panel.locator('[data-testid="lightbox-status"]'), /^Re-run started/, 10_000);
      await page.locator('.tabs-container .tab', { hasText: 'live progress · 150 steps · seed 7 ·' }).first().waitFor({ timeout: 30_000 });
      await waitForText(page.locator('.tabs-container .tab', { hasText: 'live progress · 150 steps · seed 7 ·' }), /· \d\d:\d\d$/, 60_000);
      await shot(page, '10-rerun');
    } catch (e) {
      await shot(page, 'failure-2').catch(() => undefined);
      throw e;
    }
  },
);
