// Where the cursor is in a .qwenprompt YAML document, by indentation alone: good enough for keys and
// scalar values while the user types, when the document often does not parse. Pure: no vscode.

/** What the user is typing at the cursor. `path` is the key path, e.g. ['models', 'unet'] or ['sweep', 'sampler']. */
export type YamlContext =
  { kind: 'key'; parent: string[]; prefix: string } | { kind: 'value'; path: string[]; prefix: string } | { kind: 'none' };

const KEY_LINE = /^(\s*)([A-Za-z_][\w.-]*)\s*:(?:\s|$)(.*)$/;
const BLOCK_SCALAR = /^[|>][-+0-9]*\s*(#.*)?$/;

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

function isBlankOrComment(line: string): boolean {
  const t = line.trim();
  return t === '' || t.startsWith('#');
}

function isDocumentMarker(line: string): boolean {
  return /^(---|\.\.\.)(\s|$)/.test(line);
}

/** Keys of the mappings enclosing a line that starts at `indent` (`orEqual` for `- item` lines under `key:`). */
function parentPath(lines: readonly string[], line: number, indent: number, orEqual: boolean): string[] | undefined {
  const path: string[] = [];
  let limit = indent;
  let equalOk = orEqual;
  for (let i = line - 1; i >= 0; i--) {
    if (limit === 0 && !equalOk) {
      break; // top level: nothing encloses it
    }
    const text = lines[i];
    if (isDocumentMarker(text)) {
      break;
    }
    if (isBlankOrComment(text)) {
      continue;
    }
    const ind = indentOf(text);
    if (ind < limit || (equalOk && ind === limit)) {
      const m = KEY_LINE.exec(text);
      if (m) {
        const rest = m[3].trim();
        if (BLOCK_SCALAR.test(rest) || (rest && !rest.startsWith('#'))) {
          // Inside a block scalar (prompt: >) or under a key that already has its value: not a key position.
          return BLOCK_SCALAR.test(rest) ? undefined : path;
        }
        path.unshift(m[2]);
      } else if (!text.trimStart().startsWith('-')) {
        return path;
      }
      limit = ind;
      equalOk = false;
    }
  }
  return path;
}

/** The flow-list element being typed: after the last `[` or `,`. */
function valuePrefix(value: string): string {
  const cut = Math.max(value.lastIndexOf('['), value.lastIndexOf(','));
  return value
    .slice(cut + 1)
    .trimStart()
    .replace(/^["']/, '');
}

export function yamlContextAt(lines: readonly string[], line: number, character: number): YamlContext {
  const before = (lines[line] ?? '').slice(0, character);
  if (isDocumentMarker(before) || /(^|\s)#/.test(before)) {
    return { kind: 'none' };
  }
  const indent = indentOf(before);
  const key = KEY_LINE.exec(before);
  if (key) {
    const parent = parentPath(lines, line, indent, false);
    return parent ? { kind: 'value', path: [...parent, key[2]], prefix: valuePrefix(key[3]) } : { kind: 'none' };
  }
  const item = /^(\s*)-\s+(.*)$/.exec(before);
  if (item) {
    const parent = parentPath(lines, line, indent, true);
    return parent?.length ? { kind: 'value', path: parent, prefix: valuePrefix(item[2]) } : { kind: 'none' };
  }
  const partial = /^\s*([A-Za-z_][\w.-]*)?$/.exec(before);
  if (partial) {
    const parent = parentPath(lines, line, indent, false);
    return parent ? { kind: 'key', parent, prefix: partial[1] ?? '' } : { kind: 'none' };
  }
  return { kind: 'none' };
}

/** The first key of a `- key: value` line (a list item that is a mapping), and the column it starts at. */
const ITEM_KEY_LINE = /^(\s*-\s+)([A-Za-z_][\w.-]*)\s*:(?:\s|$)/;

/**
 * Keys already written in the mapping that a key typed at (`line`, `indent`) belongs to: the lines
 * above and below at the same indent, up to the mapping's edge (a line indented less, the `- ` that
 * starts a list item, a `---`). The line itself is left out: its key is the one being typed.
 */
export function siblingKeys(lines: readonly string[], line: number, indent: number): Set<string> {
  const keys = new Set<string>();
  // Up, then down; going up, a `- key:` item line at this indent is the mapping's first key and its top.
  for (const step of [-1, 1]) {
    for (let i = line + step; i >= 0 && i < lines.length; i += step) {
      const text = lines[i];
      if (isDocumentMarker(text)) break;
      if (isBlankOrComment(text)) continue;
      const item = ITEM_KEY_LINE.exec(text);
      if (item && item[1].length === indent) {
        if (step < 0) keys.add(item[2]);
        break;
      }
      const ind = indentOf(text);
      if (ind < indent) break;
      const key = ind === indent ? KEY_LINE.exec(text) : null;
      if (key) keys.add(key[2]);
    }
  }
  return keys;
}
