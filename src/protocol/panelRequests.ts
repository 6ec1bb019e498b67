// The requests of the panel's tab (pin) and of the single-image view (copy, re-run): their shapes, the
// host's check of what the webview sends, and the webview's check of the replies. Pure, like messages.ts.

/** What "Copy …" in the single-image view puts on the clipboard. */
export type CopyWhat = 'seed' | 'prompt' | 'settings';

export interface PanelRequests {
  /** Pin the panel (the spec's next run opens another one) or unpin it. */
  setPinned: { params: { pinned: boolean }; reply: void };
  /** Copy a cell's seed, its prompt, or its settings as a spec (YAML) to the clipboard; replies with the text copied. */
  copyCell: { params: { cell: string; what: CopyWhat }; reply: string };
  /** Run this one image's settings again, as a new run of its spec (needs the spec open in the workspace). */
  rerunCell: { params: { cell: string }; reply: void };
}

export const PANEL_REQUEST_KEYS: { [K in keyof PanelRequests]: readonly (keyof PanelRequests[K]['params'])[] } = {
  setPinned: ['pinned'],
  copyCell: ['cell', 'what'],
  rerunCell: ['cell'],
};

/** A cell key as the run record spells them (e.g. 'steps=20#r0'). */
const isCellKey = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 512;

/** The host's check of one of these requests' fields (the kind and the key set are checked by the caller). */
export function isPanelRequest(b: Record<string, unknown>): boolean {
  switch (b.kind) {
    case 'setPinned':
      return typeof b.pinned === 'boolean';
    case 'copyCell':
      return isCellKey(b.cell) && (b.what === 'seed' || b.what === 'prompt' || b.what === 'settings');
    case 'rerunCell':
      return isCellKey(b.cell);
    default:
      return false;
  }
}

export const PANEL_REPLY_CHECKS: { [K in keyof PanelRequests]: (v: unknown) => v is PanelRequests[K]['reply'] } = {
  setPinned: (_v: unknown): _v is void => true,
  copyCell: (v: unknown): v is string => typeof v === 'string',
  rerunCell: (_v: unknown): _v is void => true,
};
