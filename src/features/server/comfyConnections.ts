import vscode = require('vscode');
import type { ComfyClientOptions } from '../../core/comfy/client';
import type { IComfyClient } from '../../core/comfy/types';
import type { ILogger } from '../../core/logger';
import type { ConfigService } from '../../platform/config';
import { Disposable } from '../../platform/dispose';
import type { TokenStore } from '../../platform/secrets';
import { UntrustedWorkspaceError } from '../../platform/trust';
import { runEngine } from '../runEngine';

export interface ComfyConnectionsDeps {
  config: ConfigService;
  tokens: TokenStore;
  log: ILogger;
  /** Workspace trust, read on every request (a parameter so tests can run the untrusted path). */
  isTrusted?: () => boolean;
  /** Builds a client; the default is the core ComfyClient. */
  createClient?: (opts: ComfyClientOptions) => IComfyClient;
}

interface Entry {
  token: string | undefined;
  watchdogMs: number;
  client: IComfyClient;
  /** Runs holding the client; a replaced client is closed only when the last one lets go. */
  users: number;
  retired: boolean;
}

/**
 * The only way the extension reaches a ComfyUI server: one client per server URL and token, and the
 * workspace-trust gate in front of all of them.
 */
export class ComfyConnections extends Disposable {
  readonly #deps: ComfyConnectionsDeps;
  readonly #clients = new Map<string, Entry>();
  readonly #onDidChange = this._register(new vscode.EventEmitter<void>());
  /** The server URL, its token or the workspace trust changed: cached server facts are stale. */
  readonly onDidChange = this.#onDidChange.event;

  constructor(deps: ComfyConnectionsDeps) {
    super();
    this.#deps = deps;
    this._register(
      deps.config.onDidChange((e) => {
        if (e.affectsConfiguration('qwenprompt.comfy')) {
          this.#onDidChange.fire();
        }
      }),
    );
    this._register(
      deps.tokens.onDidChange((url) => {
        this.#drop(url);
        this.#onDidChange.fire();
      }),
    );
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(() => this.#onDidChange.fire()));
    this._register({ dispose: () => [...this.#clients.keys()].forEach((u) => this.#drop(u)) });
  }

  get isTrusted(): boolean {
    return (this.#deps.isTrusted ?? (() => vscode.workspace.isTrusted))();
  }

  /** The configured server URL. */
  get url(): string {
    return this.#deps.config.current.comfyUrl;
  }

  /** The client for `url` (default: the configured server). Throws UntrustedWorkspaceError in Restricted Mode. */
  async client(url: string = this.url): Promise<IComfyClient> {
    return (await this.#entry(url)).client;
  }

  /** Like `client`, but keeps the client open until `dispose` even if the token or settings change meanwhile. */
  async lease(url: string = this.url): Promise<{ client: IComfyClient } & vscode.Disposable> {
    const entry = await this.#entry(url);
    entry.users++;
    let released = false;
    return {
      client: entry.client,
      dispose: () => {
        if (!released) {
          released = true;
          entry.users--;
          if (entry.retired && entry.users === 0) {
            entry.client.close();
          }
        }
      },
    };
  }

  async #entry(url: string): Promise<Entry> {
    if (!this.isTrusted) {
      throw new UntrustedWorkspaceError();
    }
    const token = (await this.#deps.tokens.get(url)) || undefined;
    const watchdogMs = this.#deps.config.current.watchdogMinutes * 60_000;
    const cached = this.#clients.get(url);
    if (cached && cached.token === token && cached.watchdogMs === watchdogMs) {
      return cached;
    }
    this.#drop(url);
    const create = this.#deps.createClient ?? ((o: ComfyClientOptions) => new (runEngine().ComfyClient)(o));
    const entry: Entry = {
      token,
      watchdogMs,
      client: create({ baseUrl: url, token, logger: this.#deps.log, watchdogMs }),
      users: 0,
      retired: false,
    };
    this.#clients.set(url, entry);
    return entry;
  }

  #drop(url: string): void {
    const entry = this.#clients.get(url);
    if (entry) {
      this.#clients.delete(url);
      entry.retired = true;
      if (entry.users === 0) {
        entry.client.close();
      }
    }
  }
}
