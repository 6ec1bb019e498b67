import vscode = require('vscode');
import type { ConfigService } from '../platform/config';
import type { HostLogger } from '../platform/logger';
import type { TokenStore } from '../platform/secrets';
import type { ComfyConnections } from './server/comfyConnections';
import type { RunService } from './runs/runService';
import type { SpecDocuments } from './spec/specDocuments';
import { CancelCommand } from './runs/commands/cancel';
import { ClearTokenCommand } from './server/commands/clearToken';
import { CompareRunsCommand } from './results/commands/compareRuns';
import { CreateSpecFromImageCommand } from './spec/commands/createSpecFromImage';
import { registerGuarded, type Command } from './command';
import { NewSpecCommand } from './spec/commands/newSpec';
import { OpenImageCommand } from './results/commands/openImage';
import { OpenResultsCommand, type ResultsView } from './results/commands/openResults';
import { RevealRunFolderCommand } from './results/commands/revealRunFolder';
import { ResumeRunCommand } from './runs/commands/resumeRun';
import { RunAllCommand } from './runs/commands/runAll';
import { RunSpecCommand } from './runs/commands/runSpec';
import { RunSweepCommand } from './runs/commands/runSweep';
import { SelectServerCommand } from './server/commands/selectServer';
import { SetTokenCommand } from './server/commands/setToken';
import { ShowHistoryCommand } from './results/commands/showHistory';
import { ShowLogCommand } from './showLog';

export interface CommandDeps {
  config: ConfigService;
  docs: SpecDocuments;
  runs: RunService;
  connections: ComfyConnections;
  tokens: TokenStore;
  log: HostLogger;
  /** The results panel, once it is registered. */
  results: () => ResultsView | undefined;
}

/** Registers every `qwenprompt.*` command, each behind the error guard. */
export function registerCommands(d: CommandDeps): vscode.Disposable {
  const commands: Command[] = [
    new RunSpecCommand(d.docs, d.runs),
    new RunAllCommand(d.docs, d.runs),
    new RunSweepCommand(d.docs, d.runs),
    new ResumeRunCommand(d.docs, d.runs),
    new CancelCommand(d.runs),
    new OpenResultsCommand(d.docs, d.runs, d.results),
    new NewSpecCommand(),
    new SelectServerCommand(d.config, d.connections),
    new SetTokenCommand(d.config, d.tokens),
    new ClearTokenCommand(d.config, d.tokens),
    new ShowLogCommand(d.log),
    new OpenImageCommand(),
    new RevealRunFolderCommand(),
    new ShowHistoryCommand(d.docs, d.runs, d.results),
    new CompareRunsCommand(d.docs, d.runs, d.results),
    new CreateSpecFromImageCommand(),
  ];
  return vscode.Disposable.from(...commands.map((c) => registerGuarded(c, d.log)));
}
