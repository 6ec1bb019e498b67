import vscode = require('vscode');
import { normalizeServerUrl, type ConfigService } from '../../../platform/config';
import type { ComfyConnections } from '../comfyConnections';
import { runEngine } from '../../runEngine';
import { Cancelled, type Command } from '../../command';

const TEST_TIMEOUT_MS = 5000;

/** Picks the ComfyUI server (a listed one or a typed URL), checks that it answers, and saves it. */
export class SelectServerCommand implements Command {
  readonly id = 'qwenprompt.selectServer';
  readonly #config: ConfigService;
  readonly #connections: ComfyConnections;

  constructor(config: ConfigService, connections: ComfyConnections) {
    this.#config = config;
    this.#connections = connections;
  }

  async run(arg?: unknown): Promise<string> {
    const url = (typeof arg === 'string' ? normalizeServerUrl(arg) : undefined) ?? (await this.#ask());
    const problem = await this.#test(url);
    if (problem) {
      const useAnyway = vscode.l10n.t('Use It Anyway');
      const pick = await vscode.window.showWarningMessage(problem, useAnyway);
      if (pick !== useAnyway) {
        throw new Cancelled();
      }
    }
    await this.#config.setServerUrl(url);
    return url;
  }

  async #ask(): Promise<string> {
    const { comfyUrl, servers } = this.#config.current;
    type Item = vscode.QuickPickItem & { url?: string };
    const listed = servers.some((s) => s.url === comfyUrl) ? servers : [{ url: comfyUrl }, ...servers];
    const items: Item[] = [
      ...listed.map((s) => ({
        label: s.name ?? s.url,
        description: [s.name ? s.url : '', s.url === comfyUrl ? vscode.l10n.t('current') : ''].filter(Boolean).join(' · '),
        url: s.url,
      })),
      { label: vscode.l10n.t('$(edit) Enter a URL…') },
    ];
    const pick = await vscode.window.showQuickPick(items, { title: vscode.l10n.t('ComfyUI server') });
    if (!pick) {
      throw new Cancelled();
    }
    if (pick.url) {
      return pick.url;
    }
    const typed = await vscode.window.showInputBox({
      title: vscode.l10n.t('ComfyUI server URL'),
      value: comfyUrl,
      prompt: vscode.l10n.t('The address ComfyUI listens on, e.g. http://127.0.0.1:8188'),
      validateInput: (v) => (normalizeServerUrl(v) ? undefined : vscode.l10n.t('Enter an http:// or https:// URL')),
    });
    const url = typed === undefined ? undefined : normalizeServerUrl(typed);
    if (!url) {
      throw new Cancelled();
    }
    return url;
  }

  /** Asks the server for /system_stats; returns what went wrong, or undefined when it answered. */
  async #test(url: string): Promise<string | undefined> {
    const client = await this.#connections.client(url);
    return vscode.window.withProgress(
      { location: vscode.ProgressLocation.Notification, title: vscode.l10n.t('Checking {0}…', url) },
      async () => {
        try {
          const facts = runEngine().serverFacts(url, await client.systemStats(AbortSignal.timeout(TEST_TIMEOUT_MS)));
          void vscode.window.showInformationMessage(
            vscode.l10n.t('ComfyUI {0} answers at {1}{2}.', facts.comfyuiVersion ?? '', url, facts.gpu ? ` (${facts.gpu})` : ''),
          );
          return undefined;
        } catch (e) {
          return vscode.l10n.t('{0} did not answer: {1}', url, e instanceof Error ? e.message : String(e));
        }
      },
    );
  }
}
