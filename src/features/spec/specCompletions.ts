import vscode = require('vscode');
import { Disposable } from '../../platform/dispose';
import { listSourceText, type ServerCatalog, type ValueKind } from '../server/serverCatalog';
import { keyDoc, keysAt, type KeyDoc } from './specKeys';
import { yamlContextAt } from './yamlContext';

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
      return keysAt(ctx.parent).map((k) => keyItem(k));
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

function keyItem(k: KeyDoc): vscode.CompletionItem {
  const item = new vscode.CompletionItem(k.name, vscode.CompletionItemKind.Property);
  item.documentation = new vscode.MarkdownString(k.description);
  item.detail = k.default === undefined ? undefined : vscode.l10n.t('default: {0}', JSON.stringify(k.default));
  item.insertText = k.children ? new vscode.SnippetString(`${k.name}:\n\t$0`) : `${k.name}: `;
  // Typing the value comes next: offer its values right away.
  item.command = k.children ? undefined : { title: '', command: 'editor.action.triggerSuggest' };
  return item;
}
