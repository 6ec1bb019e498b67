import vscode = require('vscode');
import { Disposable } from './dispose';

const KEY_PREFIX = 'qwenprompt.token:';

/** Bearer tokens for proxied ComfyUI servers, one per server URL, kept only in SecretStorage. */
export class TokenStore extends Disposable {
  readonly #secrets: vscode.SecretStorage;
  readonly #onDidChange = this._register(new vscode.EventEmitter<string>());
  /** Fires with the server URL whose token was set or cleared. */
  readonly onDidChange = this.#onDidChange.event;

  constructor(secrets: vscode.SecretStorage) {
    super();
    this.#secrets = secrets;
    this._register(
      secrets.onDidChange((e) => {
        if (e.key.startsWith(KEY_PREFIX)) {
          this.#onDidChange.fire(e.key.slice(KEY_PREFIX.length));
        }
      }),
    );
  }

  get(serverUrl: string): Thenable<string | undefined> {
    return this.#secrets.get(KEY_PREFIX + serverUrl);
  }

  set(serverUrl: string, token: string): Thenable<void> {
    return this.#secrets.store(KEY_PREFIX + serverUrl, token);
  }

  clear(serverUrl: string): Thenable<void> {
    return this.#secrets.delete(KEY_PREFIX + serverUrl);
  }
}
