// Variants: named bundles of spec fields laid over the spec, each run as a spec of its own and
// compared in one run. Built generically from the YAML value, so a field the schema gains works in
// a variant without code here.
import { buildSpec, type SpecValue } from './buildSpec';
import { suggestion } from './didYouMean';
import { checkSpec, type CheckIssue } from './specChecks';
import type { Spec, SpecVariant } from './types';

/** Keys whose mapping a variant merges key by key; every other key it writes replaces the spec's. */
const MERGED = new Set(['models', 'inputs']);

function isMapping(x: unknown): x is SpecValue {
  return !!x && typeof x === 'object' && !Array.isArray(x);
}

/** The variant's value laid over the spec's (the spec's name and no variants of its own). */
export function overlay(base: SpecValue, variant: SpecValue): SpecValue {
  const { variants: _v, ...out } = base;
  for (const [k, x] of Object.entries(variant)) {
    if (k === 'name') continue;
    out[k] = MERGED.has(k) && isMapping(out[k]) && isMapping(x) ? { ...out[k], ...x } : x;
  }
  return out;
}

/** The variant items that can be run: a mapping with a name. */
function items(value: SpecValue): { item: SpecValue; index: number; name: string }[] {
  const raw = value.variants;
  if (!Array.isArray(raw)) return [];
  return raw.flatMap((item: unknown, index) => {
    const name = isMapping(item) && typeof item.name === 'string' ? item.name.trim() : '';
    return isMapping(item) && name ? [{ item, index, name }] : [];
  });
}

/**
 * Each variant's spec. A field the variant writes is checked at its own path (`variants.1.cfg`),
 * a field it inherits at the spec's; `lineOf` places each variant's CodeLens.
 */
export function buildVariants(
  value: SpecValue,
  valid: (path: string) => boolean,
  lineOf: (path: string) => number | undefined,
): SpecVariant[] | undefined {
  const out: SpecVariant[] = [];
  const seen = new Set<string>();
  for (const { item, index, name } of items(value)) {
    if (seen.has(name)) continue;
    seen.add(name);
    const prefix = `variants.${index}`;
    const validFor = (p: string) => (p.split('.')[0] in item ? valid(`${prefix}.${p}`) : valid(p));
    out.push({ name, line: lineOf(prefix) ?? 0, spec: buildSpec(overlay(value, item), validFor) });
  }
  return out.length ? out : undefined;
}

/** Duplicate names, each variant's own fields checked as a spec's are, and the reference's target. */
export function checkVariants(spec: Spec, value: SpecValue, written: (path: string) => boolean): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const names = new Map<string, number>();
  for (const { item, index, name } of items(value)) {
    const prefix = `variants.${index}`;
    if (names.has(name)) {
      issues.push({
        path: `${prefix}.name`,
        onKey: false,
        message: `Another variant is already named '${name}': each variant needs its own name (its column and its CodeLens).`,
        code: 'duplicate-variant',
        severity: 'error',
      });
      continue;
    }
    names.set(name, index);
    const own = spec.variants?.find((v) => v.name === name);
    if (!own) continue;
    const found = checkSpec({
      spec: { ...spec, ...own.spec, variants: undefined },
      written: (p) => p.split('.')[0] in item && written(`${prefix}.${p}`),
      value: overlay(value, item),
    });
    // Only what the variant itself writes: the spec's own fields are checked once, at the top.
    for (const i of found) if (i.path.split('.')[0] in item) issues.push({ ...i, path: `${prefix}.${i.path}`, ...prefixFixes(i, prefix) });
  }
  issues.push(...checkReference(spec, written));
  return issues;
}

/** A variant's issue's Quick Fixes, their fields moved under the variant. */
function prefixFixes(issue: CheckIssue, prefix: string): Pick<CheckIssue, 'fixes'> {
  const fixes = issue.fixes?.map((f) => ({ ...f, edits: f.edits.map((e) => (e.field ? { ...e, field: `${prefix}.${e.field}` } : e)) }));
  return fixes ? { fixes } : {};
}

function checkReference(spec: Spec, written: (path: string) => boolean): CheckIssue[] {
  const ref = spec.reference;
  if (ref === undefined || !written('reference')) return [];
  const named = typeof ref === 'string' ? ref : ref.variant;
  if (named === undefined) return [];
  const known = spec.variants?.map((v) => v.name) ?? [];
  if (known.includes(String(named))) return [];
  const s = suggestion(String(named), known);
  const message = known.length
    ? `No variant is named '${named}' (variants: ${known.join(', ')}).${s.text}`
    : `This spec has no variants, so the reference cannot name one: write the axes of a setting instead, e.g. \`reference: {steps: 60}\`.`;
  return [
    {
      path: typeof ref === 'string' ? 'reference' : 'reference.variant',
      onKey: false,
      message,
      code: 'unknown-reference',
      severity: 'error',
      ...(s.fixes ? { fixes: s.fixes } : {}),
    },
  ];
}
