import vscode = require('vscode');
import { Cancelled } from '../../command';
import { resolveSpecTarget, SpecRunCommand } from './specTarget';

/** Runs the spec of a lens at the lens's step count, or the spec at the cursor at step counts the user picks. */
export class RunSpecCommand extends SpecRunCommand {
  readonly id = 'qwenprompt.runSpec';

  async run(arg?: unknown) {
    const target = await resolveSpecTarget(this.docs, arg);
    const { spec } = target;
    let { steps, sweep, variants } = target;
    if (!steps && !sweep && !variants) {
      type Item = vscode.QuickPickItem & { steps?: number[]; sweep?: boolean; variants?: string[] };
      const items: Item[] = spec.variants?.length
        ? [
            ...spec.variants.map((v) => ({ label: v.name, description: v.spec.steps.join(', '), variants: [v.name] })),
            { label: vscode.l10n.t('All variants') },
          ]
        : [
            ...spec.steps.map((s) => ({ label: vscode.l10n.t('{0} steps', s), steps: [s] })),
            { label: vscode.l10n.t('All: {0} steps', spec.steps.join(', ')), steps: undefined },
            ...(spec.sweep.length
              ? [{ label: vscode.l10n.t('Sweep: steps × {0}', spec.sweep.map((a) => a.name).join(' × ')), sweep: true }]
              : []),
          ];
      const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('Run "{0}"', spec.name) });
      if (!pick) {
        throw new Cancelled();
      }
      ({ steps, sweep, variants } = pick);
    }
    return this.runs.run({ uri: target.doc.uri, spec, steps, sweep, variants });
  }
}
