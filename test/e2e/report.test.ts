// The study report outside VS Code: run the example study on the ComfyUI test server through the CLI,
// add two raters' rounds (one with unrequested elements), write `qwenprompt report`, and open
// report.html from disk in Chromium: it draws the panel's own view offline (grid, summary,
// convergence, ratings with agreement, decision table), History lists the run, zoom opens, and every
// request it makes stays inside the report folder. Screenshots go to test-artifacts/e2e-report/.
import * as assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { main } from '../../src/cli/main';
import { addRatings } from '../../src/core/quality/addRatings';
import { readRunRecord } from '../../src/core/runs/record';
import { startFakeComfy } from '../fakes/comfyServer';
import { REPO_ROOT } from '../host/codeServer';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from '../host/workbench';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e-report');

const sink = () => {
  let text = '';
  return { stream: { write: (s: string) => ((text += s), true) } as never, text: () => text };
};

test(
  'qwenprompt report writes report.md and report.html; the page draws the study offline and loads nothing from outside its folder',
  { timeout: 200_000 },
  async () => {
    rmSync(ARTIFACTS, { recursive: true, force: true });
    mkdirSync(ARTIFACTS, { recursive: true });
    const work = mkdtempSync(join(tmpdir(), 'qp-report-'));
    const fake = await startFakeComfy({ msPerStep: 4 });
    let runDir: string;
    try {
      const out = sink();
      const err = sink();
      const code = await main(
        ['run', join(REPO_ROOT, 'examples', 'steps-study.qwenprompt'), '--server', fake.url, '--out', join(work, 'runs'), '--json'],
        { out: out.stream, err: err.stream },
      );
      assert.equal(code, 0, err.text());
      const specDir = join(work, 'runs', 'bamboo-portrait');
      runDir = join(specDir, readdirSync(specDir)[0]);
    } finally {
      await fake.close();
    }
    const record = await readRunRecord(runDir);
    const cells = record.cells.map((c) => c.key);
    await addRatings(
      runDir,
      cells.map((cell, i) => ({
        cell,
        scores: { structure: 2 + Number(record.cells[i].axes.steps) / 20, texture: 3, colour: 4, adherence: 3 + (i % 2) },
        ...(i % 3 === 0 ? { unrequested: ['pendant'] } : {}),
        ...(i === 0 ? { regions: [{ x: 0.2, y: 0.3, w: 0.25, h: 0.2, criterion: 'structure' as const, word: 'arm-torso seam' }] } : {}),
      })),
      { rater: 'Ana', blind: true },
    );
    await addRatings(
      runDir,
      cells.map((cell, i) => ({
        cell,
        scores: { structure: Math.min(5, 2 + Number(record.cells[i].axes.steps) / 20), texture: 4, colour: 4, adherence: 4 },
      })),
      { rater: 'Ben', blind: true },
    );

    const reportDir = join(work, 'report');
    const out = sink();
    assert.equal(await main(['report', runDir, '--out', reportDir], { out: out.stream, err: sink().stream }), 0);
    const md = readFileSync(join(reportDir, 'report.md'), 'utf8');
    for (const section of ['## Setup', '## Timing', '## Convergence', '## Ratings', '## Defect regions', '## Decision', '## Grid'])
      assert.ok(md.includes(section), section);
    assert.match(md, /Agreement \(Krippendorff's α, ordinal/);
    assert.match(md, /\| explore \| SSIM ≥ 0\.85, no structure score under 3 \| \*\*\d+ steps\*\*/);
    assert.match(md, /pendant/);
    assert.match(md, /\| 20 steps · seed 123456789 \| Structure \| arm-torso seam \| 20 %, 30 %, 25 %, 20 % \| Ana \|/);

    const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: [...CHROMIUM_ARGS], headless: true });
    try {
      const page = await (await browser.newContext({ viewport: { width: 1300, height: 900 } })).newPage();
      const requests: string[] = [];
      const problems: string[] = [];
      page.on('request', (r) => requests.push(r.url()));
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      await page.goto(pathToFileURL(join(reportDir, 'report.html')).href);
      await page.locator('[data-testid="cell"] img').nth(8).waitFor({ timeout: 15_000 });
      await page.screenshot({ path: join(ARTIFACTS, '01-report.png') });
      const raters = page.locator('[data-testid="rater-table"] thead th[data-rater]');
      await raters.nth(1).waitFor({ timeout: 10_000 });
      assert.deepEqual(await raters.allTextContents(), ['Ana', 'Ben']);
      await page.locator('[data-testid="agreement-table"]').scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ARTIFACTS, '02-ratings.png') });
      const explore = page.locator('[data-testid="decision-table"] tr[data-scenario="explore"]');
      assert.match((await explore.textContent()) ?? '', /explore.*\d+ steps/);
      await explore.scrollIntoViewIfNeeded();
      await page.screenshot({ path: join(ARTIFACTS, '03-decision.png') });
      // History answers from the report itself.
      await page.locator('[data-testid="open-history"]').click();
      await page.locator('[data-testid="history"] > li').first().waitFor({ timeout: 5_000 });
      await page.keyboard.press('Escape');
      // Zoom: the full image opens in the lightbox.
      await page.locator('[data-testid="cell"] button.thumb').first().click();
      await page.locator('.lightbox img, dialog.lightbox img').first().waitFor({ timeout: 5_000 });
      await page.screenshot({ path: join(ARTIFACTS, '04-zoom.png') });
      const base = pathToFileURL(reportDir).href + '/';
      const outside = requests.filter((u) => !(u.startsWith(base) || u.startsWith('data:') || u.startsWith('blob:')));
      assert.deepEqual(outside, [], 'the report loaded something from outside its folder');
      assert.ok(
        requests.some((u) => u.startsWith(`${base}images/`)),
        'its images come from beside it',
      );
      assert.deepEqual(problems, [], 'the report logged errors (a CSP violation shows here)');
    } finally {
      await browser.close();
      rmSync(work, { recursive: true, force: true });
    }
  },
);
