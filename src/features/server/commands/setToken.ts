import vscode = require('vscode');
import type { ConfigService } from '../../../platform/config';
import type { TokenStore } from '../../../platform/secrets';
import { Cancelled, type Command } from '../../command';

/** A command about the current server's bearer token. */
export abstract class TokenCommand implements Command {
  abstract readonly id: string;
  protected readonly config: ConfigService;
  protected readonly tokens: TokenStore;

  constructor(config: ConfigService, tokens: TokenStore) {
    this.config = config;
    this.tokens = tokens;
  }

  abstract run(): Promise<void>;
}

/** Stores a bearer token for the current server (a ComfyUI behind an authenticating proxy). */
export class SetTokenCommand extends TokenCommand {
  readonly id = 'qwenprompt.setToken';

  async run(): Promise<void> {
    const url = this.config.current.comfyUrl;
    const token = await vscode.window.showInputBox({
      title: vscode.l10n.t('Bearer token for {0}', url),
      prompt: vscode.l10n.t('Sent as "Authorization: Bearer …" to this server only. Kept in VS Code\'s secret storage.'),
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() && !/\s/.test(v.trim()) ? undefined : vscode.l10n.t('A token is one word without spaces')),
    });
    if (token === undefined) {
      throw new Cancelled();
    }
    await this.tokens.set(url, token.trim());
    void vscode.window.showInformationMessage(vscode.l10n.t('Token saved for {0}.', url));
  }
}
