import * as path from 'node:path';
import vscode = require('vscode');
import type { ObjectInfo } from '../../core/comfy/objectInfo';
import type { SpecProblem } from '../../core/runs/specRejected';
import { fieldRange } from '../../core/spec/fieldRange';
import type { Range, Severity, Spec, SpecDiagnostic } from '../../core/spec/types';
import { Disposable } from '../../platform/dispose';
import { language } from '../languageModule';
import { loadedRunEngine } from '../runEngine';
import { isSpecDocument, type SpecDocuments } from './specDocuments';
import { workflowDiagnostics } from './workflowDiagnostics';

const DEBOUNCE_MS = 150;
/**
 * Asking the server loads the run engine (its client); opening a spec and its first CodeLens must not pay
 * for that, so until something else loaded the engine the server's check waits this long after the parse.
 */
const SERVER_CHECK_DELAY_MS = 2000;
/** The built-in lists' warnings, which the live server's answer replaces. */
const BUILTIN_LIST_CODES = new Set(['unknown-sampler', 'unknown-scheduler']);

/**
 * Problems of open .qwenprompt documents: the parser's, refreshed as the user types, and those ComfyUI
 * reported when it rejected a run, kept until the document changes.
 */
export class SpecDiagnostics extends Disposable {
  readonly #docs: SpecDocuments;
  readonly #parse = this._register(vscode.languages.createDiagnosticCollection('qwenprompt'));
  readonly #server = this._register(vscode.languages.createDiagnosticCollection('qwenprompt-server'));
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** What #parse shows per document, as the core made it (with its Quick Fixes). */
  readonly #published = new Map<string, SpecDiagnostic[]>();

  readonly #objectInfo: () => Promise<ObjectInfo | undefined>;

  /** `objectInfo`: the server's node schemas when it answers: the names it offers, and for converting UI workflows. */
  constructor(docs: SpecDocuments, objectInfo: () => Promise<ObjectInfo | undefined>) {
    super();
    this.#docs = docs;
    this.#objectInfo = objectInfo;
    this._register(vscode.workspace.onDidOpenTextDocument((d) => this.#update(d)));
    this._register(
      vscode.workspace.onDidChangeTextDocument((e) => {
        if (isSpecDocument(e.document) && e.contentChanges.length) {
          this.#server.delete(e.document.uri);
          this.#schedule(e.document);
        }
      }),
    );
    this._register(
      vscode.workspace.onDidCloseTextDocument((d) => {
        this.#cancelTimer(d.uri.toString());
        this.#parse.delete(d.uri);
        this.#published.delete(d.uri.toString());
        this.#server.delete(d.uri);
      }),
    );
    this._register({ dispose: () => [...this.#timers.keys()].forEach((k) => this.#cancelTimer(k)) });
    // A workflow file written, made or removed changes what the specs that use it can send.
    const graphs = this._register(vscode.workspace.createFileSystemWatcher('**/*.json'));
    for (const on of [graphs.onDidChange, graphs.onDidCreate, graphs.onDidDelete]) {
      this._register(on((uri) => this.#workflowChanged(uri)));
    }
    // Documents already open are parsed just after activation, not in it: activate() evaluates no YAML
    // parser. A CodeLens request that comes first parses the document itself (SpecDocuments caches it).
    const initial = setTimeout(() => vscode.workspace.textDocuments.forEach((d) => this.#update(d)), 0);
    this._register({ dispose: () => clearTimeout(initial) });
  }

  /** Places ComfyUI's complaints about a rejected spec on the fields they came from. */
  reportRejected(uri: vscode.Uri, spec: Spec, problems: readonly SpecProblem[]): void {
    this.#server.set(
      uri,
      problems.map((p) => problemDiagnostic(spec, p)),
    );
  }

  #schedule(doc: vscode.TextDocument): void {
    const key = doc.uri.toString();
    this.#cancelTimer(key);
    this.#timers.set(
      key,
      setTimeout(() => {
        this.#timers.delete(key);
        this.#update(doc);
      }, DEBOUNCE_MS),
    );
  }

  #cancelTimer(key: string): void {
    const t = this.#timers.get(key);
    if (t) {
      clearTimeout(t);
      this.#timers.delete(key);
    }
  }

  #update(doc: vscode.TextDocument): void {
    if (!isSpecDocument(doc) || doc.isClosed || this.isDisposed) {
      return;
    }
    const version = doc.version;
    // Closed, disposed or edited since: a later update (or none) owns the diagnostics.
    const current = () => !doc.isClosed && !this.isDisposed && doc.version === version;
    void this.#docs.parseSliced(doc).then(async (parsed) => {
      if (!current()) {
        return;
      }
      this.#publish(doc.uri, parsed.diagnostics);
      // Then what needs the server or other files: the names the live server lacks (errors that replace
      // the built-in lists' warnings), and the graphs the specs would send (the workflow file opened,
      // every job mapped onto it).
      if (!loadedRunEngine()) {
        await new Promise((ok) => setTimeout(ok, SERVER_CHECK_DELAY_MS));
        if (!current()) {
          return;
        }
      }
      const info = await this.#objectInfo().catch(() => undefined);
      const specFile = doc.uri.scheme === 'file' ? doc.uri.fsPath : undefined;
      const graph = await workflowDiagnostics(specFile, parsed.specs, async () => info).catch(() => []);
      if (!current()) {
        return;
      }
      const lines = doc.getText().split(/\r?\n/);
      const names = info ? parsed.specs.flatMap((s) => language().serverNameProblems(s, info, lines)) : [];
      const own = info ? parsed.diagnostics.filter((d) => !BUILTIN_LIST_CODES.has(d.code)) : parsed.diagnostics;
      if (graph.length || names.length || own.length !== parsed.diagnostics.length) {
        this.#publish(doc.uri, [...own, ...graph, ...names]);
      }
    });
  }

  /** The published problem behind a diagnostic VS Code hands back (same message, same start), with its fixes. */
  problemOf(uri: vscode.Uri, d: vscode.Diagnostic): SpecDiagnostic | undefined {
    return this.#published
      .get(uri.toString())
      ?.find(
        (p) => p.message === d.message && p.range.start.line === d.range.start.line && p.range.start.character === d.range.start.character,
      );
  }

  #publish(uri: vscode.Uri, problems: SpecDiagnostic[]): void {
    this.#published.set(uri.toString(), problems);
    this.#parse.set(uri, problems.map(toDiagnostic));
  }

  /** Checks again the open specs whose `workflow:` is this file (run.json writes pass by). */
  #workflowChanged(uri: vscode.Uri): void {
    for (const doc of vscode.workspace.textDocuments) {
      if (!isSpecDocument(doc) || doc.uri.scheme !== 'file') {
        continue;
      }
      const dir = path.dirname(doc.uri.fsPath);
      if (this.#docs.parse(doc).specs.some((s) => s.workflow && path.resolve(dir, s.workflow) === uri.fsPath)) {
        this.#update(doc);
      }
    }
  }
}

const SEVERITY: Record<Severity, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

export function toRange(r: Range): vscode.Range {
  return new vscode.Range(r.start.line, r.start.character, r.end.line, r.end.character);
}

function toDiagnostic(d: SpecDiagnostic): vscode.Diagnostic {
  const diag = new vscode.Diagnostic(toRange(d.range), d.message, SEVERITY[d.severity] ?? vscode.DiagnosticSeverity.Error);
  diag.source = 'qwenprompt';
  diag.code = d.code;
  return diag;
}

function problemDiagnostic(spec: Spec, p: SpecProblem): vscode.Diagnostic {
  const range = fieldRange(spec, p.field);
  const where = range ? '' : `${p.classType || 'node'} ${p.node}${p.input ? `.${p.input}` : ''}: `;
  const diag = new vscode.Diagnostic(
    range ? toRange(range) : new vscode.Range(spec.lensLine, 0, spec.lensLine, Number.MAX_SAFE_INTEGER),
    vscode.l10n.t('ComfyUI rejected this: {0}{1}', where, p.message),
    vscode.DiagnosticSeverity.Error,
  );
  diag.source = 'ComfyUI';
  return diag;
}
