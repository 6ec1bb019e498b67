import type { Range, Spec } from './types';

/** The range of a field, or of the nearest thing that explains it: its swept values, its parent, the spec's first line. */
export function fieldRange(spec: Spec, field: string | undefined): Range | undefined {
  if (!field) {
    return undefined;
  }
  const candidates = [field, `sweep.${field}`, `sweep.${field.split('.').pop()}`];
  for (let f = field; f.includes('.');) {
    f = f.slice(0, f.lastIndexOf('.'));
    candidates.push(f);
  }
  return candidates.map((c) => spec.fieldRanges[c]).find((r) => r !== undefined);
}
