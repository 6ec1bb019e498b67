import vscode = require('vscode');
import { userMessage } from '../../core/comfy/errors';
import type { ILogger } from '../../core/logger';
import { Disposable } from '../../platform/dispose';
import type { ComfyConnections } from './comfyConnections';
import { LANGUAGE_ID } from '../languageModule';
import { loadedRunEngine, runEngine } from '../runEngine';
import type { ServerFacts } from '../../shared/runRecord';

const POLL_MS = 5000;
const REQUEST_TIMEOUT_MS = 3000;
/**
 * The first poll needs the run engine (the ComfyUI client): loading it right at activation would make
 * the first CodeLens wait for it, so the item says "Checking…" a moment longer instead.
 */
const FIRST_POLL_DELAY_MS = 1000;

/** What the status bar needs of the runs: whether one is going, and when that changes. */
export interface RunActivity {
  readonly running: readonly unknown[];
  readonly onDidChangeRuns: vscode.Event<void>;
}

type ServerState =
  | { kind: 'unknown' }
  | { kind: 'restricted' }
  | { kind: 'reachable'; facts: ServerFacts; queue: number }
  | { kind: 'unreachable'; problem: string };

/**
 * The server's state in the status bar (reachable, GPU, queue length). It polls only while someone can
 * see it: the window has focus and a .qwenprompt editor is visible, or a run is going.
 */
export class ServerStatusBar extends Disposable {
  readonly #connections: ComfyConnections;
  readonly #runs: RunActivity;
  readonly #log: ILogger;
  readonly #item = this._register(vscode.window.createStatusBarItem('qwenprompt.server', vscode.StatusBarAlignment.Left, 100));
  #state: ServerState = { kind: 'unknown' };
  #facts: { url: string; facts: ServerFacts } | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #polling = false;
  #polled = false;

  constructor(connections: ComfyConnections, runs: RunActivity, log: ILogger) {
    super();
    this.#connections = connections;
    this.#runs = runs;
    this.#log = log;
    this.#item.name = vscode.l10n.t('ComfyUI server');
    this.#item.command = 'qwenprompt.selectServer';
    const update = () => this.#update();
    this._register(vscode.window.onDidChangeVisibleTextEditors(update));
    this._register(vscode.window.onDidChangeWindowState(update));
    this._register(
      runs.onDidChangeRuns(() => {
        this.#update();
        // A run just started or ended: read the queue once now, even in a window without focus, so the
        // item never keeps showing a queue that has drained.
        if (this.#wanted && this.#connections.isTrusted && !this.#polling) {
          this.#stop();
          void this.#poll();
        }
      }),
    );
    this._register(
      connections.onDidChange(() => {
        this.#facts = undefined;
        this.#state = { kind: 'unknown' };
        this.#stop();
        this.#update();
      }),
    );
    this._register({ dispose: () => this.#stop() });
    this.#update();
  }

  get #wanted(): boolean {
    const specVisible = vscode.window.visibleTextEditors.some((e) => e.document.languageId === LANGUAGE_ID);
    return specVisible || this.#runs.running.length > 0;
  }

  #update(): void {
    if (this.isDisposed) {
      return;
    }
    if (!this.#wanted) {
      this.#item.hide();
      this.#stop();
      return;
    }
    if (!this.#connections.isTrusted) {
      this.#state = { kind: 'restricted' };
      this.#stop();
    } else if (vscode.window.state.focused || this.#runs.running.length) {
      if (!this.#timer && !this.#polling) {
        if (this.#polled || loadedRunEngine()) {
          void this.#poll();
        } else {
          this.#timer = setTimeout(() => void this.#poll(), FIRST_POLL_DELAY_MS);
        }
      }
    } else {
      this.#stop();
    }
    this.#render();
    this.#item.show();
  }

  #stop(): void {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
  }

  async #poll(): Promise<void> {
    this.#timer = undefined;
    this.#polling = true;
    this.#polled = true;
    const url = this.#connections.url;
    try {
      const client = await this.#connections.client(url);
      const signal = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
      if (this.#facts?.url !== url) {
        this.#facts = { url, facts: runEngine().serverFacts(url, await client.systemStats(signal)) };
      }
      const q = await client.queue(signal);
      this.#state = { kind: 'reachable', facts: this.#facts.facts, queue: q.queue_running.length + q.queue_pending.length };
    } catch (e) {
      if (this.#state.kind !== 'unreachable') {
        this.#log.info(`ComfyUI at ${url} is not reachable: ${userMessage(e)}`);
      }
      this.#facts = undefined;
      this.#state = { kind: 'unreachable', problem: userMessage(e) };
    } finally {
      this.#polling = false;
    }
    // The URL may have changed, or the window lost focus, while the requests were out.
    if (!this.isDisposed && url === this.#connections.url) {
      this.#render();
      if (this.#wanted && this.#connections.isTrusted && (vscode.window.state.focused || this.#runs.running.length)) {
        this.#timer = setTimeout(() => void this.#poll(), POLL_MS);
      }
    } else {
      this.#update();
    }
  }

  #render(): void {
    const item = this.#item;
    const url = this.#connections.url;
    const s = this.#state;
    item.backgroundColor = undefined;
    switch (s.kind) {
      case 'unknown':
        item.text = '$(server) ComfyUI';
        item.tooltip = vscode.l10n.t('Checking {0}…', url);
        break;
      case 'restricted':
        item.text = vscode.l10n.t('$(shield) ComfyUI: restricted');
        item.tooltip = vscode.l10n.t('This folder is in Restricted Mode: QwenPrompt contacts no server until you trust it.');
        break;
      case 'reachable': {
        const gpu = s.facts.gpu ?? 'ComfyUI';
        item.text = s.queue ? `$(server) ${gpu} · ${vscode.l10n.t('queue {0}', s.queue)}` : `$(server) ${gpu}`;
        item.tooltip = new vscode.MarkdownString(
          [
            vscode.l10n.t('ComfyUI {0} at {1}', s.facts.comfyuiVersion ?? '', url),
            s.facts.gpu ? vscode.l10n.t('GPU: {0}', s.facts.gpu) : '',
            vscode.l10n.t('Queue: {0}', s.queue),
            vscode.l10n.t('Click to choose another server.'),
          ]
            .filter(Boolean)
            .join('\n\n'),
        );
        break;
      }
      case 'unreachable':
        item.text = vscode.l10n.t('$(debug-disconnect) ComfyUI unreachable');
        item.backgroundColor = new vscode.ThemeColor('statusBarItem.warningBackground');
        item.tooltip = vscode.l10n.t(
          'No answer from {0}: {1}\nStart ComfyUI, or click to choose another server (setting qwenprompt.comfy.url).',
          url,
          s.problem,
        );
        break;
    }
  }
}
