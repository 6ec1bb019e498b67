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
import { runSpec } from '../src/core/runs/runner';
import { parseSpecs } from '../src/core/spec/parse';
import { startFakeComfy } from '../test/fakes/comfyServer';
import { REPO_ROOT, startCodeServer } from '../test/host/codeServer';
import { openDevWorkbench } from '../test/host/e2eSteps';
import { codeLens, openFileFromExplorer } from '../test/host/workbench';
import { fmt, printTable, verdict } from './table';

const IMAGES = 60;
const spec = (name: string) => `name: ${name}\nmodel: qwen-image-2512\nprompt: a lighthouse at dusk\nsize: 1024x1024\nsteps: [2, 3, 4, 5, 6]\nrepeats: 12\n`;

interface PanelFigures {
  cellsMs: number;
  visibleMs: number;
  visible: number;
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
    const { runDir } = await runSpec({ spec: withThumbs, specFile: path.join(workspace, 'panel.qwenprompt'), specLabel: '../panel.qwenprompt', client, runsRoot, convergence: false });
    const copy = path.join(runsRoot, full.id, path.basename(runDir));
    cpSync(runDir, copy, { recursive: true });
    const record = await readRunRecord(copy);
    record.spec = { ...record.spec, id: full.id, name: full.name };
    for (const c of record.cells) for (const i of c.images) delete i.thumb;
    await writeRunRecord(copy, record);
    for (const f of readdirSync(copy)) if (f.endsWith('.thumb.png')) rmSync(path.join(copy, f));
  } finally {
    client.close();
    await comfy.close();
  }
}

/** Resident memory of the renderer processes below the browser that uses `profile`, by pid. */
function rendererRss(profile: string): Map<number, number> {
  const procs = readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number);
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
  const inView = imgs.filter((i) => i.getBoundingClientRect().top < innerHeight);
  const ok = (i) => i.complete && i.naturalWidth > 0;
  return { cells: imgs.length, decoded: imgs.filter(ok).length, inView: inView.length, inViewDecoded: inView.filter(ok).length };
})()`;

/** Scrolls to the bottom 40 px a frame (a brisk wheel); resolves with the frame-to-frame times. */
const SCROLL = `new Promise((resolve) => {
  const deltas = [];
  let last = 0;
  const step = (now) => {
    deltas.push(now - last);
    last = now;
    const before = scrollY;
    scrollBy(0, 40);
    if (scrollY === before) resolve(deltas);
    else requestAnimationFrame(step);
  };
  requestAnimationFrame((now) => { last = now; requestAnimationFrame(step); });
})`;

interface GridState {
  cells: number;
  decoded: number;
  inView: number;
  inViewDecoded: number;
}
const gridState = (f: Frame) => f.evaluate(GRID_STATE) as Promise<GridState>;

async function measure(page: Page, profile: string, name: string): Promise<PanelFigures> {
  await openFileFromExplorer(page, 'panel.qwenprompt');
  const lenses = codeLens(page, 'Open results');
  await lenses.first().waitFor({ timeout: 60_000 });
  const index = name === 'with thumbs' ? 0 : 1;
  const rssBefore = rendererRss(profile);
  const t0 = Date.now();
  await lenses.nth(index).click();
  const { outer, inner: frame } = await webviewFrame(page);
  let s = await gridState(frame).catch(() => undefined);
  let cellsMs = 0;
  while (!s || s.cells < IMAGES || s.inViewDecoded < s.inView) {
    await new Promise((ok) => setTimeout(ok, 20));
    s = await gridState(frame).catch(() => undefined);
    if (!cellsMs && s && s.cells >= IMAGES) cellsMs = Date.now() - t0;
  }
  const visibleMs = Date.now() - t0;
  const visible = s.inView;
  const deltas = (await frame.evaluate(SCROLL)) as number[];
  while ((await gridState(frame)).decoded < IMAGES) await new Promise((ok) => setTimeout(ok, 20));
  const allMs = Date.now() - t0;
  // The webview's document shares its CDP target with the frame VS Code wraps it in (an
  // out-of-process frame of its own origin when Chromium isolates it, else the workbench's page).
  const cdp = await page.context().newCDPSession(outer).catch(() => page.context().newCDPSession(page));
  await cdp.send('Performance.enable');
  const { metrics } = await cdp.send('Performance.getMetrics');
  const heap = metrics.find((m) => m.name === 'JSHeapUsedSize')?.value ?? 0;
  await cdp.detach();
  const fresh = [...rendererRss(profile)].filter(([pid]) => !rssBefore.has(pid)).map(([, mb]) => mb);
  const sorted = deltas.slice(1).sort((a, b) => a - b);
  await page.keyboard.press('Control+K');
  await page.keyboard.press('W'); // close all editors: the next case starts from none
  return {
    cellsMs: cellsMs || visibleMs,
    visibleMs,
    visible,
    allMs,
    frameP95: sorted[Math.floor(sorted.length * 0.95)] ?? 0,
    frameMax: sorted.at(-1) ?? 0,
    frames: sorted.length,
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
    const thumbs = await measure(bench.page, profile, 'with thumbs').catch(async (e: unknown) => {
      await bench.page.screenshot({ path: path.join(REPO_ROOT, 'test-artifacts', 'bench-panel-failure.png') }).catch(() => undefined);
      throw e;
    });
    const full = await measure(bench.page, profile, 'full images');
    const row = (label: string, f: (p: PanelFigures) => string, target = '') => [label, f(thumbs), f(full), target];
    printTable(
      `Results panel in code-server's workbench (Chromium): a run of ${IMAGES} images of 1024×1024`,
      ['measure', 'thumbnails (384 px)', 'full images (baseline)', 'target'],
      [
        row('open: click → 60 cells in the grid (images not yet decoded), ms', (p) => fmt(p.cellsMs), ''),
        row('open: click → cells rendered, images in view decoded, ms', (p) => `${fmt(p.visibleMs)} (${p.visible} in view)`, `≤ 1000 ${verdict(thumbs.visibleMs <= 1000)}`),
        row('… → all 60 decoded (after scrolling to the bottom), ms', (p) => fmt(p.allMs), ''),
        row('frame time while scrolling, p95 ms', (p) => `${fmt(p.frameP95)} (${p.frames} frames)`, `≤ 33 ${verdict(thumbs.frameP95 <= 33)}`),
        row('frame time while scrolling, max ms', (p) => fmt(p.frameMax), ''),
        row('JS heap used of the webview’s renderer (CDP Performance.getMetrics), MB', (p) => fmt(p.heapMB), ''),
        row('webview renderer process RSS, MB', (p) => (p.rendererMB === undefined ? 'shared' : fmt(p.rendererMB)), `≤ 250 ${verdict((thumbs.rendererMB ?? thumbs.heapMB) <= 250)}`),
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
