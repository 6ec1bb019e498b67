import vscode = require('vscode');
import type { HostLogger } from '../../platform/logger';
import { registerCommands } from '../command';
import type { RunService } from '../runs/runService';
import type { SpecDocuments } from '../spec/specDocuments';
import type { ScenarioLayer } from '../../shared/scenarios';
import { CompareRunsCommand } from './commands/compareRuns';
import { OpenImageCommand } from './commands/openImage';
import { OpenResultsCommand } from './commands/openResults';
import { PinResultsCommand } from './commands/pinResults';
import { RevealRunFolderCommand } from './commands/revealRunFolder';
import { ShowHistoryCommand } from './commands/showHistory';
import { RESULTS_VIEW_TYPE, ResultsPanelController } from './resultsPanel';

export interface ResultsFeatureDeps {
  extensionUri: vscode.Uri;
  docs: SpecDocuments;
  runs: RunService;
  log: HostLogger;
  /** The qwenprompt.rater setting ('' when unset). */
  rater(): string;
  /** The qwenprompt.scenarios setting. */
  scenarios(): Readonly<ScenarioLayer>;
}

/**
 * The results panels: a run shows in its spec's panel (a new one when that is pinned or busy) as it
 * starts and follows the run's updates; the serializer
 * restores them after a reload; the commands open, list and compare runs.
 */
export function registerResults({ extensionUri, docs, runs, log, rater, scenarios }: ResultsFeatureDeps): vscode.Disposable {
  const panels = new ResultsPanelController({ extensionUri, log, runs, rater, scenarios });
  return vscode.Disposable.from(
    panels,
    vscode.window.registerWebviewPanelSerializer(RESULTS_VIEW_TYPE, {
      deserializeWebviewPanel: (panel, state) => panels.revive(panel, state),
    }),
    registerCommands(
      [
        new OpenResultsCommand(docs, runs, panels),
        new ShowHistoryCommand(docs, runs, panels),
        new CompareRunsCommand(docs, runs, panels),
        new OpenImageCommand(),
        new RevealRunFolderCommand(),
        new PinResultsCommand(panels),
      ],
      log,
    ),
  );
}
