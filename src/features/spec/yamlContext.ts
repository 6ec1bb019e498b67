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
