import vscode = require('vscode');
import { language, LANGUAGE_ID } from '../languageModule';
import { toRange, type SpecDiagnostics } from './specDiagnostics';
import type { SpecDocuments } from './specDocuments';

/** Quick Fixes of the spec's own diagnostics: each suggestion a message makes ("Did you mean …", "try
 * 504x504", the server's closest names), as the edit that writes it. The edits come from the core. */
export class SpecQuickFixProvider implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];
  readonly #docs: SpecDocuments;
  readonly #diagnostics: SpecDiagnostics;

  constructor(docs: SpecDocuments, diagnostics: SpecDiagnostics) {
    this.#docs = docs;
    this.#diagnostics = diagnostics;
  }

  provideCodeActions(doc: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const lines = doc.getText().split(/\r?\n/);
    const actions: vscode.CodeAction[] = [];
    for (const d of context.diagnostics) {
      const problem = d.source === 'qwenprompt' ? this.#diagnostics.problemOf(doc.uri, d) : undefined;
      if (!problem?.fixes?.length) {
        continue;
      }
      const spec = problem.specIndex === undefined ? undefined : this.#docs.parse(doc).specs[problem.specIndex];
      for (const fix of language().quickFixes(problem, spec, lines)) {
        const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
        action.diagnostics = [d];
        action.isPreferred = fix.preferred;
        action.edit = new vscode.WorkspaceEdit();
        for (const e of fix.edits) {
          action.edit.replace(doc.uri, toRange(e.range), e.newText);
        }
        actions.push(action);
      }
    }
    return actions;
  }
}

export function registerSpecQuickFixes(docs: SpecDocuments, diagnostics: SpecDiagnostics): vscode.Disposable {
  return vscode.languages.registerCodeActionsProvider({ language: LANGUAGE_ID }, new SpecQuickFixProvider(docs, diagnostics), {
    providedCodeActionKinds: SpecQuickFixProvider.kinds,
  });
}
