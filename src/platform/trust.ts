import vscode = require('vscode');

/** Thrown instead of talking to a server from an untrusted workspace. */
export class UntrustedWorkspaceError extends Error {
  constructor() {
    super(vscode.l10n.t('This folder is in Restricted Mode: QwenPrompt sends nothing to any server until you trust it.'));
    this.name = 'UntrustedWorkspaceError';
  }
}
