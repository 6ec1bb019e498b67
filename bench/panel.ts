/**
 * The results panel in a real workbench (code-server + Chromium via test/host): a run of 60 images of
 * 1024×1024 opened from its "Open results" lens, with grid thumbnails and, as the baseline, the same
 * run without them (run.json's `thumb` fields and files removed). Per case: time from the click to
 * the cells rendered and the images in view decoded, then to all 60 decoded (the grid loads lazily,
 * so a programmatic scroll to the bottom brings the rest); frame times during that scroll
 * (requestAnimationFrame deltas in the webview); the webview's JS heap (CDP Performance.getMetrics on
 * its frame) and its renderer process's resident memory (/proc, the renderer processes the panel
 * started). Needs `npm run setup:host` and a build of dist/ (npm run bench does both).
 */
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { Frame, Page } from 'playwright-core';
import { ComfyClient } from '../src/core/comfy/client';
import { readRunRecord, writeRunRecord } from '../src/core/runs/record';
import { runSpec } from '../src/core/runs/session';
import { parseSpecs } from '../src/core/spec/parse';
import { startFakeComfy } from '../test/fakes/comfyServer';
import { REPO_ROOT, startCodeServer } from '../test/host/codeServer';
import { openDevWorkbench } from '../test/host/e2eSteps';
import { codeLens, openFileFromExplorer } from '../test/host/workbench';
import { fmt, printTable, verdict } from './table';

const IMAGES = 60;
const spec = (name: string) =>
  `name: ${name}\nmodel: qwen-image-2512\nprompt: a lighthouse at dusk\nsize: 1024x1024\nsteps: [2, 3, 4, 5, 6]\nrepeats: 12\n`;

/** Where the time from the click to the cells goes, ms (see TIMING). */
interface OpenBreakdown {
  /** Click → the workbench's webview host frame starts loading: the command, the first load of the run
   * engine, reading run.json, creating the panel and its HTML, the workbench making the iframe. */
  toHost: number;
  /** Webview host frame → our document starts (the host page, its service worker, the HTML posted in). */
  toDocument: number;
  /** Our document → the webview's placeholder page (fake.html, which VS Code writes our HTML into) loaded. */
  toPlaceholder: number;
  /** Placeholder loaded → our script runs: main.css and main.js through the resource channel. */
  toScript: number;
  /** main.js fetch alone (request start → response end). */
  scriptFetch: number;
  /** Our script → the grid drawn (the App built, 60 cells in the DOM). */
  render: number;
  /** Grid drawn → the benchmark sees it (its polling). */
  seen: number;
}

interface PanelFigures {
  open: OpenBreakdown;
  /** Click → grid drawn, by the page's clock. */
  cellsMs: number;
  /** Click → 60 cells seen by the benchmark's polling. */
  polledCells: number;
  /** Click → the last image in view painted (Element Timing), or as polled when the page had no entries. */
  visibleMs: number;
  visibleFrom: 'render' | 'load' | 'poll';
  polledVisible: number;
  visible: number;
  longFrames: LongFrame[];
  allMs: number;
  frameP95: number;
  frameMax: number;
  frames: number;
  heapMB: number;
  rendererMB: number | undefined;
}

/** Makes the run once (thumbnails on) and a copy of it without thumbnails under a second spec. */
async function makeRuns(workspace: string): Promise<void> {
  const comfy = await startFakeComfy({ msPerStep: 1, loadMs: 1 });
  const client = new ComfyClient({ baseUrl: comfy.url });
  const runsRoot = path.join(workspace, '.qwenprompt-runs');
  try {
    writeFileSync(path.join(workspace, 'panel.qwenprompt'), `${spec('with thumbs')}---\n${spec('full images')}`);
    const [withThumbs, full] = parseSpecs(readFileSync(path.join(workspace, 'panel.qwenprompt'), 'utf8')).specs;
    const { runDir } = await runSpec({
      spec: withThumbs,
      specFile: path.join(workspace, 'panel.qwenprompt'),
      client,
      runsRoot,
      convergence: false,
    });
    const copy = path.join(runsRoot, full.id, path.basename(runDir));
    cpSync(runDir, copy, { recursive: true });
    const record = await readRunRecord(copy);
    record.spec = { ...record.spec, id: full.id, name: full.name };
    for (const c of record.cells) for (const i of c.images) delete i.thumb;
    await writeRunRecord(copy, record);
    for (const f of readdirSync(copy)) if (/\.thumb\.\w+$/.test(f)) rmSync(path.join(copy, f));
  } finally {
    client.close();
    await comfy.close();
  }
}

/** Resident memory of the renderer processes below the browser that uses `profile`, by pid. */
function rendererRss(profile: string): Map<number, number> {
  const procs = readdirSync('/proc')
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
  const info = new Map<number, { ppid: number; cmd: string }>();
  for (const pid of procs) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      info.set(pid, { ppid, cmd: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ') });
    } catch {
      // gone meanwhile
    }
  }
  const root = [...info].find(([, p]) => p.cmd.includes(`--user-data-dir=${profile}`) && !p.cmd.includes('--type='))?.[0];
  const out = new Map<number, number>();
  const below = (pid: number): boolean => pid === root || (pid > 1 && info.has(pid) && below(info.get(pid)!.ppid));
  for (const [pid, p] of info) {
    if (!p.cmd.includes('--type=renderer') || !below(pid)) continue;
    const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    if (rss) out.set(pid, Number(rss) / 1024);
  }
  return out;
}

/** The webview's inner document (VS Code nests it two iframes deep). */
async function webviewFrame(page: Page): Promise<{ outer: Frame; inner: Frame }> {
  // The panel's name is not on its iframe; the previous case's panel was closed, so this one is the only one.
  const outer = await page.locator('iframe.webview.ready').first().elementHandle({ timeout: 30_000 });
  const outerFrame = await outer!.contentFrame();
  const inner = await outerFrame!.locator('iframe#active-frame').elementHandle({ timeout: 30_000 });
  return { outer: outerFrame!, inner: (await inner!.contentFrame())! };
}

// Run in the webview (strings: the benchmarks compile without the DOM library).
/** Images of the grid: how many are in the DOM, how many are decoded, how many of those in view are. */
const GRID_STATE = `(() => {
  const imgs = [...document.querySelectorAll('img[data-testid="cell-image"]')];
  // In the window on both axes (the grid scrolls sideways in a narrow panel); a row that is not
  // rendered (content-visibility) gives its images an empty box at 0,0.
  const seen = (r) => r.height > 0 && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
  const inView = imgs.filter((i) => seen(i.getBoundingClientRect()));
  const ok = (i) => i.complete && i.naturalWidth > 0;
  return { cells: imgs.length, decoded: imgs.filter(ok).length, inView: inView.length, inViewDecoded: inView.filter(ok).length };
})()`;

/**
 * Scrolls to the bottom 40 px a frame (a brisk wheel); resolves with the frame-to-frame times and the
 * long animation frames (LoAF, > 50 ms of main-thread work) meanwhile: how much of each was script
 * (and whose), style and layout, or rendering. rAF gaps without LoAF are the compositor's (raster).
 */
const SCROLL = `new Promise((resolve) => {
  const deltas = [];
  const loaf = [];
  const obs = new PerformanceObserver((l) => {
    for (const e of l.getEntries()) {
      loaf.push({
        duration: e.duration,
        script: e.scripts.reduce((a, s) => a + s.duration, 0),
        layout: e.styleAndLayoutStart ? e.startTime + e.duration - e.styleAndLayoutStart : 0,
        render: e.renderStart ? e.startTime + e.duration - e.renderStart : 0,
        sources: e.scripts.map((s) => (s.sourceURL || s.invoker || '?').split('/').pop().slice(0, 40) + ' ' + Math.round(s.duration)),
      });
    }
  });
  try { obs.observe({ type: 'long-animation-frame' }); } catch {}
  let last = 0;
  const step = (now) => {
    deltas.push(now - last);
    last = now;
    const before = scrollY;
    scrollBy(0, 40);
    if (scrollY === before) setTimeout(() => { obs.disconnect(); resolve({ deltas, loaf }); }, 100);
    else requestAnimationFrame(step);
  };
  requestAnimationFrame((now) => { last = now; requestAnimationFrame(step); });
})`;
interface LongFrame {
  duration: number;
  script: number;
  layout: number;
  render: number;
  sources: string[];
}

/**
 * When each grid image in view was painted (Element Timing: the images carry `elementtiming`), ms
 * after the document's time origin: renderTime, or loadTime when the browser withholds renderTime.
 */
const PAINTED = `new Promise((resolve) => {
  const seen = (r) => r.height > 0 && r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth;
  const inView = (el) => seen(el.getBoundingClientRect());
  const done = (entries) => resolve(entries.filter((e) => e.identifier === 'cell-image' && e.element && inView(e.element)).map((e) => ({ render: e.renderTime, load: e.loadTime })));
  const obs = new PerformanceObserver((l) => { obs.disconnect(); done(l.getEntries()); });
  obs.observe({ type: 'element', buffered: true });
  setTimeout(() => { obs.disconnect(); done([]); }, 1000);
})`;

/** The webview document's timings: its time origin (epoch ms) and our marks (webview-ui/main.ts). */
const TIMING = `(() => {
  const mark = (k) => performance.getEntriesByName(k)[0]?.startTime;
  const res = (re) => performance.getEntriesByType('resource').find((r) => re.test(r.name));
  const js = res(/main\\.js/);
  const css = res(/main\\.css/);
  const nav = performance.getEntriesByType('navigation')[0];
  return {
    origin: performance.timeOrigin,
    script: mark('qp:script'),
    rendered: mark('qp:rendered'),
    scriptFetch: js ? js.responseEnd - js.requestStart : undefined,
    detail: { nav: nav?.responseEnd, css: css && [css.startTime, css.responseEnd], js: js && [js.startTime, js.responseEnd] },
  };
})()`;
interface Timing {
  origin: number;
  script?: number;
  rendered?: number;
  scriptFetch?: number;
  detail?: unknown;
}

interface GridState {
  cells: number;
  decoded: number;
  inView: number;
  inViewDecoded: number;
}
const gridState = (f: Frame) => f.evaluate(GRID_STATE) as Promise<GridState>;

async function measure(page: Page, profile: string, index: number): Promise<PanelFigures> {
  await openFileFromExplorer(page, 'panel.qwenprompt');
  const lenses = codeLens(page, 'Open results');
  await lenses.first().waitFor({ timeout: 60_000 });
  const rssBefore = rendererRss(profile);
  const t0 = Date.now();
  await lenses.nth(index).click();
  const { outer, inner: frame } = await webviewFrame(page);
  let s = await gridState(frame).catch(() => undefined);
  let polledCells = 0;
  while (!s || s.cells < IMAGES || s.inViewDecoded < s.inView) {
    if (Date.now() - t0 > 60_000) {
      const stuck = await frame.evaluate(
        `[...document.querySelectorAll('img[data-testid="cell-image"]')].filter((i) => i.getBoundingClientRect().top < innerHeight && i.getBoundingClientRect().height > 0 && !(i.complete && i.naturalWidth > 0)).map((i) => [i.getAttribute('src'), i.loading, i.complete, JSON.stringify(i.getBoundingClientRect())])`,
      );
      throw new Error(`the grid never showed its images in view: ${JSON.stringify(s)} ${JSON.stringify(stuck)}`);
    }
    await new Promise((ok) => setTimeout(ok, 20));
    s = await gridState(frame).catch(() => undefined);
    if (!polledCells && s && s.cells >= IMAGES) polledCells = Date.now() - t0;
  }
  const polledVisible = Date.now() - t0;
  const visible = s.inView;
  // The figures come from the page's own clock (its time origin is wall-clock time, as t0 is); the
  // polling above only decides when to read them, and under load it lags by a few hundred ms.
  const doc = (await frame.evaluate(TIMING)) as Timing;
  const host = (await outer.evaluate(TIMING)) as Timing;
  const painted = (await frame.evaluate(PAINTED)) as { render: number; load: number }[];
  const requested = (await frame.evaluate(
    `performance.getEntriesByType('resource').filter((r) => r.initiatorType === 'img').map((r) => [Math.round(r.startTime), Math.round(r.responseEnd)])`,
  )) as [number, number][];
  const drawn = doc.origin + (doc.rendered ?? NaN) - t0;
  const open: OpenBreakdown = {
    toHost: host.origin - t0,
    toDocument: doc.origin - host.origin,
    toPlaceholder: (doc.detail as { nav?: number } | undefined)?.nav ?? NaN,
    toScript: (doc.script ?? NaN) - ((doc.detail as { nav?: number } | undefined)?.nav ?? NaN),
    scriptFetch: doc.scriptFetch ?? NaN,
    render: (doc.rendered ?? NaN) - (doc.script ?? NaN),
    seen: (polledCells || polledVisible) - drawn,
  };
  const paintTimes = painted.map((p) => p.render || p.load);
  const visibleMs = painted.length >= visible ? doc.origin + Math.max(...paintTimes) - t0 : polledVisible;
  const { deltas, loaf } = (await frame.evaluate(SCROLL)) as { deltas: number[]; loaf: LongFrame[] };
  for (let all = await gridState(frame); all.decoded < IMAGES; all = await gridState(frame)) {
    if (Date.now() - t0 > 120_000) {
      const stuck = await frame.evaluate(
        `[...document.querySelectorAll('img[data-testid="cell-image"]')].filter((i) => !(i.complete && i.naturalWidth > 0)).map((i) => [(i.getAttribute('src') ?? '').split('/').pop(), i.loading, i.complete, JSON.stringify(i.getBoundingClientRect())])`,
      );
      throw new Error(`not all images loaded after the scroll: ${JSON.stringify(all)} ${JSON.stringify(stuck)}`);
    }
    await new Promise((ok) => setTimeout(ok, 20));
  }
  const allMs = Date.now() - t0;
  // The webview's document shares its CDP target with the frame VS Code wraps it in (an
  // out-of-process frame of its own origin when Chromium isolates it, else the workbench's page).
  const cdp = await page
    .context()
    .newCDPSession(outer)
    .catch(() => page.context().newCDPSession(page));
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
  await cdp.detach();
  const fresh = [...rendererRss(profile)].filter(([pid]) => !rssBefore.has(pid)).map(([, mb]) => mb);
  const sorted = deltas.slice(1).sort((a, b) => a - b);
  await page.keyboard.press('Control+K');
  await page.keyboard.press('W'); // close all editors: the next case starts from none
  if (process.env.QP_PANEL_VERBOSE)
    console.log(JSON.stringify({ index, doc: doc.detail, requested, painted, loaf, deltas: deltas.map(Math.round) }));
  return {
    open,
    cellsMs: drawn,
    polledCells: polledCells || polledVisible,
    visibleMs,
    visibleFrom: painted.length >= visible ? (painted.every((p) => p.render) ? 'render' : 'load') : 'poll',
    polledVisible,
    visible,
    allMs,
    frameP95: sorted[Math.floor(sorted.length * 0.95)] ?? 0,
    frameMax: sorted.at(-1) ?? 0,
    frames: sorted.length,
    longFrames: loaf,
    heapMB: heap / 2 ** 20,
    rendererMB: fresh.length ? fresh.reduce((a, b) => a + b, 0) : undefined,
  };
}

export async function benchPanel(): Promise<void> {
  const workspace = mkdtempSync(path.join(tmpdir(), 'qp-bench-panel-'));
  const log = path.join(workspace, '..', `${path.basename(workspace)}-host.log`);
  await makeRuns(workspace);
  const server = await startCodeServer({ settings: { 'qwenprompt.comfy.url': 'http://127.0.0.1:9' } });
  const bench = await openDevWorkbench(server, workspace, log);
  const profile = path.join(server.runDir, 'chromium');
  try {
    // The first panel of a window also pays for loading the run engine and the workbench's first
    // webview; the thumbnail case runs first (cold) and again after the baseline (warm).
    const cold = await measure(bench.page, profile, 0).catch(async (e: unknown) => {
      await bench.page.screenshot({ path: path.join(REPO_ROOT, 'test-artifacts', 'bench-panel-failure.png') }).catch(() => undefined);
      throw e;
    });
    const full = await measure(bench.page, profile, 1);
    const thumbs = await measure(bench.page, profile, 0);
    const row = (label: string, f: (p: PanelFigures) => string, target = '') => [label, f(cold), f(thumbs), f(full), target];
    const loafText = (p: PanelFigures) => {
      const l = p.longFrames;
      if (!l.length) return '0';
      const sum = (k: 'script' | 'layout' | 'render') =>
        fmt(
          l.reduce((a, e) => a + e[k], 0),
          0,
        );
      return `${l.length}: script ${sum('script')}, style+layout ${sum('layout')}, render ${sum('render')}`;
    };
    printTable(
      `Results panel in code-server's workbench (Chromium): a run of ${IMAGES} images of 1024×1024`,
      ['measure', 'thumbnails, first panel', 'thumbnails, again', 'full images (baseline)', 'target'],
      [
        row('open: click → grid drawn (60 cells, page clock), ms', (p) => fmt(p.cellsMs, 0), ''),
        row('  click → webview host frame (command, engine load, run.json, panel, iframe)', (p) => fmt(p.open.toHost, 0), ''),
        row('  webview host frame → our document', (p) => fmt(p.open.toDocument, 0), ''),
        row('  our document: the placeholder page (fake.html) loaded', (p) => fmt(p.open.toPlaceholder, 0), ''),
        row('  → our script runs (main.css, main.js)', (p) => `${fmt(p.open.toScript, 0)} (js ${fmt(p.open.scriptFetch, 0)})`, ''),
        row('  our script → grid drawn', (p) => fmt(p.open.render, 0), ''),
        row('  (grid drawn → seen by the benchmark’s polling)', (p) => fmt(p.open.seen, 0), ''),
        row(
          'open: click → images in view painted, ms',
          (p) => `${fmt(p.visibleMs, 0)} (${p.visible}, ${p.visibleFrom})`,
          `≤ 1000 ${verdict(thumbs.visibleMs <= 1000)}`,
        ),
        row('  (as the benchmark’s polling saw it)', (p) => fmt(p.polledVisible, 0), ''),
        row('… → all 60 decoded (after scrolling to the bottom), ms', (p) => fmt(p.allMs, 0), ''),
        row(
          'frame time while scrolling, p95 ms',
          (p) => `${fmt(p.frameP95)} (${p.frames} frames)`,
          `≤ 33 ${verdict(thumbs.frameP95 <= 33)}`,
        ),
        row('frame time while scrolling, max ms', (p) => fmt(p.frameMax), ''),
        row('long animation frames while scrolling, n: ms', loafText, ''),
        row('JS heap used of the webview’s renderer (CDP Performance.getMetrics), MB', (p) => fmt(p.heapMB), ''),
        row(
          'webview renderer process RSS, MB',
          (p) => (p.rendererMB === undefined ? 'shared' : fmt(p.rendererMB)),
          `≤ 250 ${verdict((thumbs.rendererMB ?? thumbs.heapMB) <= 250)}; tightened ≤ 100 ${verdict((thumbs.rendererMB ?? thumbs.heapMB) <= 100)}`,
        ),
      ],
    );
  } finally {
    await bench.close();
    await server.stop();
    rmSync(workspace, { recursive: true, force: true });
    rmSync(log, { force: true });
  }
}

if (require.main === module) {
  benchPanel().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
