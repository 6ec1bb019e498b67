// Completions and hovers of .qwenprompt files, registered at activation as thin providers: their logic
// (the key documentation from the JSON schema, the YAML context) is in the language module, made on the
// first request.
import vscode = require('vscode');
import type { SpecCompletionProvider } from './specCompletions';
import type { SpecHoverProvider } from './specHovers';
import { language, LANGUAGE_ID } from '../languageModule';
import type { ServerCatalog } from '../server/serverCatalog';

/** Completions for .qwenprompt files; the provider (and the language module) is made on the first request. */
export function registerSpecCompletions(catalog: ServerCatalog): vscode.Disposable {
  let provider: SpecCompletionProvider | undefined;
  const lazy: vscode.CompletionItemProvider = {
    provideCompletionItems: (doc, pos) => (provider ??= new (language().SpecCompletionProvider)(catalog)).provideCompletionItems(doc, pos),
  };
  return vscode.Disposable.from(vscode.languages.registerCompletionItemProvider({ language: LANGUAGE_ID }, lazy, ':', ' ', '[', ','), {
    dispose: () => provider?.dispose(),
  });
}

/** Hovers for .qwenprompt files; the provider (and the language module) is made on the first request. */
export function registerSpecHovers(catalog: ServerCatalog): vscode.Disposable {
  let provider: SpecHoverProvider | undefined;
  return vscode.languages.registerHoverProvider(
    { language: LANGUAGE_ID },
    { provideHover: (doc, pos) => (provider ??= new (language().SpecHoverProvider)(catalog)).provideHover(doc, pos) },
  );
}
