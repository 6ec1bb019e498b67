import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adherenceOf, promptElements } from '../../src/shared/adherence';
import type { Rating } from '../../src/shared/runRecord';

// The study's prompt, as its spec holds it: five phrases.
const STUDY_PROMPT =
  'A photorealistic portrait of a young East Asian woman wearing a light blue linen shirt, standing in front of a sunlit bamboo forest, soft focus background, Fujifilm XT4, 85mm f/1.2';

test('a prompt asks for one element per phrase; a period inside a number does not split', () => {
  assert.equal(promptElements(STUDY_PROMPT), 5);
  assert.equal(promptElements('A lighthouse on a cliff at dusk. Storm clouds; gulls'), 3);
  assert.equal(promptElements(''), 1, 'never zero: the formula divides by it');
});

/** One vote per (rater, image) with these many unrequested and missing elements. */
function votes(counts: [unrequested: number, missing: number][]): Rating[] {
  return counts.map(([u, m], i) => ({
    cell: `c${i % 3}`,
    image: `c${i % 3}.png`,
    rater: ['ana', 'ben', 'chloe'][Math.floor(i / 3)],
    scores: { adherence: 3 },
    at: '2026-12-01T10:00:00Z',
    ...(u ? { unrequested: Array.from({ length: u }, (_, k) => `extra ${k}`) } : {}),
    ...(m ? { missing: Array.from({ length: m }, (_, k) => `gone ${k}`) } : {}),
  }));
}

test('worked example: 3 raters × 3 images per setting, an 8-element prompt, give the study’s 62 % / 89 % / 97 %', () => {
  // 20 steps: 30 unrequested and 9 missing in 9 votes → (72 − 9) / (72 + 30) = 63 / 102.
  const s20 = adherenceOf(
    votes([
      [4, 1],
      [3, 1],
      [3, 1],
      [4, 1],
      [3, 1],
      [3, 1],
      [4, 1],
      [3, 1],
      [3, 1],
    ]),
    8,
  )!;
  assert.equal(s20.shown, 63);
  assert.equal(s20.counted, 102);
  assert.equal(Math.round(s20.percent), 62);
  // 40 steps: 7 unrequested, 2 missing → 70 / 79.
  const s40 = adherenceOf(
    votes([
      [1, 0],
      [1, 1],
      [1, 0],
      [1, 0],
      [1, 0],
      [0, 1],
      [1, 0],
      [1, 0],
      [0, 0],
    ]),
    8,
  )!;
  assert.deepEqual([s40.shown, s40.counted, Math.round(s40.percent)], [70, 79, 89]);
  // 60 steps: 2 unrequested, nothing missing → 72 / 74.
  const s60 = adherenceOf(
    votes([
      [1, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [1, 0],
      [0, 0],
      [0, 0],
      [0, 0],
      [0, 0],
    ]),
    8,
  )!;
  assert.deepEqual([s60.shown, s60.counted, Math.round(s60.percent)], [72, 74, 97]);
  // The share of clean images could not say this: 7 of 9 is 78 %, and it moves in steps of 11 %.
  assert.equal(s60.clean, 7);
  assert.equal(s60.addedPerImage, 2 / 9);
});

test('votes that did not check adherence are left out; more missing elements than the prompt has count as none shown', () => {
  const skipped: Rating = { cell: 'c0', image: 'c0.png', scores: { structure: 4 }, at: '2026-12-01T10:00:00Z' };
  assert.equal(adherenceOf([skipped], 5), undefined);
  const a = adherenceOf([skipped, ...votes([[0, 9]])], 5)!;
  assert.deepEqual([a.checked, a.shown, a.counted, a.percent], [1, 0, 5, 0]);
});
