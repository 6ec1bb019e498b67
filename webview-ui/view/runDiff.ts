import { fateWord } from './cellFate';
import type { CellRecord, RunRecord } from '../../src/shared/runRecord';
// What differs between two runs of a spec (their resolved specs, field by field), for the heading of a
// run-vs-run comparison and its column titles, and why a pair of cells lacks an image.

export interface SpecChange {
  /** Field path: 'cfg', 'models.unet', 'sweep'. */
  key: string;
  a: string;
  b: string;
}

/** Fields that name the spec, not what it makes. */
const SKIP = new Set(['id', 'name']);

/** Plain text of a field's value: lists of names or numbers joined, anything nested as JSON. */
function text(v: unknown): string {
  if (v === undefined) return '–';
  if (Array.isArray(v) && v.every((x) => typeof x !== 'object' || x === null)) return v.join(', ');
  return typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v);
}

/** Scalars and lists at their paths; mappings (models, inputs, refine, …) opened one level per key. */
function flatten(value: unknown, prefix = '', out = new Map<string, unknown>()): Map<string, unknown> {
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (!prefix && SKIP.has(k)) continue;
      if (v && typeof v === 'object' && !Array.isArray(v) && Object.keys(v).length) flatten(v, prefix ? `${prefix}.${k}` : k, out);
      else out.set(prefix ? `${prefix}.${k}` : k, v);
    }
  }
  return out;
}

/** The fields whose values differ between run A's spec and run B's, in A's field order. */
export function specChanges(a: RunRecord, b: RunRecord): SpecChange[] {
  const fa = flatten(a.spec.resolved);
  const fb = flatten(b.spec.resolved);
  const keys = [...new Set([...fa.keys(), ...fb.keys()])];
  return keys.map((key) => ({ key, a: text(fa.get(key)), b: text(fb.get(key)) })).filter((c) => c.a !== c.b);
}

const MAX_IN_TITLE = 2;

/** A column's title: 'A · 8 Dec 2026, 00:10 · cfg 7, sampler euler' (its values of what differs). */
export function runTitle(tag: 'A' | 'B', record: RunRecord, changes: readonly SpecChange[]): string {
  const when = new Date(record.createdAt).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
  const short = (s: string) => (s.length > 24 ? `${s.slice(0, 23)}…` : s);
  const own = changes.slice(0, MAX_IN_TITLE).map((c) => `${c.key} ${short(tag === 'A' ? c.a : c.b)}`);
  if (changes.length > MAX_IN_TITLE) own.push(`+${changes.length - MAX_IN_TITLE} more`);
  return [`${tag} · ${when}`, own.join(', ')].filter(Boolean).join(' · ');
}

/** Why a cell of a compared pair shows no image, in the words of its run ('B'). */
export function noImageReason(tag: 'A' | 'B', c: CellRecord | undefined): string {
  if (!c) return `Run ${tag} has no image at this setting: its spec did not ask for it`;
  const fate = fateWord(c);
  switch (c.status) {
    case 'error':
    case 'failed':
      return `Failed in run ${tag}${c.error ? `: ${c.error}` : ''}`;
    case 'cancelled':
    case 'interrupted':
      return `${fate ? fate[0].toUpperCase() + fate.slice(1) : 'Cancelled'} in run ${tag}`;
    case 'lost':
      return `Lost in run ${tag}: ${c.endReason === 'serverForgot' ? 'the server restarted and forgot it' : 'the server never reported it back'}`;
    case 'queued':
    case 'running':
      return `Not made: run ${tag} ended before it`;
    default:
      return `Run ${tag} recorded no image file for it`;
  }
}
