import { isScalar, LineCounter, parseAllDocuments, type Document } from 'yaml';
import { buildSpec, type SpecValue } from './buildSpec';
import { checkSchema } from './schemaCheck';
import { SourceIndex } from './sourceIndex';
import { checkSpec } from './specChecks';
import { buildVariants, checkVariants } from './variants';
import type { ParseResult, Range, Severity, Spec, SpecDiagnostic } from './types';

/** One parsed document, with lines counted from the start of its chunk of text. */
interface ParsedDoc {
  spec: Omit<Spec, 'index' | 'id'>;
  diagnostics: SpecDiagnostic[];
}

/** A run of text that starts at a `---` line (or at the top of the file). */
interface Chunk {
  text: string;
  line: number;
}

/** Parsed documents by chunk text. Re-parsing a file after an edit re-reads only the documents that
 * changed: a 3000-line file costs ~40 ms to parse cold but a few ms per keystroke. */
const cache = new Map<string, ParsedDoc[]>();
const CACHE_LIMIT = 2000;

/**
 * Parses a .qwenprompt file: one Spec per YAML document (even one with errors; see `errorCount`)
 * and every problem found, placed on the text that caused it. Never throws.
 */
export function parseSpecs(text: string): ParseResult {
  const specs: Spec[] = [];
  const diagnostics: SpecDiagnostic[] = [];
  const ids = new Set<string>();
  for (const chunk of splitDocuments(text)) {
    for (const doc of parseChunkCached(chunk.text)) {
      const index = specs.length;
      const id = uniqueId(doc.spec.name, index, ids);
      const spec = shiftSpec(doc.spec, chunk.line);
      specs.push({ ...spec, index, id, name: spec.name || id });
      for (const d of doc.diagnostics) {
        diagnostics.push({ ...d, range: shift(d.range, chunk.line), specIndex: index });
      }
    }
  }
  return { specs, diagnostics };
}

/** Options of {@link parseSpecsSliced}. */
export interface SliceOptions {
  /** Longest stretch of parsing between two yields to the event loop, ms (default 5). */
  sliceMs?: number;
  /** Stops between slices: the promise then rejects with the signal's reason. */
  signal?: AbortSignal;
}

/**
 * {@link parseSpecs}, with the documents not parsed before read in slices of at most `sliceMs`
 * between yields to the event loop: opening a 3,000-line file costs ~80 ms of parsing (most of it in
 * the `yaml` package), which in one piece would stall the extension host, i.e. every keystroke and
 * every other extension, for that long. Same result as parseSpecs, which it calls at the end.
 */
export async function parseSpecsSliced(text: string, opts: SliceOptions = {}): Promise<ParseResult> {
  const sliceMs = opts.sliceMs ?? 5;
  let start = performance.now();
  for (const chunk of splitDocuments(text)) {
    if (cache.has(chunk.text)) continue;
    if (performance.now() - start >= sliceMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      opts.signal?.throwIfAborted();
      start = performance.now();
    }
    parseChunkCached(chunk.text);
  }
  return parseSpecs(text);
}

/** The spec whose document contains `line` (0-based), if any. */
export function findSpecAt(result: ParseResult, line: number): Spec | undefined {
  return result.specs.find((s) => s.range.start.line <= line && line <= s.range.end.line);
}

/** Splits at `---` lines. A `---` at column 0 always starts a document in YAML (even inside a block
 * scalar), so each chunk parses the same alone as within the file. */
function splitDocuments(text: string): Chunk[] {
  const starts: { offset: number; line: number }[] = [];
  let line = 0;
  for (let i = 0; i <= text.length;) {
    if (text.startsWith('---', i) && /^(?:[ \t\r\n]|$)/.test(text.charAt(i + 3))) {
      starts.push({ offset: i, line });
    }
    const nl = text.indexOf('\n', i);
    if (nl < 0) {
      break;
    }
    i = nl + 1;
    line++;
  }
  // Comments before the first `---` belong to the first document, as YAML reads them.
  if (starts.length === 0 || (starts[0].offset > 0 && hasContent(text.slice(0, starts[0].offset)))) {
    starts.unshift({ offset: 0, line: 0 });
  } else {
    starts[0] = { offset: 0, line: 0 };
  }
  return starts.map((s, i) => ({ text: text.slice(s.offset, starts[i + 1]?.offset ?? text.length), line: s.line }));
}

function hasContent(text: string): boolean {
  return text.split('\n').some((l) => !isSkippable(l));
}

/** Blank lines, comments, directives and bare `---` markers hold no spec content. */
function isSkippable(line: string): boolean {
  const t = line.trim();
  return t === '' || t.startsWith('#') || t.startsWith('%') || /^---\s*(#.*)?$/.test(t);
}

function parseChunkCached(text: string): ParsedDoc[] {
  let docs = cache.get(text);
  if (docs) {
    // Refresh its place in the LRU order.
    cache.delete(text);
  } else {
    docs = parseChunk(text);
    if (cache.size >= CACHE_LIMIT) {
      cache.delete(cache.keys().next().value as string);
    }
  }
  cache.set(text, docs);
  return docs;
}

function parseChunk(text: string): ParsedDoc[] {
  const lines = new LineCounter();
  try {
    // logLevel 'error': yaml's warnings (e.g. a collection used as a key) go to process.emitWarning, i.e. the
    // extension host's console; such problems reach the user as diagnostics instead.
    const docs = parseAllDocuments(text, { lineCounter: lines, prettyErrors: false, logLevel: 'error' });
    if (!Array.isArray(docs)) {
      return [];
    }
    return docs.flatMap((doc, i) => parseDocument(doc, text, lines, i === 0, i === docs.length - 1));
  } catch (e) {
    // The yaml package should not throw, but an editor must never lose its diagnostics to a crash.
    const src = new SourceIndex(text, lines);
    const diag = diagnostic(src.lineRange(0), `Could not read this document: ${String(e)}`, 'yaml-syntax', 'error');
    return [{ spec: { ...emptySpec(src.range(0, text.length), 0), errorCount: 1 }, diagnostics: [diag] }];
  }
}

function parseDocument(doc: Document.Parsed, text: string, lines: LineCounter, firstInChunk: boolean, lastInChunk: boolean): ParsedDoc[] {
  const src = new SourceIndex(text, lines);
  // A document also owns the comments around it up to the next `---`, so findSpecAt works on them.
  const docStart = firstInChunk ? 0 : doc.range[0];
  const docEnd = lastInChunk ? text.length : doc.range[2];
  const lensLine = firstContentLine(text, docStart, docEnd, src);
  if (doc.errors.length === 0 && (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null))) {
    // An empty document, e.g. after a trailing `---`: nothing to run, nothing wrong.
    return [];
  }
  const diagnostics: SpecDiagnostic[] = [];
  for (const e of doc.errors) {
    diagnostics.push(yamlDiagnostic(e.code, e.message, e.pos, text, src, 'error'));
  }
  for (const w of doc.warnings) {
    diagnostics.push(yamlDiagnostic(w.code, w.message, w.pos, text, src, 'warning'));
  }

  let value: unknown;
  let unreadable = false;
  try {
    value = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    // e.g. an alias to an anchor of another document, or too many aliases (a "billion laughs").
    unreadable = true;
    diagnostics.push(diagnostic(src.lineRange(lensLine), `Could not read this document: ${(e as Error).message}`, 'yaml-syntax', 'error'));
  }
  const range = src.range(docStart, docEnd);
  if (range.end.line < lensLine) {
    range.end = { line: lensLine, character: 0 };
  }

  let spec: Omit<Spec, 'index' | 'id'>;
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    if (!unreadable && (value !== undefined || doc.errors.length === 0)) {
      const where = doc.contents?.range ? src.range(doc.contents.range[0], doc.contents.range[1]) : src.lineRange(lensLine);
      diagnostics.push(
        diagnostic(
          where,
          'A spec is a mapping of fields, e.g. `prompt: a red fox` and `steps: [20, 40, 60]` on separate lines.',
          'not-a-mapping',
          'error',
        ),
      );
    }
    spec = emptySpec(range, lensLine);
  } else {
    const checked = checkMapping(value as SpecValue, doc.contents, src, lensLine);
    spec = { ...checked.spec, range, lensLine };
    diagnostics.push(...checked.diagnostics);
  }
  diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
  spec.errorCount = diagnostics.filter((d) => d.severity === 'error').length;
  return [{ spec, diagnostics }];
}

/** Validates a spec mapping (schema, then cross-field rules) and fills in its defaults. */
function checkMapping(
  value: SpecValue,
  contents: unknown,
  src: SourceIndex,
  lensLine: number,
): { spec: Omit<Spec, 'index' | 'id' | 'range' | 'lensLine'>; diagnostics: SpecDiagnostic[] } {
  src.indexFields(contents);
  const issues = checkSchema(value);
  // A field with a schema error falls back to its default; an unknown key spoils nothing else.
  const bad = issues.filter((i) => !i.onKey).map((i) => i.path);
  const valid = (path: string) => !bad.some((b) => b === path || b.startsWith(`${path}.`));
  const fieldRanges: Record<string, Range> = {};
  for (const [path, loc] of src.fields) {
    fieldRanges[path] = loc.value;
  }
  const variants = buildVariants(value, valid, (p) => src.fields.get(p)?.value.start.line);
  const spec = { ...buildSpec(value, valid), ...(variants ? { variants } : {}), fieldRanges, errorCount: 0 };
  const written = (path: string) => src.fields.has(path) && valid(path);
  const whole = { ...spec, index: 0, id: '', range: src.lineRange(lensLine), lensLine };
  const placed = [
    ...issues.map((i) => ({ ...i, severity: 'error' as Severity })),
    ...checkSpec({ spec: whole, written, value }),
    ...checkVariants(whole, value, written),
  ];
  const diagnostics = placed.map((issue) => {
    const loc = src.locate(issue.path);
    const where = issue.code === 'missing-prompt' || !loc ? src.lineRange(lensLine) : issue.onKey ? (loc.key ?? loc.value) : loc.value;
    const d = diagnostic(where, issue.message, issue.code, issue.severity);
    return issue.fixes ? { ...d, fixes: issue.fixes } : d;
  });
  return { spec, diagnostics };
}

function emptySpec(range: Range, lensLine: number): Omit<Spec, 'index' | 'id'> {
  const spec = buildSpec({}, () => true);
  return { ...spec, range, lensLine, fieldRanges: {}, errorCount: 0 };
}

function yamlDiagnostic(
  yamlCode: string,
  message: string,
  pos: [number, number],
  text: string,
  src: SourceIndex,
  severity: Severity,
): SpecDiagnostic {
  if (yamlCode === 'DUPLICATE_KEY') {
    // yaml points at the key's first character; cover the whole key.
    const key = /^[^:\n]*/.exec(text.slice(pos[0]))?.[0].trim() ?? '';
    return diagnostic(
      src.range(pos[0], pos[0] + Math.max(1, key.length)),
      `Duplicate key '${key}': only the last one counts; remove the other.`,
      'duplicate-key',
      severity,
    );
  }
  // A zero-width error would be invisible: widen it to one character. At the end of the text
  // (an unclosed quote or bracket) mark the last character written instead of the empty tail.
  let start = Math.min(pos[0], text.length);
  let end = Math.min(Math.max(pos[1], start + 1), text.length);
  if (text.slice(start).trim() === '') {
    start = Math.max(0, text.trimEnd().length - 1);
    end = start + 1;
  }
  const code = severity === 'error' ? 'yaml-syntax' : 'yaml-warning';
  return diagnostic(src.range(start, end, false), `YAML: ${message}`, code, severity);
}

function diagnostic(range: Range, message: string, code: string, severity: Severity): SpecDiagnostic {
  return { range, message, severity, code };
}

/** The first line of real content in [start, end): what the CodeLens row sits above. */
function firstContentLine(text: string, start: number, end: number, src: SourceIndex): number {
  let offset = start;
  while (offset < end) {
    const nl = text.indexOf('\n', offset);
    const lineEnd = nl < 0 || nl > end ? end : nl;
    if (!isSkippable(text.slice(offset, lineEnd))) {
      return src.position(offset).line;
    }
    if (nl < 0) {
      break;
    }
    offset = nl + 1;
  }
  return src.position(Math.min(start, text.length)).line;
}

/** A slug of the name, unique in the file; `spec-N` (1-based) for unnamed specs. */
function uniqueId(name: string, index: number, taken: Set<string>): string {
  const base =
    name
      .normalize('NFKD')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 60)
      .replace(/-+$/, '') || `spec-${index + 1}`;
  let id = base;
  for (let n = 2; taken.has(id); n++) {
    id = `${base}-${n}`;
  }
  taken.add(id);
  return id;
}

function shift(r: Range, lines: number): Range {
  return {
    start: { line: r.start.line + lines, character: r.start.character },
    end: { line: r.end.line + lines, character: r.end.character },
  };
}

/** A copy placed `lines` further down: cached documents are shared and must stay untouched. */
function shiftSpec(spec: Omit<Spec, 'index' | 'id'>, lines: number): Omit<Spec, 'index' | 'id'> {
  const fieldRanges: Record<string, Range> = {};
  for (const [k, r] of Object.entries(spec.fieldRanges)) {
    fieldRanges[k] = shift(r, lines);
  }
  return {
    ...spec,
    models: { ...spec.models },
    steps: [...spec.steps],
    ...(spec.seeds ? { seeds: [...spec.seeds] } : {}),
    sweep: spec.sweep.map((a) => ({ name: a.name, values: [...a.values] })),
    ...(spec.pair ? { pair: spec.pair.map((a) => ({ name: a.name, values: [...a.values] })) } : {}),
    ...(spec.variants ? { variants: spec.variants.map((v) => ({ ...v, line: v.line + lines })) } : {}),
    inputs: { ...spec.inputs },
    range: shift(spec.range, lines),
    lensLine: spec.lensLine + lines,
    fieldRanges,
  };
}
