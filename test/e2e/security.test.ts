// The results panel is safe against what a spec or a server puts in it: a spec whose name, prompt and
// negative carry markup and script (<img onerror>, </script>, javascript: links) is run from its lens
// in a real workbench; inside the webview the text shows literally and no payload ran (each would
// set document.title or a global), and the panel's CSP has a nonce and no remote source. A server
// whose execution error and image names carry markup and `../` gets the same treatment, and its
// names never reach the disk. An interrupted run is finished from the panel's "↻ Resume" button.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../host/codeServer';
import { openDevWorkbench, startE2eHost, waitForText } from '../host/e2eSteps';
import { codeLens, languageStatus, openFileFromExplorer, webviewContent, type Workbench } from '../host/workbench';
import type { RunRecord } from '../../src/shared/runRecord';

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

// What a hostile server sends back: an execution error and an image name with markup, script and `../`.
const SERVER_ERROR = `<img src=x onerror="window.__pwned='error'"></script><script>window.__pwned='error-script'</script>`;
const SERVER_IMAGE = { filename: `../../<img src=x onerror="window.__pwned='file'">.png`, subfolder: '../../../<b>up</b>' };
const SERVER_SPEC = [
  'name: server says',
  'model: qwen-image-2512',
  'prompt: a lighthouse',
  'size: 64x64',
  'steps: [2]',
  'repeats: 1',
  'sweep:',
  '  VAELoader.vae_name: [qwen_image_vae.safetensors, broken__fail__.safetensors]',
  '',
].join('\n');
// Two images; ComfyUI restarts once the first is in, so the second is lost until resumed.
const RESUME_SPEC = [
  'name: resume me',
  'model: qwen-image-2512',
  'prompt: a harbour',
  'size: 64x64',
  'steps: [2, 600]',
  'repeats: 1',
  '',
].join('\n');

let host: Awaited<ReturnType<typeof startE2eHost>> | undefined;
let bench: Workbench | undefined;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

before(async () => {
  host = await startE2eHost(
    ARTIFACTS,
    { msPerStep: 20 },
    {
      'hostile.qwenprompt': SPEC,
      'server.qwenprompt': SERVER_SPEC,
      'resume.qwenprompt': RESUME_SPEC,
    },
  );
});

after(async () => {
  await host?.stop(bench);
});

test(
  'markup and script in a spec show as text in the panel and run nothing; the CSP has a nonce and no remote source',
  { timeout: 240_000 },
  async () => {
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
        const w = globalThis as unknown as {
          __pwned?: unknown;
          document: { title: string; querySelector(s: string): { getAttribute(n: string): string | null } | null };
        };
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

      const directives = new Map(
        inner.csp
          .split(';')
          .map((d) => d.trim().split(/\s+/))
          .filter((d) => d[0])
          .map(([k, ...v]) => [k, v]),
      );
      assert.deepEqual(directives.get('default-src'), ["'none'"], inner.csp);
      const scripts = directives.get('script-src') ?? [];
      assert.ok(scripts.length === 1 && /^'nonce-[A-Za-z0-9+/=]{16,}'$/.test(scripts[0]), `script-src is one nonce: ${inner.csp}`);
      assert.ok(!directives.has('connect-src'), 'no connect-src');
      assert.ok(
        !/127\.0\.0\.1|localhost|\bhttp:|'unsafe-inline'|'unsafe-eval'|(^|\s)\*(\s|;|$)/.test(inner.csp),
        `no remote or unsafe source: ${inner.csp}`,
      );
      // The long unbroken name wraps inside the header instead of running off the panel's edge.
      const name = panel.locator('[data-testid="run-name"]');
      assert.equal(await name.getAttribute('title'), NAME, 'the whole name is in the tooltip');
      const overflow = await name.evaluate((el) => el.getBoundingClientRect().right - el.ownerDocument.documentElement.clientWidth);
      assert.ok(overflow <= 0, `the name ends inside the panel (${overflow} px past its edge)`);
      await shot(page, 'hostile-spec-checked');
    } catch (e) {
      await shot(page, 'failure').catch(() => undefined);
      throw e;
    }
  },
);

/** Files under `dir`, relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)));
}

/** The run folders of the spec called `name` in the workspace, with their records. */
function runsOf(name: string): { dir: string; record: RunRecord }[] {
  assert.ok(host);
  const root = join(host.workspace, '.qwenprompt-runs');
  if (!existsSync(root)) return [];
  return filesUnder(root)
    .filter((f) => f.endsWith('run.json'))
    .map((f) => ({ dir: join(root, f, '..'), record: JSON.parse(readFileSync(join(root, f), 'utf8')) as RunRecord }))
    .filter((r) => r.record.spec.name === name);
}

/** Opens `file`, clicks its lens `lensText` and returns the panel of the run of the spec called `name`
 * (earlier panels in the same group are hidden and their frames go). */
async function runFromLens(page: Page, file: string, lensText: string, name: string) {
  await openFileFromExplorer(page, file);
  const lens = codeLens(page, lensText).first();
  await lens.waitFor({ timeout: 30_000 });
  await lens.click();
  const panel = webviewContent(page);
  await panel.locator(`[data-testid="run-name"][title="${name}"]`).waitFor({ timeout: 90_000 });
  return panel;
}

test(
  'a server whose error and image names carry markup and ../ shows them as text and writes only our own names',
  { timeout: 240_000 },
  async () => {
    assert.ok(host && bench);
    const { page } = bench;
    host.comfy.faults.failMessage = SERVER_ERROR;
    host.comfy.faults.imageName = SERVER_IMAGE;
    try {
      const panel = await runFromLens(page, 'server.qwenprompt', '▶ Sweep', 'server says');
      const failed = panel.locator('[data-testid="cell"][data-state="failed"]');
      await failed.waitFor({ timeout: 90_000 });
      await panel.locator('[data-testid="cell"][data-state="done"]').waitFor({ timeout: 90_000 });
      await shot(page, 'hostile-server');

      // The server's error is shown as the text it is, in the failed cell, and became no element.
      const text = (await failed.textContent()) ?? '';
      assert.ok(
        text.includes(`onerror="window.__pwned='error'"`) && text.includes('</script><script>'),
        `the error shows literally: ${text}`,
      );
      for (const sel of ['img[src="x"]', '[onerror]', 'b:has-text("up")'])
        assert.equal(await panel.locator(sel).count(), 0, `no injected ${sel}`);
      assert.ok(!(await panel.locator('script').allTextContents()).some((t) => t.includes('__pwned')), 'no injected <script>');
      assert.equal(await panel.locator('html').evaluate(() => (globalThis as { __pwned?: unknown }).__pwned), undefined, 'no payload ran');
      assert.equal(await page.evaluate(() => (globalThis as { __pwned?: unknown }).__pwned), undefined, 'nothing ran in the workbench');
      // The image shown is the one saved under the client's own name.
      const src = (await panel.locator('img[data-testid="cell-image"]').first().getAttribute('src')) ?? '';
      assert.ok(!/%3C|<|\.\./i.test(decodeURIComponent(src).split('/').pop() ?? ''), `the image URL names our file: ${src}`);

      // On disk: only run.json and images under names the client made, inside the run folder; none of the server's.
      const [run] = runsOf('server says');
      assert.ok(run, 'the run has a folder');
      const bad = run.record.cells.find((c) => c.status !== 'success');
      assert.equal(
        run.record.cells.length - 1,
        run.record.cells.filter((c) => c.status === 'success').length,
        'one image made, one failed',
      );
      assert.ok(bad?.error?.includes(SERVER_ERROR), `the record keeps the server's words as data: ${bad?.error}`);
      const images = run.record.cells.flatMap((c) => c.images.map((i) => i.file));
      assert.equal(images.length, 1);
      for (const f of images) assert.match(f, /^[A-Za-z0-9._-]+\.png$/, 'a safe name of the client');
      assert.deepEqual(filesUnder(run.dir).sort(), [...images, 'run.json'].sort(), 'nothing else in the run folder');
      // (The first test's spec id is a slug of its hostile name, so the test is for the characters only a raw name has.)
      const stray = filesUnder(host.workspace).filter((f) => /[<>"'=]/.test(f));
      assert.deepEqual(stray, [], 'no file named by the server anywhere in the workspace');
      assert.deepEqual(
        readdirSync(join(host.workspace, '..')).filter((f) => /[<>"'=]/.test(f)),
        [],
        'nor beside it',
      );
    } catch (e) {
      await shot(page, 'failure-server').catch(() => undefined);
      throw e;
    } finally {
      host.comfy.faults.failMessage = undefined;
      host.comfy.faults.imageName = undefined;
    }
  },
);

test(
  'an interrupted run is finished from the panel: "↻ Resume" makes only the missing image, and the panel follows it',
  { timeout: 240_000 },
  async () => {
    assert.ok(host && bench);
    const { page } = bench;
    const comfy = host.comfy;
    try {
      const panel = await runFromLens(page, 'resume.qwenprompt', '▶ All', 'resume me');
      // ComfyUI restarts while the 600-step image is being made (12 s at 20 ms a step, room enough for a slow
      // machine to see the first image first): it is lost.
      await panel.locator('[data-testid="cell"][data-state="done"]').first().waitFor({ timeout: 90_000 });
      await comfy.restart();
      const resume = panel.locator('[data-testid="resume"]');
      await waitForText(resume, /^↻ Resume \(1 missing\)$/, 90_000);
      await shot(page, 'resume-offered');
      const [before] = runsOf('resume me');
      assert.ok(before);
      assert.notEqual(before.record.status, 'complete');
      const kept = before.record.cells.find((c) => c.status === 'success');
      assert.ok(kept, 'the first image was kept');
      const posts = () => comfy.requests.filter((r) => r.method === 'POST' && r.path === '/prompt').length;
      const postsBefore = posts();

      await resume.click();
      // The panel follows the resumed run live: running (Cancel instead of Resume), then complete.
      await waitForText(panel.locator('[data-testid="run-status"]'), /^Running$/, 60_000);
      assert.equal(await resume.count(), 0, 'no Resume button while it runs');
      await shot(page, 'resume-running');
      await waitForText(panel.locator('[data-testid="run-status"]'), /^Complete$/, 90_000);
      assert.equal(await panel.locator('[data-testid="cell"][data-state="done"]').count(), 2, 'both images shown');
      assert.equal(await panel.locator('[data-testid="resume"]').count(), 0, 'nothing left to resume');
      await shot(page, 'resume-done');

      assert.equal(posts() - postsBefore, 1, 'only the missing image was made');
      const runs = runsOf('resume me');
      assert.equal(runs.length, 1, 'into the same folder');
      assert.equal(runs[0].record.status, 'complete');
      assert.deepEqual(runs[0].record.cells.find((c) => c.key === kept.key)?.images, kept.images, 'the kept image is untouched');
      assert.ok(runs[0].record.cells.every((c) => c.images.length === 1 && existsSync(join(runs[0].dir, c.images[0].file))));
    } catch (e) {
      await shot(page, 'failure-resume').catch(() => undefined);
      throw e;
    }
  },
);
