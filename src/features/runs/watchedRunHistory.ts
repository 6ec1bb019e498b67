import * as path from 'node:path';
import vscode = require('vscode');
import { RECORD_FILE } from '../../core/runs/record';
import type { ConfigService } from '../../platform/config';
import { Disposable, toDisposable } from '../../platform/dispose';
import { RunHistory, type SpecHistory } from './runHistory';

/** How long changes gather before the lenses redraw once: a CLI run rewrites run.json after every image. */
export const HISTORY_BATCH_MS = 300;

/** Spec folders, run folders and records under a runs folder: what the lenses' history is read from. */
const WATCHED = `{*,*/*,*/*/${RECORD_FILE}}`;

/**
 * The lenses' run history, kept current while runs are made elsewhere (the CLI, another window): each runs
 * folder the lenses have read is watched, and a change there forgets that folder's histories. Watching what
 * was read covers every `qwenprompt.runsFolder` (relative, `..`, absolute) and specs opened from outside the
 * workspace; inside a workspace folder VS Code serves these watchers from its own workspace watcher.
 */
export class WatchedRunHistory extends Disposable {
  readonly #history = new RunHistory();
  readonly #watchers = new Map<string, vscode.Disposable>();
  /** A run of this window: its writes are followed by RunService itself, through its updates. */
  readonly #isOwnRun: (runDir: string) => boolean;
  readonly #changed = new Set<string>();
  #timer: ReturnType<typeof setTimeout> | undefined;
  readonly #onDidChange = this._register(new vscode.EventEmitter<void>());
  /** A watched runs folder changed on disk (at most once per HISTORY_BATCH_MS): lenses ask again. */
  readonly onDidChange = this.#onDidChange.event;

  constructor(config: ConfigService, isOwnRun: (runDir: string) => boolean) {
    super();
    this.#isOwnRun = isOwnRun;
    // Another setting means other runs folders; the lenses read, and so watch, those again.
    this._register(config.onDidChange((e) => e.affectsConfiguration('qwenprompt.runsFolder') && this.#unwatchAll()));
    this._register(
      toDisposable(() => {
        clearTimeout(this.#timer);
        this.#unwatchAll();
      }),
    );
  }

  /** A spec's history (see RunHistory); its runs folder is watched from now on. */
  get(runsRoot: string, specFile: string, specId: string): Promise<SpecHistory> {
    const root = path.resolve(runsRoot);
    this.#watch(root);
    return this.#history.get(root, specFile, specId);
  }

  /** Forgets every cached history (a run of this window started or ended). */
  invalidate(): void {
    this.#history.invalidate();
  }

  #watch(runsRoot: string): void {
    if (this.isDisposed || this.#watchers.has(runsRoot)) return;
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(runsRoot), WATCHED));
    const changed = (uri: vscode.Uri) => this.#onFile(runsRoot, uri.fsPath);
    watcher.onDidCreate(changed);
    watcher.onDidChange(changed);
    watcher.onDidDelete(changed);
    this.#watchers.set(runsRoot, watcher);
  }

  #unwatchAll(): void {
    for (const w of this.#watchers.values()) w.dispose();
    this.#watchers.clear();
  }

  #onFile(runsRoot: string, file: string): void {
    const runDir = path.basename(file) === RECORD_FILE ? path.dirname(file) : file;
    if (this.#isOwnRun(runDir)) return;
    this.#changed.add(runsRoot);
    // Not pushed back by later changes: a run that writes faster than the batch still shows as it goes.
    this.#timer ??= setTimeout(() => this.#flush(), HISTORY_BATCH_MS);
  }

  #flush(): void {
    this.#timer = undefined;
    for (const root of this.#changed) this.#history.invalidate(root);
    this.#changed.clear();
    this.#onDidChange.fire();
  }
}
