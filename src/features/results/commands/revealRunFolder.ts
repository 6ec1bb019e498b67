import vscode = require('vscode');
import type { Command } from '../../command';
import { runDirArg } from './openResults';

/** Shows a run folder: in the Explorer when it is inside the workspace, else in the OS file manager. */
export class RevealRunFolderCommand implements Command {
  readonly id = 'qwenprompt.revealRunFolder';

  async run(arg?: unknown): Promise<void> {
    const runDir = runDirArg(arg);
    if (!runDir) {
      throw new Error(vscode.l10n.t('Reveal a run folder from the results panel.'));
    }
    await revealRunFolder(runDir);
  }
}

/** Shows a folder in the Explorer when it is inside the workspace, else in the OS file manager. */
export async function revealRunFolder(runDir: string): Promise<void> {
  const uri = vscode.Uri.file(runDir);
  // revealFileInOS does nothing useful in a browser-hosted workbench; the Explorer works everywhere.
  const inWorkspace = vscode.workspace.getWorkspaceFolder(uri) !== undefined;
  await vscode.commands.executeCommand(inWorkspace ? 'revealInExplorer' : 'revealFileInOS', uri);
}
