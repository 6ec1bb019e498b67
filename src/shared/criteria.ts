// The four criteria a reviewer scores each image on: one list for the panel's rating round, the
// host's check of a vote and the exported tables.

/** In the order a reviewer is asked them. */
export const CRITERIA = ['structure', 'texture', 'colour', 'adherence'] as const;
export type Criterion = (typeof CRITERIA)[number];

/** What the panel and the tables call each criterion, and what the panel hints it means. */
export const CRITERION_TEXT: Readonly<Record<Criterion, { label: string; hint: string }>> = {
  structure: { label: 'Structure', hint: 'limbs, hands, perspective' },
  texture: { label: 'Texture', hint: 'fabric, skin, leaves' },
  colour: { label: 'Colour fidelity', hint: 'true, not washed out or oversaturated' },
  adherence: { label: 'Prompt adherence', hint: 'what was asked, nothing unrequested' },
};

/** One vote's 1–5 per criterion; a reviewer may leave any out. */
export type Scores = Partial<Record<Criterion, number>>;

/** A score a vote may hold: an integer 1–5. */
export function isScore(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 5;
}

/** True for a criterion's name (a vote with any other key is not ours). */
export function isCriterion(k: string): k is Criterion {
  return (CRITERIA as readonly string[]).includes(k);
}
