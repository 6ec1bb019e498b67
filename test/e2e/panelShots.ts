// Screenshots of the results panel at the widths and themes users see it in: 526 px (the default panel
// beside an editor) and 1200 px, light and dark. The panel's width is set by resizing the window until
// the webview's frame measures it; the theme with the palette's light/dark toggle.
import { join } from 'node:path';
import type { Page } from 'playwright-core';

export const WIDTHS = [526, 1200] as const;
export const THEMES = ['dark', 'light'] as const;
export type Theme = (typeof THEMES)[number];

/** Switches the workbench (and so every webview) to a light or dark theme ("Toggle between Light/Dark Themes")
 * and waits until it shows. Focus moves to the first editor: the palette opens from there. */
export async function setTheme(page: Page, theme: Theme): Promise<void> {
  const shown = page.locator(theme === 'dark' ? '.monaco-workbench.vs-dark' : '.monaco-workbench.vs');
  if (await shown.count()) return;
  await page.locator('.monaco-editor .view-lines').first().click();
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ timeout: 10_000 });
  await input.fill('>Toggle between Light/Dark Themes');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Toggle between Light/Dark Themes' }).first().click();
  await shown.waitFor({ timeout: 20_000 });
  await page.waitForTimeout(500);
}

/** Resizes the window until the (visible) results webview is `width` px wide, ±2. */
export async function setPanelWidth(page: Page, width: number): Promise<void> {
  const frame = page.locator('iframe.webview.ready').first();
  for (let i = 0; i < 4; i++) {
    const box = await frame.boundingBox();
    const size = page.viewportSize() ?? { width: 1400, height: 900 };
    if (!box) throw new Error('no results webview to measure');
    if (Math.abs(box.width - width) <= 2) return;
    // Two editor groups share the window: the panel grows by about half of what the window does.
    const grow = Math.round((width - box.width) * 2);
    await page.setViewportSize({ width: Math.max(700, size.width + grow), height: size.height });
    await page.waitForTimeout(300);
  }
}

/** The four screenshots of one state of the panel (its editor group only): `<name>-<width>-<theme>.png` in `dir`; ends light, as code-server begins. */
export async function shotSweep(page: Page, dir: string, name: string): Promise<string[]> {
  const files: string[] = [];
  const start = page.viewportSize();
  for (const theme of THEMES) {
    await setTheme(page, theme);
    for (const width of WIDTHS) {
      await setPanelWidth(page, width);
      const file = join(dir, `${name}-${width}-${theme}.png`);
      // The panel's editor group, its tabs included: at 1200 px the whole window would be too wide to read.
      const box = await page.locator('iframe.webview.ready').first().boundingBox();
      const height = page.viewportSize()?.height ?? 900;
      await page.screenshot({ path: file, ...(box ? { clip: { x: Math.max(0, box.x - 8), y: 0, width: box.width + 16, height } } : {}) });
      files.push(file);
    }
  }
  await setTheme(page, 'light');
  if (start) await page.setViewportSize(start);
  return files;
}
