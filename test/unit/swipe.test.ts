import { test } from 'node:test';
import assert from 'node:assert/strict';
import { IDENTITY, panBy, zoomAt, type ViewTransform } from '../../webview-ui/view/compare';
import { clipLeftPx, containRect, dividerFraction, dividerX, grabsDivider, onScreen, swipeSpan } from '../../webview-ui/view/swipe';

/** Where B's visible part begins on screen: its clip edge (in its own box) carried through the transform. */
const edgeOnScreen = (clip: number, t: ViewTransform) => t.x + clip * t.scale;

// A square image in a wide viewport: at Fit it is letterboxed, 400 px wide in the middle of 1000.
const VW = 1000;
const VH = 400;
const fit = containRect(1024, 1024, VW, VH);

test('at Fit the slider runs across the image itself, not the empty bands beside it', () => {
  assert.deepEqual(fit, { x: 300, y: 0, w: 400, h: 400 });
  const span = swipeSpan([onScreen(fit, IDENTITY)], VW);
  assert.deepEqual(span, { left: 300, right: 700 });
  // The outer quarters of the slider move the divider over the image (they used to fall in the bands).
  assert.equal(dividerX(0.1, span), 340);
  assert.equal(dividerX(0.9, span), 660);
  assert.equal(dividerX(0, span), 300);
  assert.equal(dividerX(1, span), 700);
});

test('B begins exactly under the divider at every zoom and pan', () => {
  const transforms: ViewTransform[] = [IDENTITY];
  let t: ViewTransform = IDENTITY;
  for (const [f, px, py] of [
    [1.25, 500, 200],
    [1.25, 320, 50],
    [2, 690, 390],
    [4, 100, 300],
  ] as const) {
    t = zoomAt(t, f, px, py);
    transforms.push(t);
    t = panBy(t, -137, 41, VW, VH);
    transforms.push(t);
  }
  for (const tr of transforms) {
    const span = swipeSpan([onScreen(fit, tr)], VW);
    for (const f of [0, 0.1, 0.5, 0.77, 1]) {
      const x = dividerX(f, span);
      assert.ok(x >= 0 && x <= VW, `divider on screen at ${JSON.stringify(tr)}`);
      assert.ok(Math.abs(edgeOnScreen(clipLeftPx(x, tr), tr) - x) < 1e-9, `edge under the divider at ${JSON.stringify(tr)}, f=${f}`);
    }
  }
  // Zoomed in far enough the image covers the viewport: the divider can go anywhere across it.
  const deep = zoomAt(IDENTITY, 4, 500, 200);
  assert.deepEqual(swipeSpan([onScreen(fit, deep)], VW), { left: 0, right: VW });
});

test('the old clip (a share of B’s own box) put the edge elsewhere once zoomed', () => {
  const t = zoomAt(IDENTITY, 2, 200, 200);
  const x = dividerX(0.5, swipeSpan([onScreen(fit, t)], VW));
  // inset(0 0 0 50%) of a 1000-px box, then scaled and moved.
  assert.ok(Math.abs(edgeOnScreen(0.5 * VW, t) - x) > 50);
});

test('dragging within a few px of the divider grabs it, and the drag puts it under the pointer', () => {
  const span = swipeSpan([onScreen(fit, IDENTITY)], VW);
  const x = dividerX(0.5, span);
  assert.equal(grabsDivider(x + 6, x), true);
  assert.equal(grabsDivider(x - 8, x), true);
  assert.equal(grabsDivider(x + 20, x), false);
  assert.equal(dividerX(dividerFraction(420, span), span), 420);
  assert.equal(dividerFraction(10, span), 0, 'past the image: the divider stops at its edge');
  assert.equal(dividerFraction(990, span), 1);
});

test('two images of different shapes: the span covers both', () => {
  const wide = containRect(1600, 900, VW, VH);
  const span = swipeSpan([fit, wide], VW);
  assert.equal(span.left, Math.min(fit.x, wide.x));
  assert.equal(span.right, Math.max(fit.x + fit.w, wide.x + wide.w));
  assert.deepEqual(containRect(0, 0, VW, VH), { x: 0, y: 0, w: VW, h: VH }, 'not loaded yet: the whole box');
});
