// Opens a code-server workbench in Debian's chromium, headless, through playwright-core (which never
// downloads a browser of its own here). Selectors below are VS Code 1.100's own DOM.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { chromium, type BrowserContext, type ConsoleMessage, type FrameLocator, type Locator, type Page } from 'playwright-core';
import type { CodeServer } from './codeServer';

export const CHROMIUM_PATH = process.env.QWENPROMPT_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS: readonly string[] = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-breakpad',
  '--disable-crash-reporter',
];

export interface OpenWorkbenchOptions {
  /** VS Code `payload` entries, e.g. extensionDevelopmentPath / extensionTestsPath as remote URIs. */
  payload?: ReadonlyArray<readonly [string, string]>;
  /** Called before navigation, e.g. to `page.exposeFunction('codeAutomationExit', ...)`. */
  beforeGoto?: (page: Page) => Promise<unknown>;
  onConsole?: (msg: ConsoleMessage) => void;
  viewport?: { width: number; height: number };
  /** Wait for the explorer to list the folder (default true; an in-host test run needs no UI). */
  waitForExplorer?: boolean;
  timeoutMs?: number;
}

export interface Workbench {
  readonly page: Page;
  readonly context: BrowserContext;
  close(): Promise<void>;
}

/** Checks the browser exists before anything starts, with the fix in the message. */
export function assertChromium(): void {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`${CHROMIUM_PATH} not found. Run \`npm run setup:host\` (apt-get install chromium).`);
  }
}

/** Opens `folder` in the server's workbench and waits until the workbench (and explorer) is up. */
export async function openWorkbench(server: CodeServer, folder: string, opts: OpenWorkbenchOptions = {}): Promise<Workbench> {
  assertChromium();
  const profile = join(server.runDir, 'chromium');
  mkdirSync(profile, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM_PATH,
    args: [...CHROMIUM_ARGS],
    headless: true,
    // The server's env keeps chromium's ~/.config, ~/.cache and sockets inside the run folder.
    env: server.env as Record<string, string>,
    viewport: opts.viewport ?? { width: 1400, height: 900 },
    timeout: 30_000,
  });
  const close = async (): Promise<void> => {
    await context.close().catch(() => undefined);
  };
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    if (opts.onConsole) page.on('console', opts.onConsole);
    if (opts.beforeGoto) await opts.beforeGoto(page);
    const timeout = opts.timeoutMs ?? 60_000;
    await page.goto(server.workbenchUrl(folder, opts.payload), { timeout });
    await page.locator('.monaco-workbench').waitFor({ timeout });
    if (opts.waitForExplorer ?? true) {
      await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout });
    }
    return { page, context, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Opens a file from the explorer by its name and waits for its editor tab. */
export async function openFileFromExplorer(page: Page, name: string): Promise<void> {
  await page.getByRole('treeitem', { name }).first().click();
  await page.locator('.tabs-container .tab', { hasText: name }).first().waitFor();
  await page.locator('.monaco-editor .view-lines').first().waitFor();
}

/** The language mode shown in the status bar for the active editor (e.g. "QwenPrompt"). */
export function languageStatus(page: Page): Locator {
  return page.locator('#status\\.editor\\.mode');
}

/** A CodeLens in the active editor, by its text (lenses appear ≈2.5 s after the editor, debounced). */
export function codeLens(page: Page, text: string | RegExp): Locator {
  return page.locator('.monaco-editor .codelens-decoration a', { hasText: text });
}

/** The content of a webview panel: VS Code puts it two iframes deep. */
export function webviewContent(page: Page, title?: string): FrameLocator {
  const outer = title ? page.locator(`iframe.webview.ready[title="${title}"]`) : page.locator('iframe.webview.ready');
  return outer.first().contentFrame().frameLocator('iframe#active-frame');
}

/** The workbench's own chatter, which arrives in the same shape as the extension host's console. */
const WORKBENCH_NOISE: readonly RegExp[] = [
  /^Resolv(ing|ed) connection token/,
  /^Creating a socket \(renderer-/,
  /^Updating additional builtin extensions cache/,
  /^\[Service Worker\]/,
  /^ChatSessionStore:/,
  /ENOTFOUND open-vsx\.org/, // the marketplace is unreachable offline, and no test needs it
];

/**
 * Turns an extension-host console message into plain text, or undefined for anything else. The
 * host's `console.*` reaches the page as `('%c INFO', 'color: #33f', fmt, ...args)` (or `%c  ERR`,
 * `%c WARN`), the same shape as the workbench's own log, hence the noise list.
 */
export async function extensionHostText(msg: ConsoleMessage): Promise<string | undefined> {
  const args = await Promise.all(msg.args().map((a) => a.jsonValue().catch(() => String(a))));
  const first = args[0];
  if (typeof first !== 'string' || !/^%c\s*(INFO|WARN|ERR|DEBUG|TRACE)\b/.test(first)) return undefined;
  const text = format(...(args.slice(2) as unknown[]));
  return WORKBENCH_NOISE.some((re) => re.test(text)) ? undefined : text;
}
