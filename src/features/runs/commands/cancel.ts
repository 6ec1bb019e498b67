import vscode = require('vscode');
import type { RunService } from '../runService';
import { Cancelled, type Command } from '../../command';
import { asLensArgs } from './specTarget';

/** Cancels a run: the lens's spec, the only running one, or one the user picks. */
export class CancelCommand implements Command {
  readonly id = 'qwenprompt.cancel';
  readonly #runs: RunService;

  constructor(runs: RunService) {
    this.#runs = runs;
  }

  async run(arg?: unknown): Promise<boolean> {
    const lens = asLensArgs(arg);
    if (lens) {
      const run = this.#runs.activeRunOf(lens.uri, lens.specId);
      return run ? this.#runs.cancel(run) : false;
    }
    const running = this.#runs.running;
    if (!running.length) {
      void vscode.window.showInformationMessage(vscode.l10n.t('No QwenPrompt run is going on.'));
      return false;
    }
    let target = running[0];
    if (running.length > 1) {
      const pick = await vscode.window.showQuickPick(
        running.map((r) => ({ label: r.specName, description: `${r.done}/${r.total}`, run: r })),
        { title: vscode.l10n.t('Cancel which run?') },
      );
      if (!pick) {
        throw new Cancelled();
      }
      target = pick.run;
    }
    return this.#runs.cancel(target);
  }
}
