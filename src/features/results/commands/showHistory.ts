import vscode = require('vscode');
import { historyEntry } from '../../../core/quality/history';
import { listRuns } from '../../../core/runs/runFolders';
import type { RunService } from '../../runs/runService';
import type { SpecDocuments } from '../../spec/specDocuments';
import type { Command } from '../../command';
import type { ResultsView } from './openResults';
import { resolveSpecTarget } from '../../runs/commands/specTarget';
import type { RunHistoryEntry } from '../../../shared/history';

export interface RunPick extends vscode.QuickPickItem {
  entry: RunHistoryEntry;
}

/** Every run of the spec at the cursor (or of a lens's spec), newest first, as pick items. */
export async function specRunItems(docs: SpecDocuments, runs: RunService, arg: unknown): Promise<{ name: string; items: RunPick[] }> {
  const { doc, spec } = await resolveSpecTarget(docs, arg);
  const runsRoot = runs.runsRoot(doc.uri.fsPath);
  // Spec ids are slugs, so two files can share a folder; the record names its own file.
  const found = await listRuns(runsRoot, spec.id, doc.uri.fsPath);
  if (!found.length) {
    throw new Error(vscode.l10n.t('"{0}" has not been run yet: click a "▶" lens above it.', spec.name));
  }
  const items = found.map(({ runDir, record }) => {
    const e = historyEntry(runDir, record);
    const when = new Date(e.createdAt).toLocaleString();
    return {
      entry: e,
      label: `${when} · ${e.status}`,
      description: e.headline.join(' · ') || vscode.l10n.t('nothing measured'),
      detail: [e.gpu, e.comfyuiVersion && `ComfyUI ${e.comfyuiVersion}`, e.settings, e.votes ? vscode.l10n.t('{0} votes', e.votes) : '']
        .filter(Boolean)
        .join(' · '),
    };
  });
  return { name: spec.name, items };
}

/** A command about a spec's runs on disk, shown in the results panel. */
export abstract class SpecRunsCommand implements Command {
  abstract readonly id: string;
  protected readonly docs: SpecDocuments;
  protected readonly runs: RunService;
  protected readonly view: ResultsView;

  constructor(docs: SpecDocuments, runs: RunService, view: ResultsView) {
    this.docs = docs;
    this.runs = runs;
    this.view = view;
  }

  abstract run(arg?: unknown): unknown;
}

/** Lists every run of a spec, newest first, and reopens the one picked in the results panel. */
export class ShowHistoryCommand extends SpecRunsCommand {
  readonly id = 'qwenprompt.showHistory';

  async run(arg?: unknown): Promise<string | undefined> {
    const { name, items } = await specRunItems(this.docs, this.runs, arg);
    const pick = await vscode.window.showQuickPick(items, {
      title: vscode.l10n.t('Runs of "{0}"', name),
      placeHolder: vscode.l10n.t('Pick a run to open in the results panel'),
      matchOnDescription: true,
      matchOnDetail: true,
    });
    if (!pick) return undefined;
    await this.view.show(pick.entry.runDir);
    return pick.entry.runDir;
  }
}
