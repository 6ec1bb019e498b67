// Host <-> results-webview messages. Imports nothing at run time (types only), so the webview bundle,
// the extension host and node:test all compile it.
import type { CellRecord, ColumnStats, RunRecord } from '../core/runs/types';

// The webview may import only from src/protocol, so the record types it draws are re-exported here.
export type {
  CellRecord,
  CellStatus,
  ColumnStats,
  ImageFile,
  JobTimings,
  RunRecord,
  Stats,
} from '../core/runs/types';
export type { AxisValue } from '../core/spec/types';
// Convergence scores (issue 7) and the ratings they are shown beside.
export type { CellConvergence, ConvergenceGroup, ConvergencePoint, ConvergenceSummary, Rating } from '../core/runs/types';

/** Bumped whenever a message changes shape; a stale webview that says another number is reloaded. */
export const PROTOCOL_VERSION = 1;

/** Everything the webview needs to draw a run from scratch (the init meta tag and `snapshot` carry it). */
export interface PanelInit {
  protocol: number;
  runDir: string;
  /** asWebviewUri of the run folder; image URLs are this plus the cell's relative file name. */
  imageBase: string;
  /** Absent when the run could not be read (then `problem` says why). */
  record?: RunRecord;
  /** Latest sampler step per running cell key. */
  progress: Record<string, { value: number; max: number }>;
  problem?: string;
}

/** Reply to a request, carrying either a value or the error's message. */
export type Reply =
  | { type: 'reply'; id: number; ok: true; value: unknown }
  | { type: 'reply'; id: number; ok: false; error: string };

/** A request that expects a `Reply` with the same id. */
export interface Request<B> {
  type: 'request';
  id: number;
  body: B;
}

export type ToWebview =
  /** The whole current state, sent after every `ready` (the webview may have been reloaded). */
  | { type: 'snapshot'; init: PanelInit }
  /** A cell changed (status, timings, images); statistics recomputed with it. */
  | { type: 'cell'; cell: CellRecord; stats: ColumnStats[] }
  /** Sampler step of a running cell. */
  | { type: 'progress'; key: string; value: number; max: number }
  /** Latest preview frame of a running cell; shown through a blob: URL. */
  | { type: 'preview'; key: string; mime: string; data: Uint8Array }
  /** A new whole record: planned, or finished with final statistics. */
  | { type: 'record'; record: RunRecord }
  | Reply;

/** What the webview can ask of the host. */
export type WebviewRequest =
  /** Stop the running job and drop the queued ones. */
  | { kind: 'cancel' }
  /** Open one image (a file name relative to the run folder) in VS Code's image preview. */
  | { kind: 'openImage'; file: string }
  | { kind: 'revealRunFolder' };

export type FromWebview =
  /** Handshake: the webview has loaded and speaks this protocol version. */
  | { type: 'ready'; protocol: number }
  | Request<WebviewRequest>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === 'string';

/** A relative file name inside the run folder: no absolute path, no `..`, no backslash tricks. */
export function isSafeRelativeFile(file: unknown): file is string {
  if (typeof file !== 'string' || file.length === 0 || file.length > 512) return false;
  if (file.startsWith('/') || file.includes('\\') || file.includes('\0') || /^[a-zA-Z]:/.test(file)) {
    return false;
  }
  return file.split('/').every((seg) => seg !== '' && seg !== '.' && seg !== '..');
}

function isWebviewRequest(b: unknown): b is WebviewRequest {
  if (!isObject(b)) return false;
  switch (b.kind) {
    case 'cancel':
    case 'revealRunFolder':
      return true;
    case 'openImage':
      return isSafeRelativeFile(b.file);
    default:
      return false;
  }
}

/** The host's guard: every message from the webview passes it or is dropped. */
export function isFromWebview(m: unknown): m is FromWebview {
  if (!isObject(m)) return false;
  switch (m.type) {
    case 'ready':
      return isFiniteNumber(m.protocol);
    case 'request':
      return Number.isInteger(m.id) && isWebviewRequest(m.body);
    default:
      return false;
  }
}

// The webview trusts its host, but still checks shapes so that a stale or foreign message cannot
// crash the renderer half-way through an update.
function isCell(c: unknown): c is CellRecord {
  return (
    isObject(c) &&
    isString(c.key) &&
    isString(c.column) &&
    isString(c.status) &&
    isFiniteNumber(c.repeat) &&
    isObject(c.axes) &&
    Array.isArray(c.images)
  );
}

/** A run record as far as the panel relies on it. */
export function isRunRecord(r: unknown): r is RunRecord {
  return (
    isObject(r) &&
    r.format === 'qwenprompt-run' &&
    isString(r.id) &&
    isString(r.status) &&
    isObject(r.spec) &&
    Array.isArray(r.cells) &&
    r.cells.every(isCell) &&
    Array.isArray(r.stats)
  );
}

export function isPanelInit(i: unknown): i is PanelInit {
  return (
    isObject(i) &&
    isFiniteNumber(i.protocol) &&
    isString(i.runDir) &&
    isString(i.imageBase) &&
    (i.record === undefined || isRunRecord(i.record)) &&
    isObject(i.progress) &&
    (i.problem === undefined || isString(i.problem))
  );
}

/** The webview's guard for messages from the host. */
export function isToWebview(m: unknown): m is ToWebview {
  if (!isObject(m)) return false;
  switch (m.type) {
    case 'snapshot':
      return isPanelInit(m.init);
    case 'cell':
      return isCell(m.cell) && Array.isArray(m.stats);
    case 'progress':
      return isString(m.key) && isFiniteNumber(m.value) && isFiniteNumber(m.max);
    case 'preview':
      return isString(m.key) && isString(m.mime) && m.data instanceof Uint8Array;
    case 'record':
      return isRunRecord(m.record);
    case 'reply':
      return Number.isInteger(m.id) && (m.ok === true || (m.ok === false && isString(m.error)));
    default:
      return false;
  }
}

/** What the webview persists with setState; the serializer revives a panel from it. */
export interface PersistedState {
  v: 1;
  runDir: string;
  /** Key of the cell shown in the lightbox, if one is open. */
  zoomed?: string;
}

/** Validates state from an older (or newer) webview; undefined means "start fresh". */
export function parsePersistedState(s: unknown): PersistedState | undefined {
  if (!isObject(s) || s.v !== 1 || !isString(s.runDir) || s.runDir === '') return undefined;
  return { v: 1, runDir: s.runDir, ...(isString(s.zoomed) ? { zoomed: s.zoomed } : {}) };
}
