// What the results webview persists with setState (the serializer revives a panel from it), and the
// check that state from an older or newer webview is still usable.
import { parseLayoutChoice, type LayoutChoice } from '../shared/gridLayout';

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isString = (v: unknown): v is string => typeof v === 'string';

/** What the webview persists with setState; the serializer revives a panel from it. */
export interface PersistedState {
  v: 1;
  runDir: string;
  /** Key of the cell shown in the lightbox, if one is open. */
  zoomed?: string;
  /** The grid layout the user chose, and the spec id it was chosen for (another spec's run ignores it). */
  layout?: Partial<LayoutChoice>;
  spec?: string;
  /** The panel was pinned (restored pinned after a reload). */
  pinned?: boolean;
}

/** Validates state from an older (or newer) webview; undefined means "start fresh". */
export function parsePersistedState(s: unknown): PersistedState | undefined {
  if (!isObject(s) || s.v !== 1 || !isString(s.runDir) || s.runDir === '') return undefined;
  const layout = parseLayoutChoice(s.layout);
  return {
    v: 1,
    runDir: s.runDir,
    ...(isString(s.zoomed) ? { zoomed: s.zoomed } : {}),
    ...(s.pinned === true ? { pinned: true } : {}),
    ...(layout && isString(s.spec) ? { layout, spec: s.spec } : {}),
  };
}
