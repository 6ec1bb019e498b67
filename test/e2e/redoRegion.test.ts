// Redo a region in the real workbench: run a small spec against the ComfyUI test server, open an image,
// draw a rectangle on it, run "Redo this region" at fewer steps and see the result beside the original
// with both times; run.json keeps the redo and its files, and the result differs from the original only
// inside the rectangle. Screenshots go to test-artifacts/e2e-redo/.
import * as assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type { FrameLocator, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { REPO_ROOT } from '../host/codeServer';
import { openDevWorkbench, startE2eHost, waitForText, type E2eHost } from '../host/e2eSteps';
import { codeLens, openFileFromExplorer, webviewContent, type Workbench } from '../host/workbench';

const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'e2e-redo');
const SPEC = `# Redone region by region by the e2e test.
name: harbour redo
model: sd-checkpoint
prompt: a harbour at dawn, fishing boats
seed: 42
size: 256x256
steps: [12]
`;

let host: E2eHost | undefined;
let bench: Workbench | undefined;

async function shot(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(ARTIFACTS, `${name}.png`) });
}

function runDir(ws: string, spec: string): string {
  const dir = join(ws, '.qwenprompt-runs', spec);
  return join(dir, readdirSync(dir).sort()[0]);
}

before(async () => {
  host = await startE2eHost(ARTIFACTS, { msPerStep: 30 }, { 'redo.qwenprompt': SPEC });
});

after(async () => {
  await host?.stop(bench);
});

test(
  'draw a rectangle on an image, redo that region at 6 steps, see the result beside the original with both times',
  { timeout: 200_000 },
  async () => {
    assert.ok(host);
    const ws = host.workspace;
    bench = await openDevWorkbench(host.server, ws, join(ARTIFACTS, 'extension-host.log'));
    const { page } = bench;
    await openFileFromExplorer(page, 'redo.qwenprompt');
    const lens = codeLens(page, '▶ 12 steps').first();
    await lens.waitFor({ timeout: 30_000 });
    await lens.click();
    const panel: FrameLocator = webviewContent(page);
    await waitForText(panel.locator('[data-testid="run-status"]'), /^Complete$/, 90_000);
    await panel.locator('[data-testid="cell"][data-state="done"] button.thumb').first().click();
    await panel.locator('[data-testid="redo-open"]').click();
    const canvas = panel.locator('[data-testid="redo-canvas"]');
    await canvas.waitFor();
    await page.waitForTimeout(300);
    const box = await canvas.boundingBox();
    assert.ok(box, 'the drawing layer has a box');
    // A rectangle over the middle-left of the image: image pixels 64..160 × 32..128 of 256.
    await page.mouse.move(box.x + box.width * 0.25, box.y + box.height * 0.125);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.3, { steps: 4 });
    await page.mouse.move(box.x + box.width * 0.625, box.y + box.height * 0.5, { steps: 4 });
    await page.mouse.up();
    await shot(page, '01-region-drawn');
    await panel.locator('[data-testid="redo-steps"]').fill('6');
    await panel.locator('[data-testid="redo-run"]').click();
    const caption = await waitForText(
      panel.locator('[data-testid="redo-result-caption"]'),
      /^Region redone at 6 steps · .+ · the full run took .+/,
      60_000,
    );
    assert.match(caption, /\d+(\.\d)? (ms|s)/);
    await panel.locator('[data-testid="redo-result"]').evaluate((img) => (img as unknown as { decode(): Promise<void> }).decode());
    await shot(page, '02-region-redone');

    const dir = runDir(ws, 'harbour-redo');
    const record = JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8'));
    assert.equal(record.redos.length, 1);
    const redo = record.redos[0];
    assert.equal(redo.steps, 6);
    assert.equal(redo.cell, record.cells[0].key);
    assert.ok(redo.timings.executionMs > 0 && redo.fullMs > 0);
    assert.ok(existsSync(join(dir, redo.mask)) && existsSync(join(dir, redo.image.file)));
    assert.ok(Object.values(redo.graph as Record<string, { class_type: string }>).some((n) => n.class_type === 'SetLatentNoiseMask'));
    // The region the rectangle covers, in image pixels; the result equals the original outside it.
    const { x, y, width, height } = redo.region;
    assert.ok(
      Math.abs(x - 64) <= 3 && Math.abs(y - 32) <= 3 && Math.abs(width - 96) <= 4 && Math.abs(height - 96) <= 4,
      JSON.stringify(redo.region),
    );
    const a = PNG.sync.read(readFileSync(join(dir, record.cells[0].images[0].file)));
    const b = PNG.sync.read(readFileSync(join(dir, redo.image.file)));
    let changedInside = 0;
    for (let py = 0; py < a.height; py++)
      for (let px = 0; px < a.width; px++) {
        const i = (py * a.width + px) * 4;
        const same = [0, 1, 2].every((c) => a.data[i + c] === b.data[i + c]);
        const inside = px >= x && px < x + width && py >= y && py < y + height;
        if (inside) changedInside += same ? 0 : 1;
        else assert.ok(same, `pixel ${px},${py} outside the region changed`);
      }
    assert.ok(changedInside > width * height * 0.8, `${changedInside} of ${width * height} pixels redrawn`);
    // The server got the image and the mask through ComfyUI's own upload routes.
    const uploads = host.comfy.requests.filter((r) => r.path.startsWith('/upload/')).map((r) => r.path);
    assert.deepEqual(uploads, ['/upload/image', '/upload/mask']);

    // A brush stroke at the large size (radius 1/20 of the width: 12.8 px of 256) across the lower part.
    await panel.locator('[data-testid="redo-tool-brush"]').click();
    await panel.locator('[data-testid="redo-brush-l"]').click();
    await panel.locator('.redo-tools button', { hasText: 'Clear' }).click();
    // Measured again: the result beside the image moves the drawing layer.
    const box2 = (await canvas.boundingBox())!;
    await page.mouse.move(box2.x + box2.width * 0.2, box2.y + box2.height * 0.75);
    await page.mouse.down();
    await page.mouse.move(box2.x + box2.width * 0.6, box2.y + box2.height * 0.75, { steps: 3 });
    await page.mouse.up();
    await shot(page, '03-brush-large-drawn');
    await panel.locator('[data-testid="redo-run"]').click();
    const redos = () => JSON.parse(readFileSync(join(dir, 'run.json'), 'utf8')).redos;
    for (let waited = 0; redos().length < 2; waited += 200) {
      assert.ok(waited < 60_000, 'the brush redo lands in run.json');
      await page.waitForTimeout(200);
    }
    await waitForText(panel.locator('[data-testid="redo-status"]'), /^Done\.$/, 30_000);
    await shot(page, '04-brush-redone');
    const brushed = redos()[1].region;
    // A stroke 0.4 of the width long and one brush wide: no gaps between the dabs of a fast stroke.
    assert.ok(Math.abs(brushed.height - 25.6) <= 3, `one large brush wide: ${JSON.stringify(brushed)}`);
    assert.ok(Math.abs(brushed.width - (0.4 * 256 + 25.6)) <= 4, JSON.stringify(brushed));
    assert.ok(Math.abs(brushed.y + brushed.height / 2 - 192) <= 3, JSON.stringify(brushed));
    await page.keyboard.press('Escape');
  },
);
