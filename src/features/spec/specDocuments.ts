import vscode = require('vscode');
import type { ParseResult, Spec } from '../../core/spec/types';
import type { ConfigService } from '../../platform/config';
import { Disposable } from '../../platform/dispose';
import { language, LANGUAGE_ID } from '../languageModule';

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
  /** Sliced parses under way, one per document version, shared by lenses and diagnostics. */
  readonly #pending = new Map<string, { version: number; result: Promise<ParseResult> }>();

  constructor(config: ConfigService) {
    super();
    this.#config = config;
    this._register(
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.#cache.delete(d.uri.toString());
        this.#pending.delete(d.uri.toString());
      }),
    );
    this._register(
      config.onDidChange((e) => {
        if (e.affectsConfiguration('qwenprompt.defaultSteps')) {
          this.#cache.clear();
          this.#pending.clear();
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
    return this.#store(key, doc.version, language().parseSpecs(doc.getText()));
  }

  /**
   * {@link parse} without blocking the extension host: the documents of a file not seen before are
   * parsed in slices (a 3,000-line file takes ~80 ms, which in one piece would stall every keystroke
   * and every other extension); an edit re-parses only the YAML document it touched, in one slice.
   */
  async parseSliced(doc: vscode.TextDocument): Promise<ParseResult> {
    const key = doc.uri.toString();
    const version = doc.version;
    const hit = this.#cache.get(key);
    if (hit && hit.version === version) {
      return hit.result;
    }
    const pending = this.#pending.get(key);
    if (pending && pending.version === version) {
      return pending.result;
    }
    const result = language()
      .parseSpecsSliced(doc.getText())
      .then((parsed) => {
        // A newer version may have been parsed meanwhile: keep the cache on the newest.
        const now = this.#cache.get(key);
        return now && now.version > version
          ? { ...parsed, specs: parsed.specs.map((s) => this.#withDefaults(s)) }
          : this.#store(key, version, parsed);
      })
      .finally(() => {
        if (this.#pending.get(key)?.result === result) this.#pending.delete(key);
      });
    this.#pending.set(key, { version, result });
    return result;
  }

  #store(key: string, version: number, parsed: ParseResult): ParseResult {
    const result = { ...parsed, specs: parsed.specs.map((s) => this.#withDefaults(s)) };
    this.#cache.set(key, { version, result });
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
