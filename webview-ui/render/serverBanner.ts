// The banner a run shows while its server does not answer: what happened in words, Retry (reconnect
// now, or once the run gave up, make the missing images again) and Select Server. Text only through
// text nodes; colours from the theme.
import { serverReachText, type ServerReach } from '../../src/shared/serverReach';
import { h } from './dom';

export interface ServerBannerActions {
  /** The host reconnects (or resumes); rejects with the reason while the server still does not answer. */
  retry(): Promise<unknown>;
  selectServer(): void;
  /** A failed Retry's reason. */
  failed(message: string): void;
}

export class ServerBanner {
  readonly el = h('div', { class: 'server-banner', role: 'alert', 'data-testid': 'server-banner', hidden: true });
  readonly #actions: ServerBannerActions;
  #shown: string | undefined;

  constructor(actions: ServerBannerActions) {
    this.#actions = actions;
  }

  /** True while a banner shows: the run is waiting for its server (or gave up on it). */
  get down(): boolean {
    return !this.el.hidden;
  }

  /** Draws the banner for `server` (nothing when it answers); `live`: the run is still waiting. */
  update(server: ServerReach | undefined, live: boolean): void {
    const down = server && server.state !== 'online' ? server : undefined;
    const key = down ? JSON.stringify([down, live]) : undefined;
    if (key === this.#shown) return;
    this.#shown = key;
    this.el.hidden = !down;
    if (!down) {
      this.el.replaceChildren();
      return;
    }
    this.el.dataset.state = down.state;
    const waiting = down.state === 'unreachable' && live;
    const hint = waiting
      ? 'The run waits for it; the images already made are safe.'
      : 'Retry makes the missing images again, into this run folder.';
    const retry = h(
      'button',
      {
        type: 'button',
        'data-testid': 'server-retry',
        title: waiting ? 'Try to reach the server now' : 'Resume: make only the missing images',
      },
      'Retry',
    );
    retry.addEventListener('click', () => {
      retry.disabled = true;
      retry.textContent = 'Retrying…';
      this.#actions
        .retry()
        .catch((e: Error) => this.#actions.failed(e.message))
        .finally(() => {
          retry.disabled = false;
          retry.textContent = 'Retry';
        });
    });
    const select = h('button', { type: 'button', class: 'secondary', 'data-testid': 'server-select' }, 'Select Server');
    select.addEventListener('click', () => this.#actions.selectServer());
    this.el.replaceChildren(
      h('span', { class: 'icon', 'aria-hidden': 'true' }, '⚠'),
      h(
        'div',
        { class: 'server-text' },
        h('strong', { 'data-testid': 'server-text' }, serverReachText(down)),
        h('span', { class: 'muted' }, hint),
      ),
      h('div', { class: 'actions' }, retry, select),
    );
  }
}
