#!/usr/bin/env node
// Renders the built results webview in Debian chromium with a fake VS Code API and a sample run, and
// saves screenshots (light and dark; live, finished, zoomed). Not part of any bundle or test run:
//   node webview-ui/dev/harness.mjs [outDir]   (default /tmp/qwenprompt-panel-preview)
import * as esbuild from 'esbuild';
import { mkdtempSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { themes } from './themes.mjs';
import { cubeRun, finishedRun, samplePng, sampleRun, sweepRun } from './sample.mjs';

const root = fileURLToPath(new URL('../..', import.meta.url));
const outDir = process.argv[2] ?? '/tmp/qwenprompt-panel-preview';
mkdirSync(outDir, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'qp-harness-'));
const webDir = join(work, 'webview');
const runDir = join(work, 'run');
mkdirSync(runDir);

// The real webview bundle, and the host's own html.ts and live-state code (so the CSP under test is ours).
await esbuild.build({
  entryPoints: [join(root, 'webview-ui/main.ts'), join(root, 'webview-ui/main.css')],
  outdir: webDir,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  logLevel: 'warning',
});
const hostJs = join(work, 'host.mjs');
writeFileSync(
  join(work, 'host-entry.ts'),
  `export { renderPanelHtml, makeNonce } from ${JSON.stringify(join(root, 'src/features/results/panel/html.ts'))};\n` +
    `export { RunViewState } from ${JSON.stringify(join(root, 'src/features/results/panel/runState.ts'))};\n` +
    `export { qualitySummary } from ${JSON.stringify(join(root, 'src/core/quality/ratings.ts'))};\n`,
);
await esbuild.build({
  entryPoints: [join(work, 'host-entry.ts')],
  outfile: hostJs,
  bundle: true,
  format: 'esm',
  platform: 'node',
  logLevel: 'warning',
});
const { renderPanelHtml, makeNonce, RunViewState, qualitySummary } = await import(hostJs);

const types = { '.js': 'text/javascript', '.css': 'text/css', '.png': 'image/png' };
let html = '';
const server = createServer((req, res) => {
  const url = decodeURIComponent(new URL(req.url, 'http://x').pathname);
  if (url === '/favicon.ico') {
    res.writeHead(204).end();
    return;
  }
  if (url === '/') {
    res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    return;
  }
  const [, area, ...rest] = url.split('/');
  const base = area === 'webview' ? webDir : area === 'run' ? runDir : undefined;
  const file = base && normalize(join(base, ...rest));
  try {
    if (!file || !file.startsWith(base)) throw new Error('outside');
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' }).end(readFileSync(file));
  } catch {
    res.writeHead(404).end();
  }
});
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const origin = `http://127.0.0.1:${server.address().port}`;

function page(state) {
  return renderPanelHtml({
    cspSource: origin,
    nonce: makeNonce(),
    title: 'Results: bamboo portrait',
    scriptUri: `${origin}/webview/main.js`,
    styleUri: `${origin}/webview/main.css`,
    init: state.init(`${origin}/run`),
  });
}

function writeImages(images) {
  for (const [file, bytes] of Object.entries(images)) writeFileSync(join(runDir, file), bytes);
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--headless', '--no-sandbox', '--disable-gpu'] });
const problems = [];
try {
  for (const theme of ['light', 'dark']) {
    const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, deviceScaleFactor: 1 });
    const p = await ctx.newPage();
    p.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${theme}: ${m.text()}`);
    });
    p.on('pageerror', (e) => problems.push(`${theme}: ${e.message}`));
    // Runs before the page's scripts and outside its CSP, like VS Code's own webview preload.
    await p.addInitScript(
      ({ vars, theme }) => {
        window.__posted = [];
        let state;
        window.acquireVsCodeApi = () => ({
          postMessage: (m) => window.__posted.push(m),
          getState: () => state,
          setState: (s) => {
            state = s;
          },
        });
        document.addEventListener('DOMContentLoaded', () => {
          for (const [k, v] of Object.entries(vars)) document.documentElement.style.setProperty(k, v);
          document.body.classList.add(`vscode-${theme}`);
        });
        document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
      },
      { vars: themes[theme], theme },
    );

    // 1. A run in progress: the 60-step column sampling, with a live preview frame.
    const live = sampleRun();
    writeImages(live.images);
    const state = new RunViewState(runDir, live.record);
    for (const c of live.record.cells.filter((c) => c.status !== 'queued')) state.apply({ type: 'cell', runDir, cell: c });
    html = page(state);
    await p.goto(origin);
    await p.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
    const send = (m) => p.evaluate((m) => window.postMessage(m, '*'), m);
    await send({ type: 'progress', key: 'steps=60#r1', value: 23, max: 60 });
    const preview = [...samplePng(96, 1, 0.3)];
    await p.evaluate(
      ({ bytes }) => window.postMessage({ type: 'preview', key: 'steps=60#r1', mime: 'image/png', data: new Uint8Array(bytes) }, '*'),
      { bytes: preview },
    );
    await p.waitForSelector('img.preview');
    await p.waitForFunction(() => [...document.images].every((i) => i.complete));
    await p.screenshot({ path: join(outDir, `live-${theme}.png`), fullPage: true });

    // 2. Finished: statistics final, one failure.
    const done = finishedRun();
    writeImages(done.images);
    await send(state.apply({ type: 'finished', runDir, record: done.record }));
    await p.waitForSelector('[data-testid="cell"][data-state="failed"]');
    await p.waitForFunction(() => [...document.images].every((i) => i.complete));
    await p.screenshot({ path: join(outDir, `finished-${theme}.png`), fullPage: true });
    // A panel opened beside the editor is narrow.
    await p.setViewportSize({ width: 640, height: 900 });
    await p.screenshot({ path: join(outDir, `narrow-${theme}.png`), fullPage: false });
    await p.setViewportSize({ width: 1280, height: 900 });
    // A spec name with no spaces wraps inside the header and stops at three lines, at any width.
    const name = '<img src=x onerror="document.title=String.fromCharCode(80,87,78)">'.repeat(3) + 'x'.repeat(160);
    await send(state.apply({ type: 'finished', runDir, record: { ...done.record, spec: { ...done.record.spec, name } } }));
    for (const width of [320, 480, 800]) {
      await p.setViewportSize({ width, height: 600 });
      const over = await p.evaluate(() => {
        const h1 = document.querySelector('.run-header h1');
        return {
          right: h1.getBoundingClientRect().right - window.innerWidth,
          lines: Math.round(h1.clientHeight / parseFloat(getComputedStyle(h1).lineHeight)),
          title: h1.title.length,
        };
      });
      if (over.right > 0 || over.lines > 3 || over.title !== name.length)
        problems.push(`${theme}: long name at ${width} px: ${JSON.stringify(over)}`);
      await p.screenshot({ path: join(outDir, `long-name-${width}-${theme}.png`) });
    }
    await p.setViewportSize({ width: 1280, height: 900 });
    await send(state.apply({ type: 'finished', runDir, record: done.record }));

    // 3. Zoomed: keyboard only (Tab to the first image, Enter).
    await p.focus('[data-testid="cell"] button.thumb');
    await p.keyboard.press('ArrowRight');
    await p.keyboard.press('Enter');
    await p.waitForSelector('dialog.lightbox[open]');
    await p.waitForTimeout(150);
    await p.screenshot({ path: join(outDir, `zoom-${theme}.png`) });
    await p.click('dialog.lightbox button:has-text("Open image")');
    await p.keyboard.press('Escape');
    const posted = await p.evaluate(() => window.__posted);
    const open = posted.find((m) => m.type === 'request' && m.body.kind === 'openImage');
    if (!open || open.body.file !== 'steps-40_r0.png') problems.push(`${theme}: Open image sent ${JSON.stringify(open)}`);

    // 3b. What the client knows of each prompt's fate, and an image whose header declares 30000².
    const fates = done.record.cells.map((c) => {
      if (c.key === 'steps=60#r1')
        return { ...c, images: c.images.map((im) => ({ ...im, width: 30000, height: 30000, note: '30000×30000 px is over the limit' })) };
      if (c.key === 'steps=20#r1')
        return {
          ...c,
          timings: {
            ...c.timings,
            nodes: [],
            live: { heard: 'partial', sampling: 'partial', reason: 'the WebSocket dropped while it ran' },
          },
        };
      if (c.key === 'steps=60#r2')
        return { ...c, status: 'lost', endReason: 'deletedOnServer', error: 'Deleted on the server by another client.' };
      if (c.key === 'steps=40#r2')
        return {
          ...c,
          status: 'cancelled',
          images: [],
          timings: undefined,
          cancel: { fate: 'interrupted', via: 'interrupt' },
          error: 'Cancelled.',
        };
      return c;
    });
    await send(state.apply({ type: 'finished', runDir, record: { ...done.record, cells: fates } }));
    await p.waitForSelector('[data-testid="cell"][data-state="lost"]');
    await p.screenshot({ path: join(outDir, `fates-${theme}.png`), fullPage: true });
    await p.click('[data-testid="cell"][data-key="steps=60#r1"] button.thumb');
    await p.waitForSelector('dialog.lightbox[open] [data-testid="too-large"]');
    await p.screenshot({ path: join(outDir, `zoom-too-large-${theme}.png`) });
    await p.keyboard.press('Escape');
    await send(state.apply({ type: 'finished', runDir, record: done.record }));

    // 4. A sweep (steps × cfg): one chart line per cfg.
    const sweep = sweepRun();
    writeImages(sweep.images);
    await send(state.apply({ type: 'finished', runDir, record: sweep.record }));
    await p.waitForSelector('.legend');
    await p.waitForFunction(() => [...document.images].every((i) => i.complete));
    await p.screenshot({ path: join(outDir, `sweep-${theme}.png`), fullPage: true });

    // A 3×3×2 sweep, default layout then cfg across and steps into separate grids, at 526 and 1200 px:
    // the grid never scrolls sideways. Rows out of view are not painted (content-visibility), so the
    // viewport is made as tall as the page.
    const cube = cubeRun();
    writeImages(cube.images);
    await send(state.apply({ type: 'finished', runDir, record: cube.record }));
    await p.waitForSelector('[data-testid="layout-cfg"]');
    for (const [name, move] of [['default'], ['cfg-across', true]]) {
      if (move) {
        await p.selectOption('[data-testid="layout-cfg"]', 'x');
        await p.selectOption('[data-testid="layout-steps"]', 'z');
      }
      for (const width of [526, 1200]) {
        await p.setViewportSize({ width, height: 900 });
        await p.setViewportSize({ width, height: await p.evaluate(() => document.documentElement.scrollHeight) });
        await p.waitForFunction(() => [...document.querySelectorAll('img[data-testid="cell-image"]')].every((i) => i.complete));
        const over = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        if (over > 0) problems.push(`${theme}: the ${name} layout scrolls ${over} px sideways at ${width} px`);
        await p.screenshot({ path: join(outDir, `layout-${name}-${width}-${theme}.png`) });
      }
    }
    await p.setViewportSize({ width: 1280, height: 900 });
    await send(state.apply({ type: 'finished', runDir, record: sweep.record }));

    // 5. Judging: a blind round by keyboard (the host's side answered here), then compare two images.
    const answer = async (kind, value) => {
      const req = await p.waitForFunction(
        (k) => window.__posted.find((m) => m.type === 'request' && m.body.kind === k && !m.answered),
        kind,
      );
      const m = await req.jsonValue();
      await p.evaluate((id) => {
        for (const x of window.__posted) if (x.id === id) x.answered = true;
      }, m.id);
      await send({ type: 'reply', id: m.id, ok: true, value: typeof value === 'function' ? value(m.body) : value });
      return m.body;
    };
    let rated = state.record;
    await p.click('[data-testid="start-rating"]');
    await p.waitForSelector('[data-testid="rating-start"]');
    await p.screenshot({ path: join(outDir, `rating-start-${theme}.png`) });
    await p.click('[data-testid="rating-start"]');
    for (let i = 0; i < 6; i++) {
      for (const k of ['4', '3', String(3 + (i % 3)), '5']) await p.keyboard.press(k);
      if (i === 1) await p.screenshot({ path: join(outDir, `rating-${theme}.png`) });
      await p.keyboard.press('Enter');
    }
    await answer('saveRatings', (body) => {
      const at = new Date().toISOString();
      rated = { ...rated, ratings: body.votes.map((v) => ({ ...v, image: '', at, round: 'r1' })) };
      return qualitySummary(rated);
    });
    await p.waitForSelector('[data-testid="rating-revealed"]');
    await p.waitForTimeout(150);
    await p.screenshot({ path: join(outDir, `rating-reveal-${theme}.png`) });
    await p.keyboard.press('Escape');
    await send({ type: 'record', record: rated });
    await answer('quality', qualitySummary(rated));
    await p.waitForSelector('[data-testid="quality-table"]');
    await p.screenshot({ path: join(outDir, `ratings-summary-${theme}.png`), fullPage: true });
    await p.click('[data-testid="pick-compare"]');
    const cells = p.locator('[data-testid="cell"][data-state="done"] button.thumb');
    await cells.nth(0).click();
    await cells.nth(2).click();
    await p.waitForSelector('dialog.compare[open]');
    await p.waitForTimeout(200);
    await p.screenshot({ path: join(outDir, `compare-side-${theme}.png`) });
    await p.keyboard.press('2');
    await p.waitForTimeout(100);
    await p.screenshot({ path: join(outDir, `compare-swipe-${theme}.png`) });
    await p.keyboard.press('4');
    await p.waitForFunction(() => /differ|No difference/.test(document.querySelector('[data-testid="compare-status"]')?.textContent ?? ''));
    await p.screenshot({ path: join(outDir, `compare-diff-${theme}.png`) });
    await p.keyboard.press('Escape');
    await ctx.close();
  }
} finally {
  await browser.close();
  server.close();
}
console.log(`screenshots in ${outDir}`);
if (problems.length) {
  console.error(problems.join('\n'));
  process.exitCode = 1;
}
