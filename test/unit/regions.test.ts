import { test } from 'node:test';
import assert from 'node:assert/strict';
import { boxFraction, containedRect, isTooSmall } from '../../webview-ui/view/regions';
import { RatingRound } from '../../webview-ui/view/rating';

test('a box dragged over a letterboxed image is kept as fractions of the image itself, clamped inside it', () => {
  // A 1024×512 image shown in a 400×400 element: drawn 400×200, 100 px from the top.
  const image = containedRect({ left: 0, top: 0, width: 400, height: 400 }, { width: 1024, height: 512 });
  assert.deepEqual(image, { left: 0, top: 100, width: 400, height: 200 });
  // Dragged from bottom-right to top-left, starting below the image.
  assert.deepEqual(boxFraction({ x: 300, y: 350 }, { x: 100, y: 150 }, image), { x: 0.25, y: 0.25, w: 0.5, h: 0.75 });
  assert.equal(isTooSmall({ w: 0.005, h: 0.5 }), true, 'a click is not a region');
  assert.equal(isTooSmall({ w: 0.2, h: 0.1 }), false);
});

test('regions drawn while rating go with the vote, each with its criterion and word', () => {
  const round = new RatingRound(['a', 'b']);
  round.score(2);
  round.vote.regions.push({ x: 0.1, y: 0.2, w: 0.3, h: 0.4, criterion: 'structure', word: 'arm seam' });
  round.vote.unrequested = 'Pendant, extra  flower';
  assert.deepEqual(round.toMessages(), [
    {
      cell: 'a',
      scores: { structure: 2 },
      unrequested: ['pendant', 'extra flower'],
      regions: [{ x: 0.1, y: 0.2, w: 0.3, h: 0.4, criterion: 'structure', word: 'arm seam' }],
    },
  ]);
});
