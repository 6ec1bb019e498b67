import * as path from 'node:path';
import vscode = require('vscode');
import type { ObjectInfo } from '../../core/comfy/objectInfo';
import type { SpecProblem } from '../../core/runs/specRejected';
import { fieldRange } from '../../core/spec/fieldRange';
import type { Range, Severity, Spec, SpecDiagnostic } from '../../core/spec/types';
import { Disposable } from '../../platform/dispose';
import { isSpecDocument, type SpecDocuments } from './specDocuments';
import { workflowDiagnostics } from './workflowDiagnostics';

const DEBOUNCE_MS = 150;

/**
 * Problems of open .qwenprompt documents: the parser's, refreshed as the user types, and those ComfyUI
 * reported when it rejected a run, kept until the document changes.
 */
export class SpecDiagnostics extends Disposable {
  readonly #docs: SpecDocuments;
  readonly #parse = this._register(vscode.languages.createDiagnosticCollection('qwenprompt'));
  readonly #server = this._register(vscode.languages.createDiagnosticCollection('qwenprompt-server'));
  readonly #timers = new Map<string, ReturnType<typeof setTimeout>>();

  readonly #objectInfo: () => Promise<ObjectInfo | undefined>;

  /** `objectInfo`: the server's node schemas when it answers, for converting UI workflows. */
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
      this.#parse.set(doc.uri, parsed.diagnostics.map(toDiagnostic));
      // Then the graphs the specs would send: the workflow file opened, every job mapped onto it.
      const graph = await workflowDiagnostics(doc.uri.scheme === 'file' ? doc.uri.fsPath : undefined, parsed.specs, this.#objectInfo).catch(
        () => [],
      );
      if (graph.length && current()) {
        this.#parse.set(doc.uri, [...parsed.diagnostics, ...graph].map(toDiagnostic));
      }
    });
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
