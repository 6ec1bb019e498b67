import type { ConfigService } from '../../platform/config';
import { Disposable } from '../../platform/dispose';
import type { HostLogger } from '../../platform/logger';
import type { TokenStore } from '../../platform/secrets';
import { registerCommands } from '../command';
import { ComfyConnections } from './comfyConnections';
import { ClearTokenCommand } from './commands/clearToken';
import { SelectServerCommand } from './commands/selectServer';
import { SetTokenCommand } from './commands/setToken';
import { ServerCatalog } from './serverCatalog';
import { ServerStatusBar, type RunActivity } from './statusBar';

export interface ServerFeatureDeps {
  config: ConfigService;
  tokens: TokenStore;
  log: HostLogger;
}

/**
 * The ComfyUI server: its connections behind the workspace-trust gate, the names it offers completions,
 * and the commands that choose it and its token.
 */
export class ServerFeature extends Disposable {
  readonly connections: ComfyConnections;
  readonly catalog: ServerCatalog;
  readonly #log: HostLogger;

  constructor({ config, tokens, log }: ServerFeatureDeps) {
    super();
    this.#log = log;
    this.connections = this._register(new ComfyConnections({ config, tokens, log }));
    this.catalog = this._register(new ServerCatalog(this.connections, log));
    this._register(
      registerCommands(
        [new SelectServerCommand(config, this.connections), new SetTokenCommand(config, tokens), new ClearTokenCommand(config, tokens)],
        log,
      ),
    );
  }

  /** The server's state in the status bar, polled while a spec is visible or one of `runs` is going. */
  showStatus(runs: RunActivity): void {
    this._register(new ServerStatusBar(this.connections, runs, this.#log));
  }
}
