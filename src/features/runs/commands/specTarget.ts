import vscode = require('vscode');
import type { Spec } from '../../../core/spec/types';
import type { RunService } from '../runService';
import type { SpecLensArgs } from '../specCodeLens';
import { isSpecDocument, type SpecDocuments } from '../../spec/specDocuments';
import type { Command } from '../../command';

export interface SpecTarget {
  doc: vscode.TextDocument;
  spec: Spec;
  /** What a lens asked for, when the command came from a lens. */
  steps?: number[];
  sweep?: boolean;
  variants?: string[];
}

/** Lens arguments, validated: they may come from a stale lens or a hand-written keybinding. */
export function asLensArgs(arg: unknown): SpecLensArgs | undefined {
  if (!arg || typeof arg !== 'object') {
    return undefined;
  }
  const a = arg as Record<string, unknown>;
  if (typeof a.uri !== 'string' || typeof a.specId !== 'string') {
    return undefined;
  }
  const steps = Array.isArray(a.steps) ? a.steps.filter((s): s is number => Number.isInteger(s) && s > 0) : undefined;
  const variants = Array.isArray(a.variants) ? a.variants.filter((v): v is string => typeof v === 'string' && v !== '') : undefined;
  return {
    uri: a.uri,
    specId: a.specId,
    steps: steps?.length ? steps : undefined,
    sweep: a.sweep === true || undefined,
    ...(variants?.length ? { variants } : {}),
  };
}

/** The spec a command is about: the lens's, else the one under the cursor of the active .qwenprompt editor. */
export async function resolveSpecTarget(docs: SpecDocuments, arg: unknown): Promise<SpecTarget> {
  const lens = asLensArgs(arg);
  if (lens) {
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(lens.uri));
    const spec = docs.specs(doc).find((s) => s.id === lens.specId);
    if (!spec) {
      throw new Error(vscode.l10n.t('The spec "{0}" is no longer in {1}.', lens.specId, vscode.workspace.asRelativePath(doc.uri)));
    }
    return { doc, spec, steps: lens.steps, sweep: lens.sweep, variants: lens.variants };
  }
  const editor = vscode.window.activeTextEditor;
  if (!editor || !isSpecDocument(editor.document)) {
    throw new Error(vscode.l10n.t('Open a .qwenprompt file and put the cursor in the spec to run.'));
  }
  const spec = docs.specAt(editor.document, editor.selection.active.line);
  if (!spec) {
    throw new Error(vscode.l10n.t('This file holds no spec yet: write one (or run "QwenPrompt: New Spec").'));
  }
  return { doc: editor.document, spec };
}

/** A command that runs a spec: it needs the parsed documents and the run service. */
export abstract class SpecRunCommand implements Command {
  abstract readonly id: string;
  protected readonly docs: SpecDocuments;
  protected readonly runs: RunService;

  constructor(docs: SpecDocuments, runs: RunService) {
    this.docs = docs;
    this.runs = runs;
  }

  abstract run(arg?: unknown): unknown;
}
