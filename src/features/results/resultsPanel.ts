// The results panels: one per run folder, revived after a window reload from the run's own run.json.
import * as path from 'node:path';
import vscode = require('vscode');
import type { ILogger } from '../../core/logger';
import { raterName } from '../../core/quality/raterName';
import { withRounds } from '../../core/quality/rounds';
import { readRunRecord } from '../../core/runs/record';
import { parsePersistedState } from '../../protocol/messages';
import { Disposable } from '../../platform/dispose';
import type { RunPanel, RunPanelDeps } from './panel/runPanel';
import type { RunUpdate } from '../../core/runs/options';
import { specFileOf } from '../../core/runs/runFolders';
import { language } from '../languageModule';
import { runEngine } from '../runEngine';
import type { RunService } from '../runs/runService';
import { openImage } from './commands/openImage';
import type { ResultsView } from './commands/openResults';
import { revealRunFolder } from './commands/revealRunFolder';
import type { RunRecord } from '../../shared/runRecord';
import type { ScenarioLayer } from '../../shared/scenarios';

/** The panels' view type (the `onWebviewPanel:` activation event names it). */
export const RESULTS_VIEW_TYPE = 'qwenprompt.results';

/** What the panels need of the runs: every update, and whether a run goes on, cancel, resume or reconnect by run folder. */
export type ResultsRuns = Pick<
  RunService,
  'onDidUpdate' | 'onDidChangeRuns' | 'isRunning' | 'cancel' | 'resumeFolder' | 'setViewer' | 'retryServer' | 'redoRegion' | 'run'
>;

export interface ResultsPanelDeps {
  extensionUri: vscode.Uri;
  log: ILogger;
  runs: ResultsRuns;
  /** The qwenprompt.rater setting ('' when unset: git's user.name is asked). */
  rater(): string;
  /** The qwenprompt.scenarios setting. */
  scenarios(): Readonly<ScenarioLayer>;
}

/**
 * The results panels. Host-side a run is its folder, resolved: panels are keyed by it and every run
 * update names it. A spec has one panel that each new run (or a run opened from its history) takes
 * over, as REST Client does with its response tab; a pinned panel keeps its run, and so does one whose
 * run is still going, so those runs get a panel of their own.
 */
export class ResultsPanelController extends Disposable implements ResultsView {
  readonly #deps: RunPanelDeps;
  readonly #panels = new Map<string, RunPanel>();

  constructor(deps: ResultsPanelDeps) {
    super();
    const { runs } = deps;
    this.#deps = {
      extensionUri: deps.extensionUri,
      log: deps.log,
      onCancel: (runDir) => void runs.cancel(runDir),
      onOpenImage: openImage,
      onRevealRunFolder: revealRunFolder,
      onResume: (runDir) => runs.resumeFolder(runDir),
      onRetryServer: (runDir) => runs.retryServer(runDir),
      onRedoRegion: (runDir, req) => runs.redoRegion(runDir, req),
      onRerunCell: (runDir, yaml) => this.#rerun(runs, runDir, yaml),
      // A panel opens another run of its spec through the controller (it takes over the spec's panel unless pinned).
      onOpenRun: (runDir) => void this.openRun(runDir),
      isRunning: (runDir) => runs.isRunning(runDir),
      rater: (runDir) => raterName(deps.rater(), runDir),
      scenarios: () => deps.scenarios(),
    };
    // A run shows itself as soon as its folder exists, then every update follows it into its panel.
    this._register(
      runs.onDidUpdate(({ update }) => {
        if (update.type === 'planned') {
          this.showRun(update.runDir, update.record, true);
        } else {
          this.#update(update);
        }
      }),
    );
    this._register(runs.onDidChangeRuns(() => this.#runsChanged()));
    // A run's prompts ask for previews while a panel shows it; one without a folder yet gets its panel on 'planned'.
    this._register(runs.setViewer({ shows: (runDir) => runDir === undefined || this.#panels.has(path.resolve(runDir)) }));
    this._register({
      dispose: () => {
        for (const p of [...this.#panels.values()]) p.dispose();
        this.#panels.clear();
      },
    });
  }

  /** Opens or reveals the panel showing this run (one panel per run folder; a run in progress gets live
   * updates). `live`: the record is a run's own planned record (a resumed run starting in its panel). */
  showRun(runDir: string, record: RunRecord, live = false): void {
    const key = path.resolve(runDir);
    const existing = this.#panels.get(key);
    if (existing) {
      // A live panel knows more than a run.json read while the run is still going.
      if (live || !existing.state?.isRunning || record.status !== 'running') existing.show(record);
      existing.reveal();
      return;
    }
    const { RunPanel, RunViewState, panelOptions } = runEngine();
    const reusable = this.#reusable(key);
    if (reusable) {
      // The same spec folder, so the webview's resource roots stay right; the webview reloads with the new run.
      const panel = reusable.release();
      this.#panels.delete(reusable.runDir);
      this.#track(new RunPanel(panel, key, new RunViewState(key, record), this.#deps));
      panel.reveal(undefined, true);
      return;
    }
    const panel = vscode.window.createWebviewPanel(
      RESULTS_VIEW_TYPE,
      record.spec.name,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      panelOptions(this.#deps.extensionUri, key),
    );
    this.#track(new RunPanel(panel, key, new RunViewState(key, record), this.#deps));
  }

  /** Runs one image's spec from the spec file of the run in `runDir` (its workflow and runs folder are that file's). */
  async #rerun(runs: ResultsRuns, runDir: string, yaml: string): Promise<void> {
    const record = this.record(runDir);
    if (!record) throw new Error(vscode.l10n.t('This panel shows no run.'));
    const { specs, diagnostics } = language().parseSpecs(yaml);
    const spec = specs[0];
    const error = diagnostics.find((d) => d.severity === 'error');
    if (!spec || error) throw new Error(vscode.l10n.t('This image cannot be run again: {0}', error?.message ?? 'no spec'));
    const uri = vscode.Uri.file(specFileOf(runDir, record));
    // The reply says the run started; the run shows in its own panel and reports its own failures.
    runs.run({ uri, spec }).catch((e: unknown) => {
      this.#deps.log.warn('Re-run of one image failed', e);
      void vscode.window.showErrorMessage(e instanceof Error ? e.message : String(e));
    });
  }

  /** The spec's panel a run of it may take over: same spec folder, not pinned, its own run not going on. */
  #reusable(runDir: string): RunPanel | undefined {
    const specDir = path.dirname(runDir);
    return [...this.#panels.values()]
      .reverse()
      .find((p) => !p.pinned && path.dirname(p.runDir) === specDir && !this.#deps.isRunning(p.runDir));
  }

  /** Pins the active results panel, or unpins it when it is pinned; undefined when no results panel is active. */
  togglePin(): boolean | undefined {
    const active = [...this.#panels.values()].find((p) => p.panel.active);
    if (!active) return undefined;
    active.setPinned(!active.pinned);
    return active.pinned;
  }

  /** Reads a run folder and shows it; throws when it cannot be read (commands report that). */
  async show(runDir: string): Promise<void> {
    this.showRun(runDir, await readRun(runDir));
  }

  /** The record the panel of `runDir` shows, if one is open. */
  record(runDir: string): RunRecord | undefined {
    return this.#panels.get(path.resolve(runDir))?.state?.record;
  }

  /** Shows run `a` with run `b` beside it (both runs of one spec). */
  async compare(a: string, b: string): Promise<void> {
    this.showRun(a, await readRun(a));
    this.#panels.get(path.resolve(a))?.compareWith(path.resolve(b));
  }

  /** Reads a run folder and shows it (history: reopen an earlier run). */
  async openRun(runDir: string): Promise<void> {
    try {
      await this.show(runDir);
    } catch (e) {
      this.#deps.log.warn(`Results panel: cannot open the run in ${runDir}`, e);
      void vscode.window.showErrorMessage(
        vscode.l10n.t('Cannot read the run in {0}: {1}', runDir, e instanceof Error ? e.message : String(e)),
      );
    }
  }

  /** A run started or ended: panels tell their webview whether their run is still live. */
  #runsChanged(): void {
    for (const p of this.#panels.values()) p.runsChanged();
  }

  /** Live update for a run; ignored when no panel shows it. */
  #update(u: RunUpdate): void {
    this.#panels.get(path.resolve(u.runDir))?.update(u);
  }

  #track(p: RunPanel): void {
    const old = this.#panels.get(p.runDir);
    if (old && old !== p) old.panel.dispose();
    this.#panels.set(p.runDir, p);
    p.onDidDispose(() => {
      if (this.#panels.get(p.runDir) === p) this.#panels.delete(p.runDir);
    });
  }

  /** Restores a panel after a window reload (the serializer's), from the run's own run.json. */
  async revive(panel: vscode.WebviewPanel, saved: unknown): Promise<void> {
    const state = parsePersistedState(saved);
    if (!state) {
      // Saved by a version whose state we cannot read: there is no run to show.
      this.#deps.log.warn('Results panel: unknown saved state; closing the restored panel.', saved);
      panel.dispose();
      return;
    }
    const runDir = path.resolve(state.runDir);
    const { RunPanel, RunViewState } = runEngine();
    try {
      const record = await readRun(runDir);
      const stale =
        record.status === 'running'
          ? vscode.l10n.t('This run was still going when the window closed; images that had not finished are shown as they were.')
          : undefined;
      this.#track(new RunPanel(panel, runDir, new RunViewState(runDir, record), this.#deps, { problem: stale, pinned: state.pinned }));
    } catch (e) {
      this.#deps.log.warn(`Results panel: cannot read the run in ${runDir}`, e);
      const problem = vscode.l10n.t('Cannot read the run in {0}: {1}', runDir, e instanceof Error ? e.message : String(e));
      this.#track(new RunPanel(panel, runDir, undefined, this.#deps, { problem, pinned: state.pinned }));
    }
  }
}

/** run.json with every rating round of the run folder in it. */
async function readRun(runDir: string): Promise<RunRecord> {
  return withRounds(runDir, await readRunRecord(runDir));
}
