// Tells a run's listeners when its server stops answering and when it is back, from the client's
// socket states: a drop the first reconnect mends (a restart, a proxy blip) says nothing; a socket
// still down after `graceMs` is reported, long before the watchdog or the reconnect budget ends.
import type { IComfyClient } from '../comfy/types';
import type { ServerReach } from '../../shared/serverReach';

const DEFAULT_GRACE_MS = 1500;

export function watchServer(
  client: IComfyClient,
  url: string,
  report: (s: ServerReach) => void,
  graceMs = DEFAULT_GRACE_MS,
): { readonly down: boolean; dispose(): void } {
  let down = false;
  let attempt = 0;
  let timer: NodeJS.Timeout | undefined;
  const stopTimer = () => {
    clearTimeout(timer);
    timer = undefined;
  };
  const sub = client.onEvent((e) => {
    if (e.type !== 'connection') return;
    if (e.state === 'connected') {
      stopTimer();
      if (down) report({ state: 'online', url });
      down = false;
    } else if (e.state === 'reconnecting') {
      attempt = e.attempt ?? attempt + 1;
      if (down) report({ state: 'unreachable', url, attempt });
      else
        timer ??= setTimeout(() => {
          timer = undefined;
          down = true;
          report({ state: 'unreachable', url, attempt });
        }, graceMs);
    } else if (e.attempt !== undefined) {
      // Reconnecting gave up (a 'closed' without attempts is the client being closed, not the server).
      stopTimer();
      down = true;
      report({ state: 'gaveUp', url, attempt: e.attempt });
    }
  });
  return {
    get down() {
      return down;
    },
    dispose: () => {
      stopTimer();
      sub.dispose();
    },
  };
}
