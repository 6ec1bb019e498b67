import * as path from 'node:path';
import vscode = require('vscode');
import { SpecRunsCommand, specRunItems } from './showHistory';

/** Two run folders passed directly (tests, other extensions): `{ runDirs: [a, b] }`. */
function runDirsArg(arg: unknown): [string, string] | undefined {
  const dirs = arg && typeof arg === 'object' ? (arg as { runDirs?: unknown }).runDirs : undefined;
  return Array.isArray(dirs) && dirs.length === 2 && dirs.every((d) => typeof d === 'string' && path.isAbsolute(d))
    ? [dirs[0] as string, dirs[1] as string]
    : undefined;
}

/** Picks two runs of a spec and shows the newer with the older beside it: timings and images side by side. */
export class CompareRunsCommand extends SpecRunsCommand {
  readonly id = 'qwenprompt.compareRuns';

  async run(arg?: unknown): Promise<[string, string] | undefined> {
    const pair = runDirsArg(arg) ?? (await this.#pick(arg));
    if (!pair) return undefined;
    await this.view.compare(pair[0], pair[1]);
    return pair;
  }

  async #pick(arg: unknown): Promise<[string, string] | undefined> {
    const { name, items } = await specRunItems(this.docs, this.runs, arg);
    if (items.length < 2) {
      throw new Error(vscode.l10n.t('"{0}" has only one run; run it again (e.g. after changing the prompt) to compare.', name));
    }
    const picked = await vscode.window.showQuickPick(items, {
      title: vscode.l10n.t('Compare two runs of "{0}"', name),
      placeHolder: vscode.l10n.t('Tick two runs'),
      canPickMany: true,
      matchOnDescription: true,
    });
    if (!picked) return undefined;
    if (picked.length !== 2) throw new Error(vscode.l10n.t('Pick exactly two runs to compare ({0} picked).', picked.length));
    // Items are newest first: the newer run is A, the older B (before → after reads as B → A).
    return [picked[0].entry.runDir, picked[1].entry.runDir];
  }
}
