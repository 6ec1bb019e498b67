// Screenshots of the results panel as users see it: at VS Code's default width beside the editor (≈526 px)
// and wide (1200 px), in a light and a dark theme. Any e2e test calls `shotSweep(page, name)` once the panel
// shows what it wants kept (grid, summary, a dialog…); the shots go to test-artifacts/e2e-sweep/ as
// `<name>-<width>-<theme>.png`, and the window's size and theme are put back afterwards.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Locator, Page } from 'playwright-core';
import { REPO_ROOT } from './codeServer';
import { sizeWebview } from './e2eSteps';
import { webviewContent } from './workbench';

export const SWEEP_DIR = join(REPO_ROOT, 'test-artifacts', 'e2e-sweep');
export const SWEEP_WIDTHS: readonly number[] = [526, 1200];
export type ThemeKind = 'light' | 'dark';
/** VS Code 1.100's default themes, by the names its theme picker lists. */
const THEME_NAMES: Record<ThemeKind, string> = { light: 'Light Modern', dark: 'Dark Modern' };

export interface SweepOptions {
  /** Folder for the shots (default test-artifacts/e2e-sweep/). */
  dir?: string;
  /** Scrolled into view after each resize, since the panel reflows (e.g. the summary table). */
  scrollTo?: (panel: FrameLocator) => Locator;
}

/** The workbench's theme kind, from the class VS Code puts on its root element. */
export async function themeOf(page: Page): Promise<ThemeKind> {
  const cls = (await page.locator('.monaco-workbench').first().getAttribute('class')) ?? '';
  return /\b(vs-dark|hc-black)\b/.test(cls) ? 'dark' : 'light';
}

/** A quick pick's row whose label is exactly `label` (the fuzzy match ranks "Preferences: Browse Color
 * Themes in Marketplace" above "Preferences: Color Theme"). */
export function quickPickRow(page: Page, label: string): Locator {
  const exact = new RegExp(`^${label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
  return page
    .locator('.quick-input-list .monaco-list-row')
    .filter({ has: page.locator('.label-name', { hasText: exact }) })
    .first();
}

/** Chooses a quick pick's row by its exact label with the keyboard (a hover over the list can swallow clicks). */
export async function pickRow(page: Page, label: string, timeout = 15_000): Promise<void> {
  const row = quickPickRow(page, label);
  await row.waitFor({ timeout });
  for (let i = 0; i < 30 && !/\bfocused\b/.test((await row.getAttribute('class')) ?? ''); i++) await page.keyboard.press('ArrowDown');
  await page.keyboard.press('Enter');
}

/** Runs a command from the palette by its title, as a user does. */
export async function runCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input.input');
  await page.keyboard.press('F1');
  await input.waitFor();
  await input.fill(`>${title}`);
  await pickRow(page, title);
}

/** Switches the colour theme through the command palette, as a user does, and waits until the panel follows. */
export async function setTheme(page: Page, kind: ThemeKind, panel?: FrameLocator): Promise<void> {
  if ((await themeOf(page)) === kind) return;
  await runCommand(page, 'Preferences: Color Theme');
  await page.locator('.quick-input-widget input.input').fill(THEME_NAMES[kind]);
  await pickRow(page, THEME_NAMES[kind]);
  const deadline = Date.now() + 10_000;
  const want = kind === 'dark' ? /\bvscode-dark\b/ : /\bvscode-light\b/;
  while ((await themeOf(page)) !== kind || (panel && !want.test((await panel.locator('body').getAttribute('class')) ?? ''))) {
    if (Date.now() > deadline) throw new Error(`the theme did not become ${THEME_NAMES[kind]}`);
    await page.waitForTimeout(100);
  }
}

/** Shots of the panel at every width of SWEEP_WIDTHS in both themes; returns the files written. */
export async function shotSweep(page: Page, name: string, opts: SweepOptions = {}): Promise<string[]> {
  const dir = opts.dir ?? SWEEP_DIR;
  mkdirSync(dir, { recursive: true });
  const panel = webviewContent(page);
  const frame = page.locator('iframe.webview.ready').first();
  const startView = page.viewportSize() ?? { width: 1400, height: 900 };
  const startTheme = await themeOf(page);
  const other: ThemeKind = startTheme === 'dark' ? 'light' : 'dark';
  const files: string[] = [];
  // Current theme at each width, then the other theme back down the widths: one theme switch each way.
  const plan = [...SWEEP_WIDTHS.map((w) => [startTheme, w] as const), ...[...SWEEP_WIDTHS].reverse().map((w) => [other, w] as const)];
  try {
    for (const [theme, width] of plan) {
      await setTheme(page, theme, panel);
      const got = await sizeWebview(page, width);
      if (Math.abs(got - width) > 4) throw new Error(`the panel is ${got} px wide, not ${width}`);
      if (opts.scrollTo) await opts.scrollTo(panel).first().scrollIntoViewIfNeeded();
      await page.waitForTimeout(150); // let images and charts redraw at the new width
      const file = join(dir, `${name}-${width}-${theme}.png`);
      await frame.screenshot({ path: file });
      files.push(file);
    }
  } finally {
    await page.setViewportSize(startView);
    await setTheme(page, startTheme, panel).catch(() => undefined);
    await page.waitForTimeout(250);
  }
  return files;
}
