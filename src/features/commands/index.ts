import vscode = require('vscode');
import type { ConfigService } from '../../platform/config';
import type { HostLogger } from '../../platform/logger';
import type { TokenStore } from '../../platform/secrets';
import type { ComfyConnections } from '../comfyConnections';
import type { RunService } from '../runService';
import type { SpecDocuments } from '../specDocuments';
import { CancelCommand } from './cancel';
import { ClearTokenCommand } from './clearToken';
import { CompareRunsCommand } from './compareRuns';
import { CreateSpecFromImageCommand } from './createSpecFromImage';
import { registerGuarded, type Command } from './command';
import { NewSpecCommand } from './newSpec';
import { OpenImageCommand } from './openImage';
import { OpenResultsCommand, type ResultsView } from './openResults';
import { RevealRunFolderCommand } from './revealRunFolder';
import { ResumeRunCommand } from './resumeRun';
import { RunAllCommand } from './runAll';
import { RunSpecCommand } from './runSpec';
import { RunSweepCommand } from './runSweep';
import { SelectServerCommand } from './selectServer';
import { SetTokenCommand } from './setToken';
import { ShowHistoryCommand } from './showHistory';
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
