import * as vscode from 'vscode';
import type { ParseResult, Spec } from '../core/spec/types';
import type { ConfigService } from '../platform/config';
import { Disposable } from '../platform/dispose';
import { language } from './languageModule';

export const LANGUAGE_ID = 'qwenprompt';

export function isSpecDocument(doc: vscode.TextDocument): boolean {
  return doc.languageId === LANGUAGE_ID;
}

/**
 * Parses .qwenprompt documents once per version for every feature (lenses, diagnostics, commands), and
 * applies `qwenprompt.defaultSteps` to specs that name no steps.
 */
export class SpecDocuments extends Disposable {
  readonly #config: ConfigService;
  readonly #cache = new Map<string, { version: number; result: ParseResult }>();

  constructor(config: ConfigService) {
    super();
    this.#config = config;
    this._register(vscode.workspace.onDidCloseTextDocument((d) => this.#cache.delete(d.uri.toString())));
    this._register(
      config.onDidChange((e) => {
        if (e.affectsConfiguration('qwenprompt.defaultSteps')) {
          this.#cache.clear();
        }
      }),
    );
  }

  parse(doc: vscode.TextDocument): ParseResult {
    const key = doc.uri.toString();
    const hit = this.#cache.get(key);
    if (hit && hit.version === doc.version) {
      return hit.result;
    }
    const parsed = language().parseSpecs(doc.getText());
    const result = { ...parsed, specs: parsed.specs.map((s) => this.#withDefaults(s)) };
    this.#cache.set(key, { version: doc.version, result });
    return result;
  }

  specs(doc: vscode.TextDocument): Spec[] {
    return this.parse(doc).specs;
  }

  /** The spec whose document holds `line` (the last one starting at or before it). */
  specAt(doc: vscode.TextDocument, line: number): Spec | undefined {
    const specs = this.specs(doc);
    return (
      specs.find((s) => s.range.start.line <= line && line <= s.range.end.line) ??
      [...specs].reverse().find((s) => s.range.start.line <= line) ??
      specs[0]
    );
  }

  #withDefaults(spec: Spec): Spec {
    if (spec.fieldRanges.steps) {
      return spec;
    }
    return { ...spec, steps: [...this.#config.current.defaultSteps] };
  }
}
