import vscode = require('vscode');
import { registerCommands } from './features/command';
import { registerResults } from './features/results/resultsFeature';
import { loadedRunEngine } from './features/runEngine';
import { RunsFeature } from './features/runs/runsFeature';
import type { RunService } from './features/runs/runService';
import type { ComfyConnections } from './features/server/comfyConnections';
import { ServerFeature } from './features/server/serverFeature';
import { ShowLogCommand } from './features/showLog';
import type { SpecDocuments } from './features/spec/specDocuments';
import { SpecFeature } from './features/spec/specFeature';
import { ConfigService } from './platform/config';
import { createLogger } from './platform/logger';
import { TokenStore } from './platform/secrets';

/** What the extension hands to other extensions and to its own integration tests. */
export interface QwenPromptApi {
  readonly runs: RunService;
  readonly docs: SpecDocuments;
  readonly connections: ComfyConnections;
}

export function activate(ctx: vscode.ExtensionContext): QwenPromptApi {
  const started = performance.now();
  const log = createLogger();
  const config = new ConfigService();
  const tokens = new TokenStore(ctx.secrets);
  const server = new ServerFeature({ config, tokens, log });
  const spec = new SpecFeature({ config, catalog: server.catalog, log });
  const runs = new RunsFeature({ config, connections: server.connections, docs: spec.docs, diagnostics: spec.diagnostics, log });
  server.showStatus(runs.service);
  ctx.subscriptions.push(
    log,
    config,
    tokens,
    server,
    spec,
    runs,
    registerResults({
      extensionUri: ctx.extensionUri,
      docs: spec.docs,
      runs: runs.service,
      log,
      rater: () => config.current.rater,
      scenarios: () => config.current.scenarios,
    }),
    registerCommands([new ShowLogCommand(log)], log),
  );
  log.info(`QwenPrompt ${ctx.extension.packageJSON.version} active; server ${config.current.comfyUrl}`);
  // What activate() itself took, apart from the host's part of activation (bench/activate.ts reads it).
  performance.measure('qwenprompt:activate', { start: started });
  return { runs: runs.service, docs: spec.docs, connections: server.connections };
}

/** Ends the image worker thread if a run started it (it would end by itself 5 s after its last job). */
export async function deactivate(): Promise<void> {
  await loadedRunEngine()?.stopThumbnailWorker();
}
