// Small steps the end-to-end tests share: a workbench with the extension loaded from source (its
// host console saved to a file), and waiting for a text to appear.
import * as assert from 'node:assert/strict';
import { appendFileSync } from 'node:fs';
import type { Locator } from 'playwright-core';
import { REPO_ROOT, type CodeServer } from './codeServer';
import { extensionHostText, openWorkbench, type Workbench } from './workbench';

/** Opens `folder` with this repository's extension (dist/ must be built), logging its host console to `consoleLog`. */
export function openDevWorkbench(server: CodeServer, folder: string, consoleLog: string): Promise<Workbench> {
  return openWorkbench(server, folder, {
    payload: [['extensionDevelopmentPath', server.remoteUri(REPO_ROOT)], ['skipWelcome', 'true']],
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
    last = ((await loc.first().textContent({ timeout: 1000 }).catch(() => null)) ?? '').trim();
    if (re.test(last)) return last;
    if (Date.now() > deadline) assert.fail(`expected text matching ${re}, last saw ${JSON.stringify(last)}`);
    await new Promise((ok) => setTimeout(ok, 200));
  }
}
