// The results panel is safe against what a spec or a server puts in it: a spec whose name, prompt and
// negative carry markup and script (<img onerror>, </script>, javascript: links) is run from its lens
// in a real workbench; inside the webview the text shows literally and no payload ran (each would
// set document.title or a global), and the panel's CSP has a nonce and no remote source.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../host/codeServer';
import { openDevWorkbench, startE2eHost, waitForText } from '../host/e2eSteps';
import { codeLens, languageStatus, openFileFromExplorer, webviewContent, type Workbench } from '../host/workbench';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e-security');
// Each payload would write "PWN" (built from char codes, so the literal text never contains it).
const NAME = `<img src=x onerror="document.title=String.fromCharCode(80,87,78);window.__pwned='name'"> </script><script>window.__pwned='script'</script>`;
const PROMPT = `a cat <a href="javascript:window.__pwned='link'">click</a> <svg onload="window.__pwned='svg'"></svg>`;
const SPEC = [
  `name: '${NAME.replace(/'/g, "''")}'`,
  'model: qwen-image-2512',
  `prompt: '${PROMPT.replace(/'/g, "''")}'`,
  `negative: '<iframe src="javascript:parent.__pwned=1"></iframe>'`,
  'size: 64x64',
  'steps: [2]',
  'repeats: 1',
  '',
].join('\n');

let host: Awaited<ReturnType<typeof startE2eHost>> | undefined;
let bench: Workbench | undefined;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

before(async () => {
  host = await startE2eHost(ARTIFACTS, { msPerStep: 20 }, { 'hostile.qwenprompt': SPEC });
});

after(async () => {
  await host?.stop(bench);
});

test('markup and script in a spec show as text in the panel and run nothing; the CSP has a nonce and no remote source', { timeout: 240_000 }, async () => {
  assert.ok(host);
  bench = await openDevWorkbench(host.server, host.workspace, join(ARTIFACTS, 'extension-host.log'));
  const { page } = bench;
  try {
    await openFileFromExplorer(page, 'hostile.qwenprompt');
    await waitForText(languageStatus(page), /QwenPrompt/i, 15_000);
    const lens = codeLens(page, '▶ 2 steps').first();
    await lens.waitFor({ timeout: 30_000 });
    await lens.click();

    const panel = webviewContent(page);
    await panel.locator('[data-testid="cell"][data-state="done"]').first().waitFor({ timeout: 90_000 });
    await shot(page, 'hostile-spec-done');

    // The name is shown as the text it is, and became no element.
    const body = (await panel.locator('body').textContent()) ?? '';
    assert.ok(body.includes('<img src=x onerror='), `the name shows literally: ${body.slice(0, 300)}`);
    for (const sel of ['img[src="x"]', 'svg[onload]', 'a[href^="javascript:"]', 'iframe', '[onerror]', '[onload]']) {
      assert.equal(await panel.locator(sel).count(), 0, `no injected ${sel}`);
    }
    // VS Code adds scripts of its own to the frame; none of them may be the spec's.
    const scriptTexts = await panel.locator('script').allTextContents();
    assert.ok(!scriptTexts.some((t) => t.includes('__pwned')), 'no injected <script>');

    const inner = await panel.locator('html').evaluate(() => {
      const w = globalThis as unknown as { __pwned?: unknown; document: { title: string; querySelector(s: string): { getAttribute(n: string): string | null } | null } };
      return {
        pwned: w.__pwned,
        title: w.document.title,
        csp: w.document.querySelector('meta[http-equiv="Content-Security-Policy"]')?.getAttribute('content') ?? '',
      };
    });
    assert.equal(inner.pwned, undefined, 'no payload ran in the webview');
    assert.ok(!inner.title.includes('PWN'), `the webview title is untouched: ${inner.title}`);
    assert.ok(!(await page.title()).includes('PWN'), 'the workbench title is untouched');
    assert.equal(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned), undefined, 'nothing ran in the workbench');

    const directives = new Map(inner.csp.split(';').map((d) => d.trim().split(/\s+/)).filter((d) => d[0]).map(([k, ...v]) => [k, v]));
    assert.deepEqual(directives.get('default-src'), ["'none'"], inner.csp);
    const scripts = directives.get('script-src') ?? [];
    assert.ok(scripts.length === 1 && /^'nonce-[A-Za-z0-9+/=]{16,}'$/.test(scripts[0]), `script-src is one nonce: ${inner.csp}`);
    assert.ok(!directives.has('connect-src'), 'no connect-src');
    assert.ok(!/127\.0\.0\.1|localhost|\bhttp:|'unsafe-inline'|'unsafe-eval'|(^|\s)\*(\s|;|$)/.test(inner.csp), `no remote or unsafe source: ${inner.csp}`);
    await shot(page, 'hostile-spec-checked');
  } catch (e) {
    await shot(page, 'failure').catch(() => undefined);
    throw e;
  }
});
