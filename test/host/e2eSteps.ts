// Small steps the end-to-end tests share: a workbench with the extension loaded from source (its
// host console saved to a file), and waiting for a text to appear.
import * as assert from 'node:assert/strict';
import { appendFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import { startFakeComfy, type FakeComfy, type FakeComfyOptions } from '../fakes/comfyServer';
import { REPO_ROOT, startCodeServer, type CodeServer } from './codeServer';
import { extensionHostText, openWorkbench, type Workbench } from './workbench';

/** Opens `folder` with this repository's extension (dist/ must be built), logging its host console to `consoleLog`. */
export function openDevWorkbench(server: CodeServer, folder: string, consoleLog: string): Promise<Workbench> {
  return openWorkbench(server, folder, {
    payload: [
      ['extensionDevelopmentPath', server.remoteUri(REPO_ROOT)],
      ['skipWelcome', 'true'],
    ],
    onConsole: (msg) => {
      void extensionHostText(msg).then((t) => t !== undefined && appendFileSync(consoleLog, `${t}\n`));
    },
  });
}

/** Polls a locator's text until it matches; the error names what was expected and what was seen. */
export async function waitForText(loc: Locator, re: RegExp, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    last = (
      (await loc
        .first()
        .textContent({ timeout: 1000 })
        .catch(() => null)) ?? ''
    ).trim();
    if (re.test(last)) return last;
    if (Date.now() > deadline) assert.fail(`expected text matching ${re}, last saw ${JSON.stringify(last)}`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}

export interface E2eHost {
  comfy: FakeComfy;
  server: CodeServer;
  workspace: string;
  stop(bench?: Workbench): Promise<void>;
}

/** A fresh artifacts folder, the ComfyUI test server, a temp workspace holding `files` (on top of a copy
 * of test/fixtures/workspace when `fixtures` is set; run records land there, never in the repository),
 * and code-server pointed at that server (its log in the artifacts). `stop` closes all of it, the
 * workbench first. */
export async function startE2eHost(
  artifacts: string,
  comfyOptions: FakeComfyOptions,
  files: Record<string, string>,
  opts: { fixtures?: boolean; settings?: Record<string, unknown> } = {},
): Promise<E2eHost> {
  rmSync(artifacts, { recursive: true, force: true });
  mkdirSync(artifacts, { recursive: true });
  const comfy = await startFakeComfy(comfyOptions);
  const workspace = mkdtempSync(join(tmpdir(), 'qp-ws-'));
  if (opts.fixtures) cpSync(join(REPO_ROOT, 'test', 'fixtures', 'workspace'), workspace, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(workspace, name), text);
  const server = await startCodeServer({
    settings: { 'qwenprompt.comfy.url': comfy.url, ...opts.settings },
    onOutput: (line) => appendFileSync(join(artifacts, 'code-server.log'), `${line}\n`),
  });
  return {
    comfy,
    server,
    workspace,
    stop: async (bench) => {
      await bench?.close();
      await server.stop();
      await comfy.close();
      rmSync(workspace, { recursive: true, force: true });
    },
  };
}

/**
 * Resizes the browser window until the (first) webview panel is `width` CSS px wide, keeping the
 * workbench's own layout (side bar, the editor beside the panel). Returns the width reached. At
 * 1400 px the workbench gives a panel opened beside the editor ≈526 px, VS Code's usual default.
 */
export async function sizeWebview(page: Page, width: number): Promise<number> {
  const frame = page.locator('iframe.webview.ready').first();
  const measure = async () => (await frame.boundingBox())?.width ?? 0;
  let got = await measure();
  for (let i = 0; i < 5 && Math.abs(got - width) > 2; i++) {
    const view = page.viewportSize() ?? { width: 1400, height: 900 };
    const before = got;
    // The editor groups share what the window gains; the first try assumes the panel gets half of it.
    await page.setViewportSize({ width: Math.max(400, Math.round(view.width + (width - got) * 2)), height: view.height });
    await page.waitForTimeout(300);
    got = await measure();
    if (got === before) break;
  }
  return got;
}

/** Screenshots into `dir`: the whole workbench (`shot`) and the results panel alone, at its width (`panelShot`). */
export function screenshots(dir: string): {
  shot(page: Page, name: string): Promise<Buffer>;
  panelShot(page: Page, name: string): Promise<Buffer>;
} {
  return {
    shot: (page, name) => page.screenshot({ path: join(dir, `${name}.png`) }),
    panelShot: (page, name) =>
      page
        .locator('iframe.webview.ready')
        .first()
        .screenshot({ path: join(dir, `${name}.png`) }),
  };
}
