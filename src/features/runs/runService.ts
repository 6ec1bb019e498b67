import * as path from 'node:path';
import vscode = require('vscode');
import type { IComfyClient } from '../../core/comfy/types';
import type { ILogger } from '../../core/logger';
import type { OpenedRun, RunUpdate, SessionRequest } from '../../core/runs/options';
import { runsRootFor } from '../../core/runs/runFolders';
import { isSpecRejectedError, type SpecRejectedError } from '../../core/runs/specRejected';
import type { Spec } from '../../core/spec/types';
import { poolServers, type ConfigService } from '../../platform/config';
import { Disposable } from '../../platform/dispose';
import { UntrustedWorkspaceError } from '../../platform/trust';
import type { ComfyConnections } from '../server/comfyConnections';
import type { SpecHistory } from './runHistory';
import { readUserGraph } from './userGraph';
import { WatchedRunHistory } from './watchedRunHistory';
import { runEngine } from '../runEngine';
import type { RegionRedo, RunRecord } from '../../shared/runRecord';
import type { RedoRequest } from '../../core/quality/redoRegion';

/** What to run: a spec of a saved .qwenprompt file, all its steps or some, with or without its sweep. */
export interface RunRequest {
  uri: vscode.Uri;
  spec: Spec;
  steps?: number[];
  sweep?: boolean;
  /** Only these variants of a spec with variants; default all. */
  variants?: string[];
  /** Continue the spec's newest unfinished run (only its missing images) instead of starting a new one. */
  resume?: boolean;
  /** With `resume`: continue this run, read from its folder once (the results panel's "↻ Resume"). */
  opened?: OpenedRun;
}

/** A run that is going on now. Host-side a run is its folder (absolute, resolved); a spec maps to its run
 * with `RunService.activeRunOf`. */
export interface ActiveRun {
  /** The spec file's URI. */
  readonly uri: string;
  readonly specId: string;
  readonly specName: string;
  readonly steps?: readonly number[];
  readonly sweep: boolean;
  /** The run's folder, resolved; known once the runner made it. */
  runDir?: string;
  done: number;
  total: number;
}

/** A run update together with the run it belongs to; what the results panel listens to. */
export interface RunEvent {
  run: ActiveRun;
  update: RunUpdate;
}

export interface RunServiceDeps {
  config: ConfigService;
  connections: ComfyConnections;
  log: ILogger;
  /** Told when ComfyUI rejected a spec's graph, so the spec fields at fault get squiggles. */
  onRejected?: (uri: vscode.Uri, spec: Spec, error: SpecRejectedError) => void;
}

/** What shows runs' live previews (the results panels): whether it shows the run in `runDir` (undefined: a run with no folder yet, which it will show once it has one). */
export type RunViewer = { shows(runDir: string | undefined): boolean };

interface Entry {
  run: ActiveRun;
  abort: AbortController;
  /** Keys of the cells that have ended, so repeated updates of one cell count once. */
  ended: Set<string>;
  /** The run's client, once leased (the panel's Retry reconnects it). */
  client?: IComfyClient;
}

/**
 * Starts, tracks and cancels runs: one AbortController per run, progress in a notification and the
 * status bar, every RunUpdate re-emitted for the results panel.
 */
export class RunService extends Disposable {
  readonly #deps: RunServiceDeps;
  readonly #running = new Map<ActiveRun, Entry>();
  readonly #history: WatchedRunHistory;
  #viewer: RunViewer | undefined;
  readonly #status = this._register(vscode.window.createStatusBarItem('qwenprompt.run', vscode.StatusBarAlignment.Left, 99));

  readonly #onDidChangeRuns = this._register(new vscode.EventEmitter<void>());
  /** A run started or ended (lenses and the status bar redraw). */
  readonly onDidChangeRuns = this.#onDidChangeRuns.event;
  readonly #onDidUpdate = this._register(new vscode.EventEmitter<RunEvent>());
  /** Every update of every run, in order. */
  readonly onDidUpdate = this.#onDidUpdate.event;
  /** Runs on disk changed under a spec the lenses show (a CLI run, another window): lenses redraw. */
  readonly onDidChangeHistory: vscode.Event<void>;

  constructor(deps: RunServiceDeps) {
    super();
    this.#deps = deps;
    this.#status.name = vscode.l10n.t('QwenPrompt run');
    this.#history = this._register(new WatchedRunHistory(deps.config, (runDir) => this.isRunning(runDir)));
    this.onDidChangeHistory = this.#history.onDidChange;
    this._register({ dispose: () => this.cancelAll() });
  }

  /** A run's prompts ask for live previews only while the viewer shows the run (they cost GPU time inside the timed jobs); none: no previews. */
  setViewer(viewer: RunViewer): vscode.Disposable {
    this.#viewer = viewer;
    return { dispose: () => this.#viewer === viewer && (this.#viewer = undefined) };
  }

  get running(): readonly ActiveRun[] {
    return [...this.#running.values()].map((r) => r.run);
  }

  /** The run of a spec going on now, before its folder exists too (a spec runs once at a time). */
  activeRunOf(specUri: string, specId: string): ActiveRun | undefined {
    return this.running.find((r) => r.uri === specUri && r.specId === specId);
  }

  /** Whether a run of this window writes into `runDir`. */
  isRunning(runDir: string): boolean {
    return this.#entryOf(runDir) !== undefined;
  }

  /** The runs folder of a spec file. */
  runsRoot(specFile: string): string {
    return runsRootFor(specFile, this.#deps.config.current.runsFolder);
  }

  /** The spec's runs on disk (cached until a run changes, here or in its watched runs folder). */
  history(uri: vscode.Uri, specId: string): Promise<SpecHistory> {
    return this.#history.get(this.runsRoot(uri.fsPath), uri.fsPath, specId);
  }

  /** Forget cached records (e.g. a run folder was deleted). */
  refreshHistory(): void {
    this.#history.invalidate();
    this.#onDidChangeRuns.fire();
  }

  /** Cancels a run going on now (a lens's, whose folder may not exist yet) or the one writing into `runDir`
   * (the results panel's Cancel button). */
  cancel(run: ActiveRun | string): boolean {
    const entry = typeof run === 'string' ? this.#entryOf(run) : this.#running.get(run);
    entry?.abort.abort();
    return !!entry;
  }

  /** Reconnects the client of the run writing into `runDir` now, not at its next backoff, with a fresh
   * budget of attempts; rejects with the reason while its server still does not answer. */
  async retryServer(runDir: string): Promise<void> {
    await this.#entryOf(runDir)?.client?.retryConnection();
  }

  cancelAll(): void {
    for (const { abort } of this.#running.values()) {
      abort.abort();
    }
  }

  /**
   * Runs a spec to the end. Resolves with the record (also when cancelled), or undefined when the same spec
   * is already running. Throws when nothing could be started (Restricted Mode, unsaved file, server errors).
   */
  async run(req: RunRequest): Promise<{ runDir: string; record: RunRecord } | undefined> {
    const { uri, spec } = req;
    if (uri.scheme !== 'file') {
      throw new Error(vscode.l10n.t('Save the spec to a file first: runs are stored next to it.'));
    }
    if (spec.errorCount > 0) {
      throw new Error(
        vscode.l10n.t('"{0}" has {1} problem(s); fix them (see the Problems view) and run again.', spec.name, spec.errorCount),
      );
    }
    if (this.activeRunOf(uri.toString(), spec.id)) {
      void vscode.window.showInformationMessage(vscode.l10n.t('"{0}" is already running.', spec.name));
      return undefined;
    }
    if (!this.#deps.connections.isTrusted) {
      throw new UntrustedWorkspaceError();
    }
    const config = this.#deps.config.current;
    const specFile = uri.fsPath;
    const runsRoot = this.runsRoot(specFile);
    const { findResumable, runSession } = runEngine();
    const resumed = !req.resume ? undefined : (req.opened ?? (await findResumable(runsRoot, spec.id, specFile)));
    if (req.resume && !resumed) {
      throw new Error(vscode.l10n.t('"{0}" has no unfinished run to resume.', spec.name));
    }
    const run: ActiveRun = {
      uri: uri.toString(),
      specId: spec.id,
      specName: spec.name,
      steps: req.steps,
      sweep: !!req.sweep,
      done: 0,
      total: 0,
    };
    const abort = new AbortController();
    const entry: Entry = { run, abort, ended: new Set() };
    // Registered before the first await, so a second click on the same lens cannot start a second run.
    this.#running.set(run, entry);
    this.#changed();
    let lease: vscode.Disposable | undefined;
    try {
      // A resumed run uses the graphs its record holds, so a moved or edited workflow file does not matter.
      const members = poolServers(config);
      const leases = members.length
        ? await Promise.all(members.map((m) => this.#deps.connections.lease(m.url)))
        : [await this.#deps.connections.lease()];
      lease = { dispose: () => leases.forEach((l) => l.dispose()) };
      const { client } = leases[0];
      const pool = members.length > 1 ? members.map((m, i) => ({ name: m.name ?? hostOf(m.url), client: leases[i].client })) : undefined;
      entry.client = client;
      const userGraph = spec.workflow && !resumed ? await readUserGraph(specFile, spec.workflow, client, this.#deps.log) : undefined;
      this.#deps.log.info(`Run "${spec.name}" (${specFile}) on ${pool ? pool.map((p) => p.name).join(', ') : client.baseUrl}`, {
        steps: req.steps ?? spec.steps,
        sweep: !!req.sweep,
      });
      return await vscode.window.withProgress(
        {
          location: vscode.ProgressLocation.Notification,
          title: vscode.l10n.t('QwenPrompt: {0}', spec.name),
          cancellable: true,
        },
        async (progress, token) => {
          token.onCancellationRequested(() => abort.abort());
          const options = {
            client,
            ...(pool ? { pool } : {}),
            // Asked as each prompt is posted: previews cost the server GPU time, so only a panel that shows them pays for them.
            previewMethod: () => (config.previews && this.#viewer?.shows(run.runDir) ? ('auto' as const) : ('none' as const)),
            signal: abort.signal,
            logger: this.#deps.log,
            convergence: { threshold: config.convergenceThreshold },
            // Earlier runs of the spec: the record says how long this one should take (the panel shows it).
            past: (await this.history(uri, spec.id)).samples,
            onUpdate: (u: RunUpdate) => this.#onUpdate(entry, u, progress),
          };
          // A resumed run keeps its folder, record and recorded spec; only the missing cells run.
          const request: SessionRequest = resumed
            ? { ...options, resume: resumed }
            : {
                ...options,
                spec,
                specFile,
                runsRoot,
                steps: req.steps,
                includeSweep: !!req.sweep,
                variants: req.variants,
                repeats: config.repeats > 0 ? config.repeats : undefined,
                userGraph,
              };
          const result = await runSession(request);
          this.#report(spec, result.record);
          return result;
        },
      );
    } catch (e) {
      if (isSpecRejectedError(e)) {
        this.#deps.onRejected?.(uri, spec, e);
      }
      throw e;
    } finally {
      lease?.dispose();
      this.#running.delete(run);
      this.#history.invalidate();
      this.#changed();
    }
  }

  /**
   * Redoes a region of one image of the run in `runDir` by inpainting (the panel's "Redo this region"),
   * on the server that made the run, so its time compares with the full run's. Refused while the run goes on.
   */
  async redoRegion(runDir: string, req: RedoRequest): Promise<{ record: RunRecord; redo: RegionRedo }> {
    if (!this.#deps.connections.isTrusted) throw new UntrustedWorkspaceError();
    const engine = runEngine();
    const url = (await engine.readRunRecord(runDir)).server.url;
    const lease = await this.#deps.connections.lease(url || undefined);
    try {
      return await engine.redoRegion(lease.client, runDir, req, { live: this.isRunning(runDir) });
    } finally {
      lease.dispose();
    }
  }

  /**
   * Resumes the run in `runDir` (the results panel's "↻ Resume"): only its missing images are made, with
   * the spec its record holds, so the spec file need not be open, unchanged or even still there.
   */
  async resumeFolder(runDir: string): Promise<{ runDir: string; record: RunRecord } | undefined> {
    // Read once; the spec file the record names maps the run to its spec, so the lens shows it as running.
    const opened = await runEngine().openRun(runDir);
    return this.run({ uri: vscode.Uri.file(opened.specFile), spec: opened.spec, resume: true, opened });
  }

  #onUpdate(entry: Entry, u: RunUpdate, progress: vscode.Progress<{ message?: string; increment?: number }>): void {
    const { run } = entry;
    switch (u.type) {
      case 'planned':
        run.runDir = path.resolve(u.runDir);
        run.total = u.record.cells.length;
        // A new run folder exists: the "Open results" lens can appear now.
        this.#history.invalidate();
        this.#changed();
        break;
      case 'cell': {
        const before = run.done;
        if (u.cell.status !== 'queued' && u.cell.status !== 'running') {
          entry.ended.add(u.cell.key);
        }
        run.done = entry.ended.size;
        if (run.done !== before && run.total > 0) {
          progress.report({
            message: vscode.l10n.t('{0} of {1} images', run.done, run.total),
            increment: (100 * (run.done - before)) / run.total,
          });
          this.#showStatus();
          if (run.done === run.total) {
            // Every image is in; thumbnails and convergence scores are still being written. The lens
            // stops offering Cancel (nothing is left to cancel) and says so.
            progress.report({ message: vscode.l10n.t('{0} of {0} images; finishing…', run.total) });
            this.#onDidChangeRuns.fire();
          }
        }
        break;
      }
      case 'finished':
        run.runDir = path.resolve(u.runDir);
        break;
    }
    this.#onDidUpdate.fire({ run, update: u });
  }

  #report(spec: Spec, record: RunRecord): void {
    const failed = record.cells.filter((c) => c.status === 'failed' || c.status === 'error' || c.status === 'lost');
    if (record.status === 'cancelled') {
      this.#deps.log.info(`Run "${spec.name}" cancelled`);
    } else if (failed.length) {
      const first = failed.find((c) => c.error)?.error ?? '';
      this.#deps.log.warn(`Run "${spec.name}": ${failed.length} image(s) failed. ${first}`);
      void vscode.window
        .showWarningMessage(
          vscode.l10n.t('"{0}": {1} of {2} images failed. {3}', spec.name, failed.length, record.cells.length, first),
          vscode.l10n.t('Show Log'),
        )
        .then((pick) => pick && vscode.commands.executeCommand('qwenprompt.showLog'));
    } else {
      this.#deps.log.info(`Run "${spec.name}" finished: ${record.status}`);
    }
  }

  #entryOf(runDir: string): Entry | undefined {
    const dir = path.resolve(runDir);
    return [...this.#running.values()].find((e) => e.run.runDir === dir);
  }

  #changed(): void {
    void vscode.commands.executeCommand('setContext', 'qwenprompt:running', this.#running.size > 0);
    this.#showStatus();
    this.#onDidChangeRuns.fire();
  }

  #showStatus(): void {
    const runs = this.running;
    if (!runs.length) {
      this.#status.hide();
      return;
    }
    const done = runs.reduce((n, r) => n + r.done, 0);
    const total = runs.reduce((n, r) => n + r.total, 0);
    this.#status.text = `$(loading~spin) ${total ? `${done}/${total}` : vscode.l10n.t('starting')}`;
    this.#status.tooltip = vscode.l10n.t('QwenPrompt is running {0}. Click to cancel.', runs.map((r) => r.specName).join(', '));
    this.#status.command = { title: vscode.l10n.t('Cancel'), command: 'qwenprompt.cancel' };
    this.#status.show();
  }
}

/** A pool server's name when its entry gives none: its host and port. */
function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
