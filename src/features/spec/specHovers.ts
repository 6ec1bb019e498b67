import vscode = require('vscode');
import { listSourceText, type ServerCatalog } from '../server/serverCatalog';
import { valueKindOf } from './specCompletions';
import { keyDoc } from './specKeys';
import { yamlContextAt } from './yamlContext';

const KEY_AT_LINE = /^(\s*(?:-\s+)?)([A-Za-z_][\w.-]*)(\s*:)/;

/** Hovers: what a key means; whether a sampler, scheduler or model file is one the server has. */
export class SpecHoverProvider implements vscode.HoverProvider {
  readonly #catalog: ServerCatalog;

  constructor(catalog: ServerCatalog) {
    this.#catalog = catalog;
  }

  async provideHover(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.Hover | undefined> {
    const lines = doc.getText().split(/\r?\n/);
    const text = lines[pos.line] ?? '';
    const key = KEY_AT_LINE.exec(text);
    if (key) {
      const start = key[1].length;
      const end = start + key[2].length;
      const ctx = yamlContextAt(lines, pos.line, start);
      // The first key of a list item (`- name:` of a variant) reads as the list's value.
      const path =
        ctx.kind === 'key' ? [...ctx.parent, key[2]] : ctx.kind === 'value' && key[1].includes('-') ? [...ctx.path, key[2]] : undefined;
      if (path && pos.character >= start && pos.character <= end) {
        const docOf = keyDoc(path);
        return docOf?.description
          ? new vscode.Hover(
              new vscode.MarkdownString(`**${path.join('.')}**\n\n${docOf.description}`),
              new vscode.Range(pos.line, start, pos.line, end),
            )
          : undefined;
      }
    }
    return this.#valueHover(doc, lines, pos);
  }

  async #valueHover(doc: vscode.TextDocument, lines: string[], pos: vscode.Position): Promise<vscode.Hover | undefined> {
    const range = doc.getWordRangeAtPosition(pos, /[\w.\-+/\\]+/);
    if (!range) {
      return undefined;
    }
    const ctx = yamlContextAt(lines, pos.line, range.start.character);
    const kind = ctx.kind === 'value' ? valueKindOf(ctx.path) : undefined;
    if (!kind) {
      return undefined;
    }
    const value = doc.getText(range);
    const lists = await this.#catalog.lists();
    const known = lists.values[kind];
    if (!known.length) {
      return undefined; // model files: nothing to compare with when the server is silent
    }
    const md = known.includes(value)
      ? vscode.l10n.t('`{0}` is available ({1}).', value, listSourceText(lists))
      : vscode.l10n.t('`{0}` is not in the list of {1} values ({2}).', value, known.length, listSourceText(lists));
    return new vscode.Hover(new vscode.MarkdownString(md), range);
  }
}
