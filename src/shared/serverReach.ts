// Whether a run's ComfyUI server answers, as the run's socket sees it, and the words the panel and the
// CLI both say about it. Pure: the webview imports it too.

/** 'unreachable': the socket dropped and did not come back; the client is still retrying. 'gaveUp': it
 * stopped retrying, so the jobs it was waiting on are marked lost. 'online': it answers again. */
export type ServerReach = { state: 'online'; url: string } | { state: 'unreachable' | 'gaveUp'; url: string; attempt: number };

/** One sentence, the same in the panel and the terminal. */
export function serverReachText(s: ServerReach): string {
  switch (s.state) {
    case 'online':
      return `Server back online at ${s.url} — catching up`;
    case 'unreachable':
      return `Server unreachable at ${s.url} — retrying (attempt ${s.attempt})`;
    case 'gaveUp':
      return `Server unreachable at ${s.url} — gave up after ${s.attempt} attempts; the images still being made are marked lost`;
  }
}
