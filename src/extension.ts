import vscode = require('vscode');
import { readRunRecord } from './core/runs/record';
import { ComfyConnections } from './features/server/comfyConnections';
import { registerCommands } from './features/commands';
import { ResultsPanelController } from './features/results/resultsPanel';
import { loadedRunEngine } from './features/runEngine';
import { RunService } from './features/runs/runService';
import { ServerCatalog } from './features/server/serverCatalog';
import { registerSpecCodeLens } from './features/runs/specCodeLens';
import { registerSpecCompletions, registerSpecHovers } from './features/spec/specLanguageProviders';
import { SpecDiagnostics } from './features/spec/specDiagnostics';
import { SpecDocuments } from './features/spec/specDocuments';
import { ServerStatusBar } from './features/server/statusBar';
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
  const connections = new ComfyConnections({ config, tokens, log });
  const docs = new SpecDocuments(config);
  const diagnostics = new SpecDiagnostics(docs);
  const runs = new RunService({
    config,
    connections,
    log,
    onRejected: (uri, spec, e) => diagnostics.reportRejected(uri, spec, e.problems),
    // A run opens its panel once its folder exists (below); until then the panel is about to show it.
    showsRun: (runDir): boolean => runDir === undefined || results.shows(runDir),
  });
  const results = new ResultsPanelController({
    extensionUri: ctx.extensionUri,
    log,
    onCancel: (runDir) => runs.cancelRunDir(runDir),
    onOpenImage: (file) => void vscode.commands.executeCommand('qwenprompt.openImage', { file: file.fsPath }),
    onRevealRunFolder: (runDir) => void vscode.commands.executeCommand('qwenprompt.revealRunFolder', { runDir }),
    runningDirs: () => runs.running.map((r) => r.runDir),
    onResume: (runDir) => runs.resumeFolder(runDir),
  });
  const catalog = new ServerCatalog(connections, log);

  ctx.subscriptions.push(
    log,
    config,
    tokens,
    connections,
    docs,
    diagnostics,
    runs,
    results,
    catalog,
    // A run shows itself as soon as its folder exists, then every update follows it into the panel.
    runs.onDidUpdate(({ update }) => {
      if (update.type === 'planned') {
        results.showRun(update.runDir, update.record, true);
      } else {
        results.update(update);
      }
    }),
    runs.onDidChangeRuns(() => results.runsChanged()),
    registerSpecCodeLens({ config, docs, runs, connections }),
    registerSpecCompletions(catalog),
    registerSpecHovers(catalog),
    new ServerStatusBar(connections, runs, log),
    registerCommands({
      config,
      docs,
      runs,
      connections,
      tokens,
      log,
      results: () => ({
        show: async (runDir: string) => results.showRun(runDir, await readRunRecord(runDir)),
        compare: (a: string, b: string) => results.compareRuns(a, b),
      }),
    }),
  );
  log.info(`QwenPrompt ${ctx.extension.packageJSON.version} active; server ${config.current.comfyUrl}`);
  // What activate() itself took, apart from the host's part of activation (bench/activate.ts reads it).
  performance.measure('qwenprompt:activate', { start: started });
  return { runs, docs, connections };
}

/** Ends the image worker thread if a run started it (it would end by itself 5 s after its last job). */
export async function deactivate(): Promise<void> {
  await loadedRunEngine()?.stopThumbnailWorker();
}
