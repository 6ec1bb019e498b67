// A diagnostic's Quick Fixes as text edits: the suggestions the checks made ("Did you mean 'seed'?",
// "try 504x504", the server's closest names), placed on the document's text. Pure: no vscode.
import type { Range, Spec, SpecDiagnostic } from './types';

export interface TextEdit {
  range: Range;
  newText: string;
}

export interface QuickFix {
  title: string;
  edits: TextEdit[];
  /** The first fix of a diagnostic: what "Fix" (Ctrl+.) applies at once. */
  preferred: boolean;
}

/** The fixes of `d` (a diagnostic of `spec`), each edit over the text of `lines`; a fix whose field
 * cannot be found is left out rather than applied to the wrong text. */
export function quickFixes(d: SpecDiagnostic, spec: Pick<Spec, 'fieldRanges'> | undefined, lines: readonly string[]): QuickFix[] {
  const out: QuickFix[] = [];
  for (const fix of d.fixes ?? []) {
    const edits: TextEdit[] = [];
    for (const e of fix.edits) {
      const range = e.field === undefined ? d.range : spec?.fieldRanges[e.field];
      if (!range || range.start.line !== range.end.line) break;
      const original = (lines[range.start.line] ?? '').slice(range.start.character, range.end.character);
      edits.push({ range, newText: e.literal ? e.newText : keepQuotes(original, e.newText) });
    }
    if (edits.length === fix.edits.length && edits.length) {
      out.push({ title: fix.title, edits, preferred: out.length === 0 });
    }
  }
  return out;
}

/** `value` written as the scalar it replaces was: in the same quotes, else plain when YAML reads it back as the same text. */
export function keepQuotes(original: string, value: string): string {
  if (/^".*"$/.test(original)) return JSON.stringify(value);
  if (/^'.*'$/.test(original)) return `'${value.replace(/'/g, "''")}'`;
  return isPlainSafe(value) ? value : JSON.stringify(value);
}

/** Text YAML reads as that same string when written without quotes. */
function isPlainSafe(value: string): boolean {
  return (
    value !== '' &&
    value.trim() === value &&
    !/^[-?:,[\]{}#&*!|>'"%@`]/.test(value) &&
    !/: |\s#|[:]$/.test(value) &&
    !/^(true|false|null|yes|no|on|off|~|[-+]?(\d[\d_]*)?\.?\d+([eE][-+]?\d+)?)$/i.test(value)
  );
}
