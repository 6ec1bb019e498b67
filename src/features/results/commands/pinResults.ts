import vscode = require('vscode');
import type { Command } from '../../command';

/** Whatever holds the results panels: pins the active one or unpins it (undefined: none is active). */
export interface PinnablePanels {
  togglePin(): boolean | undefined;
}

/** "Pin Results Panel": the active results panel keeps its run; the spec's next run opens another panel. */
export class PinResultsCommand implements Command {
  readonly id = 'qwenprompt.pinResults';
  readonly #panels: PinnablePanels;

  constructor(panels: PinnablePanels) {
    this.#panels = panels;
  }

  run(): boolean {
    const pinned = this.#panels.togglePin();
    if (pinned === undefined) throw new Error(vscode.l10n.t('Pin a results panel from its tab: open one first, then run this again.'));
    return pinned;
  }
}
