// Defect regions per image, as the raters drew them (saved with their rounds): what the grid, compare,
// the exports and "Redo this region" show of each image. Pure.
import { CRITERION_TEXT } from './criteria';
import type { DefectRegion, Rating } from './runRecord';

/** A region with who drew it. */
export interface RatedRegion extends DefectRegion {
  rater?: string;
}

/** Every region drawn on each image, by cell key, in the order the votes were cast. */
export function regionsByCell(ratings: readonly Rating[] | undefined): Map<string, RatedRegion[]> {
  const out = new Map<string, RatedRegion[]>();
  for (const r of ratings ?? []) {
    if (!r.regions?.length) continue;
    const list = out.get(r.cell) ?? [];
    list.push(...r.regions.map((g) => ({ ...g, ...(r.rater ? { rater: r.rater } : {}) })));
    out.set(r.cell, list);
  }
  return out;
}

/** 'Structure: seam (ana)': what a box's label and tooltip say. */
export function regionLabel(g: RatedRegion): string {
  return `${CRITERION_TEXT[g.criterion].label}: ${g.word}${g.rater ? ` (${g.rater})` : ''}`;
}

/** The regions as pixel boxes of a `width` × `height` image, each at least one pixel and inside it. */
export function regionPixels(
  regions: readonly DefectRegion[],
  width: number,
  height: number,
): { x: number; y: number; w: number; h: number }[] {
  return regions.map((g) => {
    const x = Math.min(width - 1, Math.max(0, Math.floor(g.x * width)));
    const y = Math.min(height - 1, Math.max(0, Math.floor(g.y * height)));
    return {
      x,
      y,
      w: Math.max(1, Math.min(width - x, Math.ceil((g.x + g.w) * width) - x)),
      h: Math.max(1, Math.min(height - y, Math.ceil((g.y + g.h) * height) - y)),
    };
  });
}
