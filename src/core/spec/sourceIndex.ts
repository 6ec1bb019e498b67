import { isMap, isPair, isScalar, isSeq, type LineCounter, type Node } from 'yaml';
import type { Range } from './types';

/** Where a field's key and value are in the text. */
export interface FieldLocation {
  key?: Range;
  value: Range;
}

/** How deep field paths are indexed: 'sweep.cfg.0' is three levels, 'variants.1.sweep.cfg.0' five. */
const MAX_DEPTH = 5;

/** Offsets to 0-based positions within one parsed chunk of text. */
export class SourceIndex {
  readonly fields = new Map<string, FieldLocation>();
  readonly #text: string;
  /** Offsets where lines start. Counted here rather than taken from yaml's LineCounter, which stops
   * counting where the lexer gives up, so positions after a syntax error fell off their line. */
  readonly #starts: number[] = [0];

  constructor(text: string, _lines?: LineCounter) {
    this.#text = text;
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) this.#starts.push(i + 1);
  }

  /** The range of [start, end), with trailing whitespace and newlines trimmed so that a block
   * scalar's range ends on its last line (unless `trim` is false: a tab can be the problem). */
  range(start: number, end: number, trim = true): Range {
    let e = Math.max(start, Math.min(end, this.#text.length));
    while (trim && e > start && /\s/.test(this.#text[e - 1])) {
      e--;
    }
    return { start: this.position(start), end: this.position(e) };
  }

  position(offset: number): Range['start'] {
    const at = Math.max(0, Math.min(offset, this.#text.length));
    let lo = 0;
    let hi = this.#starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.#starts[mid] <= at) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo, character: at - this.#starts[lo] };
  }

  /** The range of a whole line's text (for problems that have no text of their own). */
  lineRange(line: number): Range {
    const starts = this.#starts;
    const start = starts[line] ?? this.#text.length;
    const next = starts[line + 1] ?? this.#text.length;
    return this.range(start, next);
  }

  /** Records the key and value range of every field under `node`, keyed by dotted path. */
  indexFields(node: unknown, path = '', depth = 0): void {
    if (depth >= MAX_DEPTH) {
      return;
    }
    if (isMap(node)) {
      for (const pair of node.items) {
        if (!isPair(pair)) {
          continue;
        }
        const keyNode = pair.key as Node | null;
        const name = isScalar(keyNode) ? String(keyNode.value) : String(keyNode);
        const p = path ? `${path}.${name}` : name;
        const key = keyNode?.range ? this.range(keyNode.range[0], keyNode.range[1]) : undefined;
        const valueNode = pair.value as Node | null;
        // An empty value (`prompt:`) has no text of its own: use the key's.
        const value =
          valueNode?.range && valueNode.range[1] > valueNode.range[0]
            ? this.range(valueNode.range[0], valueNode.range[1])
            : (key ?? this.range(0, 0));
        this.fields.set(p, { key, value });
        this.indexFields(valueNode, p, depth + 1);
      }
    } else if (isSeq(node)) {
      node.items.forEach((item, i) => {
        const n = item as Node | null;
        if (n?.range) {
          const p = `${path}.${i}`;
          this.fields.set(p, { value: this.range(n.range[0], n.range[1]) });
          this.indexFields(n, p, depth + 1);
        }
      });
    }
  }

  /** The location of `path` or of its nearest indexed parent. */
  locate(path: string): FieldLocation | undefined {
    let p = path;
    for (;;) {
      const loc = this.fields.get(p);
      if (loc || !p) {
        return loc;
      }
      const dot = p.lastIndexOf('.');
      p = dot < 0 ? '' : p.slice(0, dot);
    }
  }
}
