import type { ConfigService } from '../../platform/config';
import { Disposable } from '../../platform/dispose';
import type { HostLogger } from '../../platform/logger';
import { registerCommands } from '../command';
import type { ComfyConnections } from '../server/comfyConnections';
import type { SpecDiagnostics } from '../spec/specDiagnostics';
import type { SpecDocuments } from '../spec/specDocuments';
import { CancelCommand } from './commands/cancel';
import { ResumeRunCommand } from './commands/resumeRun';
import { RunAllCommand } from './commands/runAll';
import { RunSpecCommand } from './commands/runSpec';
import { RunSweepCommand } from './commands/runSweep';
import { RunService } from './runService';
import { registerSpecCodeLens } from './specCodeLens';

export interface RunsFeatureDeps {
  config: ConfigService;
  connections: ComfyConnections;
  docs: SpecDocuments;
  /** Where ComfyUI's complaints about a spec's graph become squiggles on the fields at fault. */
  diagnostics: SpecDiagnostics;
  log: HostLogger;
}

/** Runs: the service that starts, tracks and cancels them, the lens row above each spec, and the run commands. */
export class RunsFeature extends Disposable {
  readonly service: RunService;

  constructor({ config, connections, docs, diagnostics, log }: RunsFeatureDeps) {
    super();
    const runs = (this.service = this._register(
      new RunService({ config, connections, log, onRejected: (uri, spec, e) => diagnostics.reportRejected(uri, spec, e.problems) }),
    ));
    this._register(registerSpecCodeLens({ config, docs, runs, connections }));
    this._register(
      registerCommands(
        [
          new RunSpecCommand(docs, runs),
          new RunAllCommand(docs, runs),
          new RunSweepCommand(docs, runs),
          new ResumeRunCommand(docs, runs),
          new CancelCommand(runs),
        ],
        log,
      ),
    );
  }
}
