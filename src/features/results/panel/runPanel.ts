// One results webview showing one run folder: its HTML, its messages, its live updates.
import * as path from 'node:path';
import vscode = require('vscode');
import type { ILogger } from '../../../core/logger';
import { isFromWebview, PROTOCOL_VERSION, type FromWebview, type Requests, type ToWebview } from '../../../protocol/messages';
import { Messenger, type RequestHandlers } from '../../../protocol/messenger';
import { Disposable } from '../../../platform/dispose';
import type { ScenarioLayer } from '../../../shared/scenarios';
import { makeNonce, renderPanelHtml } from './html';
import { panelTitle } from '../../../core/runs/panelTitle';
import { language } from '../../languageModule';
import type { CopyWhat } from '../../../protocol/panelRequests';
import { judgingHandlers } from './judging';
import type { RunUpdate } from '../../../core/runs/options';
import { RunViewState } from './runState';
import { missingImages } from '../../../shared/resume';
import type { RegionRedo, RunRecord } from '../../../shared/runRecord';

export interface RunPanelDeps {
  extensionUri: vscode.Uri;
  log: ILogger;
  onCancel(runDir: string): void;
  /** Open in VS Code's image preview; a failure reaches the webview as the request's error. */
  onOpenImage(file: vscode.Uri): Promise<void>;
  onRevealRunFolder(runDir: string): Promise<void>;
  /** True while a run of this extension writes into `runDir` (ratings must wait for it). */
  isRunning(runDir: string): boolean;
  /** Show another run folder of the same spec in its own panel. */
  onOpenRun(runDir: string): void;
  /** Make the missing images of the run in `runDir` (RunService.resumeFolder); settles when it ends. */
  onResume(runDir: string): Promise<unknown>;
  /** Reconnect now to the server of the run writing `runDir`; rejects while it still does not answer. */
  onRetryServer(runDir: string): Promise<void>;
  /** Who rates in this folder (the setting, else git's user.name there). */
  rater(runDir: string): Promise<string>;
  /** The qwenprompt.scenarios setting, which the decision table lays under the spec's own. */
  scenarios(): Readonly<ScenarioLayer>;
  /** Inpaint a region of one of the run's images on the server that made the run (RunService.redoRegion). */
  onRedoRegion(runDir: string, req: { cell: string; mask: Uint8Array; steps: number }): Promise<{ record: RunRecord; redo: RegionRedo }>;
  /** Start a new run of one image's settings (`yaml`, a spec of its own) beside the spec of the run in `runDir`. */
  onRerunCell(runDir: string, yaml: string): Promise<void>;
}

/** Webview options: scripts on, forms off, and only our bundle, our icons and the spec's run folders
 * (this run and its siblings, which the compare view shows beside it). */
export function panelOptions(extensionUri: vscode.Uri, runDir: string): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    enableForms: false,
    localResourceRoots: [
      vscode.Uri.joinPath(extensionUri, 'dist', 'webview'),
      vscode.Uri.joinPath(extensionUri, 'media'),
      vscode.Uri.file(path.dirname(runDir)),
    ],
  };
}

export class RunPanel extends Disposable {
  readonly panel: vscode.WebviewPanel;
  readonly state: RunViewState | undefined;
  readonly #deps: RunPanelDeps;
  readonly #messenger: Messenger<ToWebview, FromWebview, Requests>;
  readonly #runDir: string;
  #problem: string | undefined;
  /** A pinned panel keeps its run: the spec's next run opens another panel instead of taking this one. */
  #pinned: boolean;
  /** Handed to another RunPanel (the spec's next run): disposing this one leaves the webview panel open. */
  #released = false;
  #ready = false;
  #reloads = 0;
  /** Whether the webview was last told that a run of this window writes the folder. */
  #live = false;
  /** A run to compare with, held until the webview is ready for it. */
  #compareWith: string | undefined;
  readonly #onDidDispose = this._register(new vscode.EventEmitter<void>());
  readonly onDidDispose = this.#onDidDispose.event;

  /** `state` is undefined when the run could not be read; `problem` then says why. */
  constructor(
    panel: vscode.WebviewPanel,
    runDir: string,
    state: RunViewState | undefined,
    deps: RunPanelDeps,
    { problem, pinned = false }: { problem?: string; pinned?: boolean } = {},
  ) {
    super();
    this.panel = panel;
    this.state = state;
    this.#runDir = runDir;
    this.#deps = deps;
    this.#problem = problem;
    this.#pinned = pinned;
    this._register({ dispose: () => this.#released || panel.dispose() });
    panel.webview.options = panelOptions(deps.extensionUri, runDir);
    panel.iconPath = {
      light: vscode.Uri.joinPath(deps.extensionUri, 'media', 'results-light.svg'),
      dark: vscode.Uri.joinPath(deps.extensionUri, 'media', 'results-dark.svg'),
    };
    this.#messenger = new Messenger<ToWebview, FromWebview, Requests>({
      post: (m) => {
        void panel.webview.postMessage(m);
      },
      isMessage: isFromWebview,
      onDropped: (m) => deps.log.warn('Results panel: dropped an unexpected message from the webview', m),
    });
    this._register({ dispose: () => this.#messenger.dispose() });
    this.#messenger.on('ready', (m) => this.#onReady(m.protocol));
    this.#messenger.onRequest(this.#handlers());
    this._register(panel.webview.onDidReceiveMessage((m: unknown) => this.#messenger.receive(m)));
    // Without retainContextWhenHidden a hidden webview is torn down; it says `ready` again when shown.
    this._register(
      panel.onDidChangeViewState(() => {
        if (!panel.visible) this.#ready = false;
      }),
    );
    this._register(
      panel.onDidDispose(() => {
        this.#onDidDispose.fire();
        this.dispose();
      }),
    );
    this.#render();
  }

  get runDir(): string {
    return this.#runDir;
  }

  reveal(): void {
    this.panel.reveal(undefined, false);
  }

  get pinned(): boolean {
    return this.#pinned;
  }

  /** Pins or unpins the panel; the tab title and the panel's pin button say which. */
  setPinned(pinned: boolean): void {
    if (pinned === this.#pinned) return;
    this.#pinned = pinned;
    this.#retitle();
    this.#sendSnapshot();
  }

  /** Stops following the webview panel and hands it over (the spec's next run shows in it). */
  release(): vscode.WebviewPanel {
    this.#released = true;
    this.dispose();
    return this.panel;
  }

  #retitle(): void {
    const title = panelTitle(this.state?.record, { pinned: this.#pinned });
    if (this.panel.title !== title) this.panel.title = title;
  }

  /** Shows a record read from disk (the same run opened again). */
  show(record: RunRecord): void {
    this.state?.reset(record);
    this.#problem = undefined;
    this.#retitle();
    this.#sendSnapshot();
  }

  /** Shows another run of the same spec beside this one (timings and images side by side). */
  compareWith(runDir: string): void {
    this.#compareWith = runDir;
    this.#sendCompare();
  }

  #sendCompare(): void {
    if (!this.#ready || !this.#compareWith) return;
    this.#messenger.send({ type: 'compareWith', runDir: this.#compareWith });
    this.#compareWith = undefined;
  }

  update(u: RunUpdate): void {
    if (!this.state || this.isDisposed) return;
    const msg = this.state.apply(u);
    if (u.type === 'planned' || u.type === 'finished' || u.type === 'cell') this.#retitle();
    if (this.#ready) this.#messenger.send(msg as Exclude<ToWebview, { type: 'reply' }>);
  }

  /** A run of this window started or ended: a 'running' record whose run ended without a final
   * record (it threw) is then offered for resuming. */
  runsChanged(): void {
    if (this.#deps.isRunning(this.#runDir) !== this.#live) this.#sendSnapshot();
  }

  /** Ratings were saved or run.json changed (a redo): the webview gets the new record. While the run
   * goes on only its votes are taken: the cells are the runner's, which the updates keep current. */
  #replaced(record: RunRecord): void {
    if (!this.state) return;
    if (this.state.isRunning) this.state.setRatings(record.ratings);
    else this.state.reset(record);
    if (this.#ready) this.#messenger.send({ type: 'record', record: this.state.record });
  }

  #render(): void {
    const webview = this.panel.webview;
    const dist = vscode.Uri.joinPath(this.#deps.extensionUri, 'dist', 'webview');
    this.#ready = false;
    this.#retitle();
    webview.html = renderPanelHtml({
      cspSource: webview.cspSource,
      scriptUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'main.js')).toString(),
      styleUri: webview.asWebviewUri(vscode.Uri.joinPath(dist, 'main.css')).toString(),
      nonce: makeNonce(),
      title: this.panel.title,
      init: this.#init(),
    });
  }

  #init() {
    const imageBase = this.panel.webview.asWebviewUri(vscode.Uri.file(this.#runDir)).toString();
    const base = this.state ? this.state.init(imageBase) : { protocol: PROTOCOL_VERSION, runDir: this.#runDir, imageBase, progress: {} };
    this.#live = this.#deps.isRunning(this.#runDir);
    const scenarios = this.#deps.scenarios();
    const init = { ...base, live: this.#live, pinned: this.#pinned, ...(Object.keys(scenarios).length ? { scenarios } : {}) };
    return this.#problem ? { ...init, problem: this.#problem } : init;
  }

  #onReady(protocol: number): void {
    if (protocol !== PROTOCOL_VERSION) {
      // A webview from another version of the extension (restored after an update): load ours. Once
      // is enough; if the bundle itself disagrees, reloading again would loop forever.
      this.#deps.log.warn(`Results panel: webview speaks protocol ${protocol}, host ${PROTOCOL_VERSION}; reloading it.`);
      if (this.#reloads++ < 1) this.#render();
      return;
    }
    this.#ready = true;
    this.#sendSnapshot();
    this.#sendCompare();
  }

  #sendSnapshot(): void {
    if (!this.#ready) return;
    this.#messenger.send({ type: 'snapshot', init: this.#init() });
    for (const p of this.state?.previews() ?? []) this.#messenger.send(p as Exclude<ToWebview, { type: 'reply' }>);
  }

  #resume(): Promise<void> {
    // The panel's own folder only; the webview names none. A live or complete run has nothing to resume.
    const record = this.state?.record;
    if (!record || missingImages(record) === 0) throw new Error(vscode.l10n.t('This run has no missing images.'));
    if (this.#deps.isRunning(this.#runDir)) throw new Error(vscode.l10n.t('This run is still going.'));
    return this.#deps.onResume(this.#runDir).then(() => undefined);
  }

  /** A cell's seed, prompt or settings (as a spec), read from the record: the webview names only the cell. */
  #cellText(key: string, what: CopyWhat): string {
    const record = this.state?.record;
    const cell = record?.cells.find((c) => c.key === key);
    if (!record || !cell) throw new Error(vscode.l10n.t('{0} is not an image of this run.', key));
    if (what === 'seed') return String(cell.seed);
    const { cellSpecValue, cellSpecYaml } = language();
    if (what === 'prompt') return String(cellSpecValue(record, key)?.prompt ?? '');
    return cellSpecYaml(record, key) ?? '';
  }

  #handlers(): RequestHandlers<Requests> {
    return {
      ...judgingHandlers({
        runDir: this.#runDir,
        record: () => this.state?.record,
        replaced: (record) => this.#replaced(record),
        webviewUri: (dir) => this.panel.webview.asWebviewUri(vscode.Uri.file(dir)).toString(),
        isRunning: (dir) => this.#deps.isRunning(dir),
        openRun: (dir) => this.#deps.onOpenRun(dir),
        rater: () => this.#deps.rater(this.#runDir),
        scenarios: () => this.#deps.scenarios(),
      }),
      cancel: () => {
        this.#deps.onCancel(this.#runDir);
      },
      revealRunFolder: () => this.#deps.onRevealRunFolder(this.#runDir),
      resume: () => this.#resume(),
      // While the run waits for its server, try it now; once the run gave up, make its missing images.
      retryServer: () => (this.#deps.isRunning(this.#runDir) ? this.#deps.onRetryServer(this.#runDir) : this.#resume()),
      selectServer: async () => {
        await vscode.commands.executeCommand('qwenprompt.selectServer');
      },
      setPinned: (body) => this.setPinned(body.pinned),
      redoRegion: async (body) => {
        const { record, redo } = await this.#deps.onRedoRegion(this.#runDir, { cell: body.cell, mask: body.mask, steps: body.steps });
        this.#replaced(record);
        return redo;
      },
      copyCell: async (body) => {
        const text = this.#cellText(body.cell, body.what);
        await vscode.env.clipboard.writeText(text);
        return text;
      },
      rerunCell: (body) => this.#deps.onRerunCell(this.#runDir, this.#cellText(body.cell, 'settings')),
      openImage: (body) => {
        // Only files the record names: the webview cannot make the host open anything else.
        const known = this.state?.record.cells.some((c) => c.images.some((i) => i.file === body.file));
        if (!known) throw new Error(vscode.l10n.t('{0} is not an image of this run.', body.file));
        return this.#deps.onOpenImage(vscode.Uri.joinPath(vscode.Uri.file(this.#runDir), ...body.file.split('/')));
      },
    };
  }
}
