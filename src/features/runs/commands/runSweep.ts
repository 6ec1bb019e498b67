import vscode = require('vscode');
import { resolveSpecTarget, SpecRunCommand } from './specTarget';

/** Runs every step count crossed with the spec's sweep axes. */
export class RunSweepCommand extends SpecRunCommand {
  readonly id = 'qwenprompt.runSweep';

  async run(arg?: unknown) {
    const { doc, spec } = await resolveSpecTarget(this.docs, arg);
    if (!spec.sweep.length) {
      throw new Error(vscode.l10n.t('"{0}" has no sweep axes: add a `sweep:` map (e.g. `cfg: [6.5, 7.0]`).', spec.name));
    }
    return this.runs.run({ uri: doc.uri, spec, sweep: true });
  }
}
