import vscode = require('vscode');
import { TokenCommand } from './setToken';

/** Forgets the current server's bearer token. */
export class ClearTokenCommand extends TokenCommand {
  readonly id = 'qwenprompt.clearToken';

  async run(): Promise<void> {
    const url = this.config.current.comfyUrl;
    await this.tokens.clear(url);
    void vscode.window.showInformationMessage(vscode.l10n.t('Token removed for {0}.', url));
  }
}
