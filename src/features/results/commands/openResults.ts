import * as path from 'node:path';
import vscode = require('vscode');
import type { RunService } from '../../runs/runService';
import type { SpecDocuments } from '../../spec/specDocuments';
import type { Command } from '../../command';
import { resolveSpecTarget } from '../../runs/commands/specTarget';

/** Whatever shows a run folder (the results panel). */
export interface ResultsView {
  show(runDir: string): Promise<void>;
  /** Shows run `a` with run `b` beside it. */
  compare(a: string, b: string): Promise<void>;
}

/** Shows a spec's newest run (or a given run folder) in the results panel. */
export class OpenResultsCommand implements Command {
  readonly id = 'qwenprompt.openResults';
  readonly #docs: SpecDocuments;
  readonly #runs: RunService;
  readonly #view: ResultsView;

  constructor(docs: SpecDocuments, runs: RunService, view: ResultsView) {
    this.#docs = docs;
    this.#runs = runs;
    this.#view = view;
  }

  async run(arg?: unknown): Promise<string> {
    const runDir = runDirArg(arg) ?? (await this.#latest(arg));
    await this.#view.show(runDir);
    return runDir;
  }

  async #latest(arg: unknown): Promise<string> {
    const { doc, spec } = await resolveSpecTarget(this.#docs, arg);
    const running = this.#runs.activeRunOf(doc.uri.toString(), spec.id)?.runDir;
    const latest = running ?? (await this.#runs.history(doc.uri, spec.id)).latest?.runDir;
    if (!latest) {
      throw new Error(vscode.l10n.t('"{0}" has not been run yet: click a "▶" lens above it.', spec.name));
    }
    return latest;
  }
}

/** `{ runDir }` as the panel and other commands pass it. */
export function runDirArg(arg: unknown): string | undefined {
  const runDir = arg && typeof arg === 'object' ? (arg as { runDir?: unknown }).runDir : undefined;
  return typeof runDir === 'string' && path.isAbsolute(runDir) ? runDir : undefined;
}
