// End to end: a spec with two variants run from its "▶ All variants" lens against the ComfyUI test
// server, then the panel's quality-against-one-reference section: the sentence per setting, the
// recommendation and the cost–quality chart. Screenshots go to test-artifacts/e2e-variants/.
import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { REPO_ROOT } from '../host/codeServer';
import { openDevWorkbench, startE2eHost, type E2eHost } from '../host/e2eSteps';
import { codeLens, languageStatus, openFileFromExplorer, webviewContent, type Workbench } from '../host/workbench';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e-variants');
const SPEC_FILE = 'levers.qwenprompt';
const SPEC = `name: levers
model: qwen-image-2512
prompt: a lighthouse on a cliff at dusk
seed: 4242
size: 256x256
repeats: 2
variants:
  - name: base
    steps: [30, 40]
    cfg: 4
  - name: lightning-8
    models:
      lora: Qwen-Image-Lightning-8steps-V1.0.safetensors
    steps: [8]
    cfg: 1
`;

let host: E2eHost | undefined;
let bench: Workbench | undefined;

const shot = (page: Page, name: string) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });

before(async () => {
  host = await startE2eHost(ARTIFACTS, { msPerStep: 25 }, { [SPEC_FILE]: SPEC }, { fixtures: true });
});

after(async () => {
  await host?.stop(bench);
});

test('▶ All variants runs both; the panel scores every setting against base-40 and says it in words', { timeout: 240_000 }, async () => {
  assert.ok(host);
  bench = await openDevWorkbench(host.server, host.workspace, join(ARTIFACTS, 'extension-host.log'));
  const { page } = bench;
  try {
    await openFileFromExplorer(page, SPEC_FILE);
    await languageStatus(page).first().waitFor({ timeout: 15_000 });
    await codeLens(page, '▶ base').first().waitFor({ timeout: 30_000 });
    await codeLens(page, '▶ lightning-8').first().waitFor({ timeout: 5_000 });
    await codeLens(page, '▶ All variants').first().click();

    const panel = webviewContent(page);
    const sentences = panel.locator('[data-testid="reference-sentences"] li');
    await sentences.first().waitFor({ timeout: 150_000 });
    const texts = await sentences.allTextContents();
    assert.equal(texts.length, 2, texts.join(' | '));
    assert.match(texts[0], /^base-30 reaches 0\.\d\d of base-40 at \d+ % of the time$/);
    assert.match(texts[1], /^lightning-8 reaches 0\.\d\d of base-40 at \d+(\.\d)? % of the time$/);
    const heading = await panel.locator('[data-testid="convergence"] h2').textContent();
    assert.equal(heading, 'Quality against base-40');
    // The decision table in place of the "Recommended:" line: every scenario names a setting or says why not.
    const decision = panel.locator('[data-testid="decision-table"] tbody tr');
    assert.deepEqual(await decision.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-scenario'))), [
      'explore',
      'everyday',
      'final',
    ]);
    assert.equal(await panel.locator('[data-testid="recommendation"]').count(), 0);

    const chart = panel.locator('[data-testid="cost-quality-chart"]');
    assert.equal(await chart.locator('g.series').count(), 2, 'one line per variant');
    assert.equal(await chart.locator('circle.dot').count(), 3, 'one point per setting');
    assert.equal(await chart.locator('circle.dot.reference').count(), 1);

    const scores = await panel.locator('[data-testid="cell-score"]').allTextContents();
    assert.equal(scores.filter((t) => t === 'reference').length, 2, 'base-40 of each seed is the reference');
    await shot(page, '01-variants-grid');
    await panel.locator('[data-testid="convergence"]').scrollIntoViewIfNeeded();
    await shot(page, '02-reference');
    await panel.locator('[data-testid="convergence"]').screenshot({ path: join(ARTIFACTS, '03-reference-section.png') });
  } catch (e) {
    await shot(page, 'failure').catch(() => undefined);
    throw e;
  }
});
