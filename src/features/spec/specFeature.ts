import type { ConfigService } from '../../platform/config';
import { Disposable } from '../../platform/dispose';
import type { HostLogger } from '../../platform/logger';
import { registerCommands } from '../command';
import type { ServerCatalog } from '../server/serverCatalog';
import { CreateSpecFromImageCommand } from './commands/createSpecFromImage';
import { NewSpecCommand } from './commands/newSpec';
import { SpecDiagnostics } from './specDiagnostics';
import { SpecDocuments } from './specDocuments';
import { registerSpecCompletions, registerSpecHovers } from './specLanguageProviders';
import { registerSpecQuickFixes } from './specQuickFixes';

export interface SpecFeatureDeps {
  config: ConfigService;
  /** The server's names (samplers, model files) that completions and hovers offer. */
  catalog: ServerCatalog;
  log: HostLogger;
}

/** The spec language: parsed documents, diagnostics and their Quick Fixes, completions, hovers, and the commands that write specs. */
export class SpecFeature extends Disposable {
  readonly docs: SpecDocuments;
  readonly diagnostics: SpecDiagnostics;

  constructor({ config, catalog, log }: SpecFeatureDeps) {
    super();
    this.docs = this._register(new SpecDocuments(config));
    this.diagnostics = this._register(new SpecDiagnostics(this.docs, () => catalog.objectInfo()));
    this._register(registerSpecCompletions(catalog));
    this._register(registerSpecHovers(catalog));
    this._register(registerSpecQuickFixes(this.docs, this.diagnostics));
    this._register(registerCommands([new NewSpecCommand(), new CreateSpecFromImageCommand()], log));
  }
}
