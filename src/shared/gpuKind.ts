// A GPU kind as statistics group by it: the card's name and its memory, so two cards of one name but other
// memory stay apart. Pure: the webview, the host and the CLI all use it.
import type { ServerFacts } from './runRecord';

export function gpuKind(f: Pick<ServerFacts, 'gpu' | 'vramTotalBytes'>): string {
  const gib = f.vramTotalBytes ? ` · ${Math.round(f.vramTotalBytes / 1024 ** 3)} GiB` : '';
  return `${f.gpu ?? 'unknown GPU'}${gib}`;
}
