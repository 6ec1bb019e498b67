import vscode = require('vscode');
import { Disposable } from '../../platform/dispose';
import { listSourceText, type ServerCatalog, type ValueKind } from '../server/serverCatalog';
import { wholeSpecSnippet } from '../../core/spec/specSnippet';
import { keyDoc, keysAt, type KeyDoc } from './specKeys';
import { siblingKeys, yamlContextAt } from './yamlContext';

const MODEL_FILE_KEYS = new Set<string>(['unet', 'clip', 'vae', 'checkpoint', 'lora', 'weightDtype']);

/** Which server list holds the values of a key path, if any: samplers, schedulers, model files. */
export function valueKindOf(fullPath: readonly string[]): ValueKind | undefined {
  // A variant's keys are the spec's own.
  const path = fullPath[0] === 'variants' ? fullPath.slice(1) : fullPath;
  const last = path[path.length - 1];
  if ((path.length === 1 || path[0] === 'sweep' || path[0] === 'pair') && (last === 'sampler' || last === 'scheduler')) {
    return last;
  }
  if (path.length === 2 && path[0] === 'models' && MODEL_FILE_KEYS.has(last)) {
    return last as ValueKind;
  }
  return undefined;
}

/** Characters of a value being completed: model file names hold dots, slashes and dashes. */
const VALUE_WORD = /[\w.\-+/\\]+/;

/** Keys with their meaning; samplers, schedulers, model files and templates from the server (or built-in lists). */
export class SpecCompletionProvider extends Disposable implements vscode.CompletionItemProvider {
  readonly #catalog: ServerCatalog;

  constructor(catalog: ServerCatalog) {
    super();
    this.#catalog = catalog;
  }

  async provideCompletionItems(doc: vscode.TextDocument, pos: vscode.Position): Promise<vscode.CompletionItem[]> {
    const lines = doc.getText().split(/\r?\n/);
    const ctx = yamlContextAt(lines, pos.line, pos.character);
    if (ctx.kind === 'key') {
      // Keys the mapping already has are not offered again (YAML keeps only the last one).
      const indent = lines[pos.line].length - lines[pos.line].trimStart().length;
      const taken = siblingKeys(lines, pos.line, Math.min(indent, pos.character));
      const keys = keysAt(ctx.parent)
        .filter((k) => !taken.has(k.name))
        .map((k) => keyItem(k));
      return onlyThisWord(lines, pos.line) ? [specSnippetItem(), ...keys] : keys;
    }
    if (ctx.kind !== 'value') {
      return [];
    }
    if (/^[A-Za-z_][\w.-]*$|^$/.test(ctx.prefix) && keyDoc(ctx.path)?.type === 'list' && keyDoc(ctx.path)?.children) {
      // `- ` of a list of mappings (a new variant): its keys.
      return keysAt(ctx.path).map((k) => keyItem(k));
    }
    const range = doc.getWordRangeAtPosition(pos, VALUE_WORD);
    const kind = valueKindOf(ctx.path);
    if (kind) {
      const lists = await this.#catalog.lists();
      const detail = listSourceText(lists);
      return lists.values[kind].map((v, i) => {
        const item = new vscode.CompletionItem(
          v,
          kind === 'sampler' || kind === 'scheduler' ? vscode.CompletionItemKind.EnumMember : vscode.CompletionItemKind.File,
        );
        item.detail = detail;
        item.sortText = String(i).padStart(5, '0');
        item.range = range;
        return item;
      });
    }
    // Fixed values the schema names: template ids, sizes, …
    const docOf = keyDoc(ctx.path);
    return (docOf?.values ?? []).map((v: string) => {
      const item = new vscode.CompletionItem(v, vscode.CompletionItemKind.Value);
      item.range = range;
      return item;
    });
  }
}

/** Whether the document holds nothing but the word being typed on `line` (and comments): a new file. */
function onlyThisWord(lines: readonly string[], line: number): boolean {
  return lines.every((l, i) => (i === line ? /^\s*[A-Za-z_]*$/.test(l) : l.trim() === '' || l.trimStart().startsWith('#')));
}

/** A whole spec at once, for an empty file: the first thing offered there. */
function specSnippetItem(): vscode.CompletionItem {
  const item = new vscode.CompletionItem(vscode.l10n.t('New spec'), vscode.CompletionItemKind.Snippet);
  item.detail = vscode.l10n.t('A whole spec: name, model, prompt, seed, size, sampler, steps…');
  item.insertText = new vscode.SnippetString(wholeSpecSnippet(keyDoc(['model'])?.values ?? []));
  // Whatever first letter the user types (n for name, p for prompt, s for spec) keeps it in the list.
  item.filterText = 'spec new name model prompt';
  item.sortText = '\u0000';
  item.preselect = true;
  return item;
}

function keyItem(k: KeyDoc): vscode.CompletionItem {
  const item = new vscode.CompletionItem(k.name, vscode.CompletionItemKind.Property);
  item.documentation = new vscode.MarkdownString(k.description);
  item.detail = k.default === undefined ? undefined : vscode.l10n.t('default: {0}', JSON.stringify(k.default));
  item.insertText = k.children ? new vscode.SnippetString(`${k.name}:\n\t$0`) : `${k.name}: `;
  // Typing the value comes next: offer its values right away.
  item.command = k.children ? undefined : { title: '', command: 'editor.action.triggerSuggest' };
  return item;
}
