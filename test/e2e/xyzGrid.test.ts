// End to end: a 3×3×2 sweep (steps × cfg × sampler) laid out by the spec's `layout:` as X/Y/Z, run
// from its "▶ Sweep" lens against the ComfyUI test server; the grid shows cfg across, steps down and
// one grid per sampler, the layout control moves an axis, and at the default panel width (≈526 px)
// and at 1200 px nothing of the grid or the summary hides behind a sideways scroll. Then a decoder
// sweep, whose second job ComfyUI serves the sampled latent from its cache, shows the fresh-cost
// columns. Screenshots go to test-artifacts/e2e-xyz/.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { REPO_ROOT } from '../host/codeServer';
import { openDevWorkbench, screenshots, sizeWebview, startE2eHost, waitForText, type E2eHost } from '../host/e2eSteps';
import { codeLens, openFileFromExplorer, webviewContent, type Workbench } from '../host/workbench';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e-xyz');
const XYZ_FILE = 'xyz.qwenprompt';
// Small and few steps: 18 images of 4–8 steps at 5 ms a step run in about two seconds on the test server.
const XYZ = `name: xyz sweep
model: sd-checkpoint
prompt: a red kite over a green hill
seed: 7
size: 128x128
steps: [4, 6, 8]
sweep:
  cfg: [5, 6.5, 8]
  sampler: [euler, dpmpp_2m]
layout: {x: cfg, y: steps, z: sampler}
`;
const DECODER_FILE = 'decoder.qwenprompt';
const DECODER = `name: decoder pair
model: qwen-image-2512
prompt: a lighthouse on a cliff at dusk
seed: 11
size: 128x128
steps: [6]
repeats: 2
sweep:
  decoder: [vae, lighttaew2_1]
`;

let host: E2eHost | undefined;
let bench: Workbench | undefined;

const { shot, panelShot } = screenshots(ARTIFACTS);

before(async () => {
  host = await startE2eHost(ARTIFACTS, { msPerStep: 5, decodeMs: 40 }, { [XYZ_FILE]: XYZ, [DECODER_FILE]: DECODER });
});

after(async () => {
  await host?.stop(bench);
});

/** The rendered size (CSS px) of the time chart's smallest tick label. */
async function chartTextPx(panel: FrameLocator): Promise<number> {
  return panel.locator('[data-testid="chart"] svg').evaluate((root) => {
    const box = root.getBoundingClientRect();
    const scale = box.width / (root as unknown as { viewBox: { baseVal: { width: number } } }).viewBox.baseVal.width;
    const sizes = [...root.querySelectorAll('text')].map((t) => parseFloat(t.ownerDocument.defaultView!.getComputedStyle(t).fontSize));
    return Math.min(...sizes) * scale;
  });
}

/** How far the summary table and the widest grid reach past the panel's right edge (≤ 0: inside). */
async function overflow(panel: FrameLocator): Promise<{ table: number; grid: number; page: number }> {
  return panel.locator('body').evaluate((body) => {
    const doc = body.ownerDocument;
    const edge = doc.documentElement.clientWidth;
    const right = (sel: string) => Math.max(...[...doc.querySelectorAll(sel)].map((e) => e.getBoundingClientRect().right));
    const wrap = doc.querySelector('.table-wrap');
    return {
      table: Math.max(right('table.summary, .table-wrap') - edge, wrap ? wrap.scrollWidth - wrap.clientWidth : 0),
      grid: right('.grid-block') - edge,
      page: body.scrollWidth - edge,
    };
  });
}

/** Scrolls the panel so that `testid`'s element starts just below the sticky run header. */
async function scrollToTop(panel: FrameLocator, testid: string): Promise<void> {
  await panel.locator(`[data-testid="${testid}"]`).evaluate((el) => {
    const doc = el.ownerDocument;
    const header = doc.querySelector('.run-header')?.getBoundingClientRect().height ?? 0;
    doc.defaultView!.scrollBy(0, el.getBoundingClientRect().top - header - 8);
  });
}

async function openAndRun(page: Page, file: string, lens: string): Promise<FrameLocator> {
  await openFileFromExplorer(page, file);
  await codeLens(page, lens).first().waitFor({ timeout: 30_000 });
  await codeLens(page, lens).first().click();
  const panel = webviewContent(page);
  await waitForText(panel.locator('[data-testid="run-status"]'), /^Complete$/, 60_000);
  return panel;
}

test(
  'a 3×3×2 sweep laid out as X/Y/Z: cfg across, steps down, a grid per sampler, all within the panel',
  { timeout: 180_000 },
  async () => {
    assert.ok(host);
    bench = await openDevWorkbench(host.server, host.workspace, join(ARTIFACTS, 'extension-host.log'));
    const { page } = bench;
    try {
      const panel = await openAndRun(page, XYZ_FILE, '▶ Sweep');
      const grid = panel.locator('[data-testid="grid"]');
      assert.equal(await grid.locator('[data-testid="cell"][data-state="done"]').count(), 18, 'every image of 3 × 3 × 2');
      assert.deepEqual(await grid.locator('[data-testid="grid-block-title"]').allTextContents(), ['sampler euler', 'sampler dpmpp_2m']);
      const block = grid.locator('.grid-block').first();
      assert.deepEqual(await block.locator('[data-testid="col-head"]').allTextContents(), ['cfg 5', 'cfg 6.5', 'cfg 8']);
      assert.deepEqual(await block.locator('[data-testid="row-head"]').allTextContents(), ['4 steps', '6 steps', '8 steps']);
      assert.equal(await panel.locator('[data-testid="layout-cfg"]').inputValue(), 'x');
      assert.equal(await panel.locator('[data-testid="layout-steps"]').inputValue(), 'y');
      assert.equal(await panel.locator('[data-testid="layout-sampler"]').inputValue(), 'z');
      assert.equal(await panel.locator('[data-testid="summary"] tbody tr').count(), 18, 'one summary row per setting');

      for (const width of [400, 526, 1200]) {
        const got = await sizeWebview(page, width);
        assert.ok(Math.abs(got - width) <= 4, `the panel is ${got} px wide, wanted ${width}`);
        const over = await overflow(panel);
        assert.ok(over.grid <= 0, `the grid reaches ${over.grid} px past the panel at ${width} px`);
        assert.ok(over.table <= 0, `the summary table reaches ${over.table} px past the panel at ${width} px`);
        assert.ok(over.page <= 0, `the panel scrolls ${over.page} px sideways at ${width} px`);
        const textPx = await chartTextPx(panel);
        assert.ok(textPx >= 10, `the chart's labels are ${textPx.toFixed(1)} px at ${width} px`);
        await scrollToTop(panel, 'grid');
        if (width === 526) await shot(page, `01-xyz-workbench-${width}`);
        await panelShot(page, `01-xyz-grid-${width}`);
        await scrollToTop(panel, 'summary');
        await panelShot(page, `02-xyz-summary-${width}`);
        await scrollToTop(panel, 'chart');
        await panelShot(page, `02-xyz-chart-${width}`);
      }

      // Sampler down instead of into separate grids: one grid, rows grouped by sampler.
      await sizeWebview(page, 526);
      await scrollToTop(panel, 'grid');
      await panel.locator('[data-testid="layout-sampler"]').selectOption('y');
      await waitForText(panel.locator('[data-testid="row-head"]'), /^euler$/, 10_000);
      assert.equal(await grid.locator('.grid-block').count(), 1);
      assert.deepEqual(await grid.locator('[data-testid="row-group"]').allTextContents(), ['4 steps', '6 steps', '8 steps']);
      assert.deepEqual((await grid.locator('[data-testid="row-head"]').allTextContents()).slice(0, 2), ['euler', 'dpmpp_2m']);
      assert.equal(await grid.locator('[data-testid="cell"]').count(), 18);
      assert.ok((await overflow(panel)).grid <= 0, 'the regrouped grid fits the panel');
      await panelShot(page, '03-xyz-sampler-down-526');
    } catch (e) {
      await shot(page, 'failure').catch(() => undefined);
      throw e;
    }
  },
);

test('a decoder pair on one latent: the summary shows the fresh cost beside what each job ran itself', { timeout: 120_000 }, async () => {
  assert.ok(host && bench, 'the workbench of the first test');
  const { page } = bench;
  try {
    // One results panel on screen: close the sweep's before running the next spec.
    await page.getByRole('treeitem', { name: DECODER_FILE }).first().click();
    await page.keyboard.press('F1');
    await page.locator('.quick-input-widget input').fill('>View: Close All Editors');
    await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Close All Editors' }).first().click();
    await page.locator('iframe.webview').first().waitFor({ state: 'detached', timeout: 10_000 });
    await sizeWebview(page, 526).catch(() => undefined);
    const panel = await openAndRun(page, DECODER_FILE, '▶ Sweep');
    await sizeWebview(page, 526);
    const summary = panel.locator('[data-testid="summary"]');
    const heads = (await summary.locator('thead th').allTextContents()).map((t) => t.trim());
    const col = (name: string) => {
      const i = heads.indexOf(name);
      assert.ok(i > 0, `no column '${name}' in ${heads.join(' | ')}`);
      return i - 1; // the setting is the row's th
    };
    const rows = summary.locator('tbody tr');
    assert.deepEqual(
      (await rows.locator('th').allTextContents()).map((t) => t.trim()),
      ['6 steps · decoder vae', '6 steps · decoder lighttaew2_1'],
    );
    const cellText = async (row: number, name: string) => ((await rows.nth(row).locator('td').nth(col(name)).textContent()) ?? '').trim();
    // The tiny decoder's jobs took the sampled latent from ComfyUI's cache and only decoded: still
    // measured (not "cached: nothing measured"), priced at the sampling's time in the job that ran it.
    assert.match(await cellText(1, 'n'), /^2 \(\+2 reused cached nodes\)$/);
    // Each job loads the other decoder's VAE, so every run is cold: the fresh cost is in that column.
    const fresh = await cellText(1, 'Cold runs (fresh cost)');
    const ran = await cellText(1, 'Ran itself');
    assert.match(fresh, /^\d+ ± \d+ ms$/);
    assert.match(ran, /^\d+ ± \d+ ms \(cold\)$/);
    assert.ok(parseInt(fresh, 10) > parseInt(ran, 10), `fresh ${fresh} prices the reused sampling the job did not run (${ran})`);
    // The study's comparison: a decode time per decoder, side by side. Which is faster is a timing on a
    // shared machine (CI saw 48 vs 59 ms under load), so it is the bench's to say, not this test's.
    for (const row of [0, 1]) assert.match(await cellText(row, 'Decode'), /^\d+(\.\d+)?( ± \d+(\.\d+)?)? (ms|s)\b/);
    assert.ok((await overflow(panel)).table <= 0, 'the summary with its fresh-cost columns fits at 526 px');
    await scrollToTop(panel, 'summary');
    await shot(page, '04-fresh-cost-workbench-526');
    await panelShot(page, '04-fresh-cost-526');
    await sizeWebview(page, 1200);
    await scrollToTop(panel, 'summary');
    await panelShot(page, '05-fresh-cost-1200');
  } catch (e) {
    await shot(page, 'failure-fresh-cost').catch(() => undefined);
    throw e;
  }
});
