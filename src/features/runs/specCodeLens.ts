import vscode = require('vscode');
import type { Spec } from '../../core/spec/types';
import type { ConfigService } from '../../platform/config';
import { Disposable } from '../../platform/dispose';
import type { ComfyConnections } from '../server/comfyConnections';
import type { SpecHistory } from './runHistory';
import type { RunService } from './runService';
import { LANGUAGE_ID } from '../languageModule';
import type { SpecDocuments } from '../spec/specDocuments';
import { formatMs } from '../../shared/format';
import { formatEstimate, specEstimate } from '../../core/runs/estimate';
import type { PlanOptions } from '../../core/runs/plan';
import { queueSummary } from '../../core/runs/queueSummary';
import { poolServers } from '../../platform/config';

/** Arguments of every spec lens command: plain data, so they serialize and can be asserted on. */
export interface SpecLensArgs {
  uri: string;
  specId: string;
  steps?: number[];
  sweep?: boolean;
  /** Only these variants of a spec with variants (▶ base); absent: all of them. */
  variants?: string[];
}

export interface SpecCodeLensDeps {
  config: ConfigService;
  docs: SpecDocuments;
  runs: RunService;
  connections: ComfyConnections;
}

/** The lens row above each spec: run per step count, all, sweep, results, cancel, or why it cannot run. */
export class SpecCodeLensProvider extends Disposable implements vscode.CodeLensProvider {
  readonly #deps: SpecCodeLensDeps;
  readonly #onDidChange = this._register(new vscode.EventEmitter<void>());
  readonly onDidChangeCodeLenses = this.#onDidChange.event;

  constructor(deps: SpecCodeLensDeps) {
    super();
    this.#deps = deps;
    const refresh = () => this.#onDidChange.fire();
    this._register(
      deps.config.onDidChange((e) => {
        if (
          e.affectsConfiguration('qwenprompt.codeLens') ||
          e.affectsConfiguration('qwenprompt.defaultSteps') ||
          e.affectsConfiguration('qwenprompt.runsFolder')
        ) {
          refresh();
        }
      }),
    );
    this._register(deps.runs.onDidChangeRuns(refresh));
    this._register(deps.runs.onDidChangeHistory(refresh));
    this._register(vscode.workspace.onDidGrantWorkspaceTrust(refresh));
  }

  async provideCodeLenses(doc: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    if (!this.#deps.config.current.codeLensEnabled) {
      return [];
    }
    const { specs, diagnostics } = await this.#deps.docs.parseSliced(doc);
    if (!this.#deps.connections.isTrusted) {
      const why = vscode.l10n.t('A run sends the spec to a ComfyUI server, so it waits until you trust this folder.');
      return specs.map((s) =>
        lens(s.lensLine, vscode.l10n.t('$(shield) Restricted mode: trust this folder to run'), 'workbench.trust.manage', why),
      );
    }
    if (!specs.length) {
      // The file does not parse into any spec (e.g. a YAML syntax error): say so where the user looks.
      const errors = diagnostics.filter((d) => d.severity === 'error').length;
      return errors ? [problemsLens(0, errors)] : [];
    }
    if (doc.uri.scheme === 'untitled') {
      // Runs are stored next to the spec file: an untitled spec has none yet.
      return specs.map((s) =>
        s.errorCount > 0
          ? problemsLens(s.lensLine, s.errorCount)
          : lens(
              s.lensLine,
              vscode.l10n.t('$(save) Save to run'),
              'workbench.action.files.save',
              vscode.l10n.t('{0} Runs are kept in a folder next to the spec file, so save it first.', this.#queued(s)),
            ),
      );
    }
    const uri = doc.uri.toString();
    const lenses = await Promise.all(
      specs.map(async (spec) =>
        this.#specLenses(spec, uri, doc.uri.scheme === 'file' ? await this.#deps.runs.history(doc.uri, spec.id) : undefined),
      ),
    );
    return lenses.flat();
  }

  /** Servers a run spreads over: the pool's, else the one server. */
  #servers(): number {
    return Math.max(1, poolServers(this.#deps.config.current).length);
  }

  #specLenses(spec: Spec, uri: string, history: SpecHistory | undefined): vscode.CodeLens[] {
    const line = spec.lensLine;
    if (spec.errorCount > 0) {
      return [problemsLens(line, spec.errorCount)];
    }
    const args = (extra: Partial<SpecLensArgs> = {}): SpecLensArgs => ({ uri, specId: spec.id, ...extra });
    const out: vscode.CodeLens[] = [];
    const running = this.#deps.runs.activeRunOf(uri, spec.id);
    if (running && running.total > 0 && running.done >= running.total) {
      // Every image is in; only thumbnails and convergence scores are being written (about a second).
      out.push(
        new vscode.CodeLens(new vscode.Range(line, 0, line, 0), {
          title: vscode.l10n.t('$(loading~spin) Finishing…'),
          command: '',
          tooltip: vscode.l10n.t('Every image is in; the thumbnails and scores are being written.'),
        }),
      );
    } else if (running) {
      const tip = vscode.l10n.t('Stops this run ({0} of {1} images done); the images already made are kept.', running.done, running.total);
      out.push(lens(line, vscode.l10n.t('■ Cancel'), 'qwenprompt.cancel', tip, args()));
    } else if (spec.variants?.length) {
      // A variant brings its own steps and sweep: one lens per variant, above it, and one for all.
      out.push(lens(line, vscode.l10n.t('▶ All variants'), 'qwenprompt.runAll', this.#queued(spec), args()));
      for (const v of spec.variants) {
        const tip = this.#queued(spec, { variants: [v.name] });
        out.push(lens(v.line, vscode.l10n.t('▶ {0}', v.name), 'qwenprompt.runSpec', tip, args({ variants: [v.name] })));
      }
    } else {
      // A step count measured before shows its image's time; one never run, how long its run would take
      // ('~4 min'), from the line fitted to past runs on the same GPU kind. All and Sweep say it for the whole plan.
      const estimate = (plan: PlanOptions) => {
        const ms = history?.gpu !== undefined ? specEstimate(spec, plan, history.samples, history.gpu, this.#servers()) : undefined;
        return ms === undefined ? '' : ` · ${formatEstimate(ms)}`;
      };
      for (const steps of spec.steps) {
        const ms = history?.msByStep.get(steps);
        const title =
          ms === undefined
            ? vscode.l10n.t('▶ {0} steps', steps) + estimate({ steps: [steps] })
            : vscode.l10n.t('▶ {0} steps · {1}', steps, formatMs(ms));
        // The lens time is a mean over the warm images; a cell shows its own image's time, and the first
        // image of a run also loads the models: say so where the two numbers meet.
        const time =
          ms === undefined
            ? estimated(estimate({ steps: [steps] }))
            : ' ' +
              vscode.l10n.t(
                "{0} is the mean time per image at {1} steps in the last run, over its warm images (the first image of a run also loads the models). A cell in the results shows its own image's time.",
                formatMs(ms),
                steps,
              );
        out.push(lens(line, title, 'qwenprompt.runSpec', this.#queued(spec, { steps: [steps] }) + time, args({ steps: [steps] })));
      }
      const all = estimate({});
      out.push(lens(line, vscode.l10n.t('▶ All') + all, 'qwenprompt.runAll', this.#queued(spec) + estimated(all), args()));
      if (spec.sweep.length) {
        const sweep = estimate({ includeSweep: true });
        const tip = this.#queued(spec, { includeSweep: true }) + estimated(sweep);
        out.push(lens(line, vscode.l10n.t('▶ Sweep') + sweep, 'qwenprompt.runSweep', tip, args({ sweep: true })));
      }
    }
    if (history?.latest) {
      const tip = vscode.l10n.t('Opens the results of the newest run ({0}).', new Date(history.latest.createdAt).toLocaleString());
      out.push(lens(line, vscode.l10n.t('Open results'), 'qwenprompt.openResults', tip, args()));
    }
    const unfinished = history?.latest && !this.#deps.runs.activeRunOf(uri, spec.id) ? history.latest.missing : 0;
    if (unfinished > 0) {
      // The newest run was interrupted (VS Code closed, the server gone, a crash): finish it.
      const tip = vscode.l10n.t('Makes the {0} images the newest run is missing, in its own folder.', unfinished);
      out.push(lens(line, vscode.l10n.t('↻ Resume ({0} missing)', unfinished), 'qwenprompt.resumeRun', tip, args()));
    }
    return out;
  }

  /** The lens tooltip's "Queues 9 images: steps 20/40/60 × 3 seeds", with the repeats setting applied. */
  #queued(spec: Spec, opts: { steps?: number[]; includeSweep?: boolean; variants?: string[] } = {}): string {
    const repeats = this.#deps.config.current.repeats;
    return queueSummary(spec, { ...opts, repeats: repeats > 0 ? repeats : undefined });
  }
}

/** Cells of an ended run that made no image (lost, failed, cancelled or never run). */
function lens(line: number, title: string, command: string, tooltip: string, ...args: unknown[]): vscode.CodeLens {
  return new vscode.CodeLens(new vscode.Range(line, 0, line, 0), { title, command, tooltip, arguments: args });
}

/** The tooltip's word on a title's ' · ~4 min': where the estimate comes from. */
function estimated(suffix: string): string {
  return suffix
    ? ' ' + vscode.l10n.t('{0} is an estimate for the whole run, from earlier runs on the same GPU kind.', suffix.replace(/^ · /, ''))
    : '';
}

function problemsLens(line: number, n: number): vscode.CodeLens {
  const title = n === 1 ? vscode.l10n.t('⚠ Fix 1 problem to run') : vscode.l10n.t('⚠ Fix {0} problems to run', n);
  return lens(line, title, 'workbench.actions.view.problems', vscode.l10n.t('Opens the Problems view: a spec with errors does not run.'));
}

export function registerSpecCodeLens(deps: SpecCodeLensDeps): vscode.Disposable {
  const provider = new SpecCodeLensProvider(deps);
  const registration = vscode.languages.registerCodeLensProvider({ language: LANGUAGE_ID }, provider);
  return vscode.Disposable.from(registration, provider);
}
