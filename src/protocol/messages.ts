// Host <-> results-webview messages. Imports nothing at run time but src/shared (pure), so the webview
// bundle, the extension host and node:test all compile it.
import { isCriterion, isScore, type Scores } from '../shared/criteria';
import type { RunHistoryEntry } from '../shared/history';
import type { QualitySummary } from '../shared/quality';
import { areVoteExtras } from '../shared/ratingRound';
import type { CellRecord, ColumnStats, DefectRegion, RegionRedo, RunRecord } from '../shared/runRecord';
import type { ServerReach } from '../shared/serverReach';
import type { ScenarioLayer } from '../shared/scenarios';
import type { Reply, Request, RequestBody } from './messenger';
import { isAbsoluteDir, isSafeRelativeFile } from './paths';
import { isPanelRequest, PANEL_REPLY_CHECKS, PANEL_REQUEST_KEYS, type PanelRequests } from './panelRequests';

export { parsePersistedState, type PersistedState } from './persistedState';

/** Bumped whenever a message changes shape; a stale webview that says another number is reloaded. */
export const PROTOCOL_VERSION = 1;
export { isAbsoluteDir, isSafeRelativeFile };

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
  /** True while a run of this window writes into the folder; a 'running' record that is not live was
   * interrupted (window closed, crash) and can be resumed. */
  live?: boolean;
  /** Set while the run's server does not answer (or after the run gave up on it); absent when it does. */
  server?: ServerReach;
  /** The panel is pinned: the spec's next run opens another panel. */
  pinned?: boolean;
  /** The qwenprompt.scenarios setting (the spec's `scenarios:` in the record goes over it). */
  scenarios?: ScenarioLayer;
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
  /** The run's server stopped answering, gave up, or is back ('online' clears the banner). */
  | { type: 'server'; server: ServerReach }
  /** Show another run of the same spec beside this one (the Compare Runs command). */
  | { type: 'compareWith'; runDir: string }
  | Reply;

/**
 * What the webview can ask of the host: each request's parameters and the host's reply, so both the
 * webview's `request(kind, params)` and the host's handler for it are typed from this one map.
 */
export interface Requests extends PanelRequests {
  /** Stop the running job and drop the queued ones. */
  cancel: { params: {}; reply: void };
  /** Open one image (a file name relative to the run folder) in VS Code's image preview. */
  openImage: { params: { file: string }; reply: void };
  revealRunFolder: { params: {}; reply: void };
  /** Save one rating round into run.json; replies with the new summary. */
  saveRatings: { params: { votes: VoteMessage[]; blind: boolean }; reply: QualitySummary };
  /** Per-setting mean scores and the cost–quality front of the shown run. */
  quality: { params: {}; reply: QualitySummary };
  /** The summary as a Markdown table or CSV, to the clipboard or a file the user picks; replies
   * 'clipboard', the file written, or undefined when the user picked none. */
  exportTable: { params: { format: 'markdown' | 'csv'; to: 'clipboard' | 'file' }; reply: string | undefined };
  /** The labelled grid drawn by the webview, as PNG bytes; the host asks where to save it and replies
   * with the file written (undefined when the user picked none). */
  exportGrid: { params: { png: Uint8Array; to: 'file' | 'runFolder' }; reply: string | undefined };
  /** Write the rate pack (one HTML page for blind rating in a browser) into the run folder; replies with its path. */
  ratePack: { params: {}; reply: string | undefined };
  /** Write the study report (report.md and report.html, images beside) into the run folder's report/; replies with the HTML's path. */
  exportReport: { params: {}; reply: string | undefined };
  /** Add a ratings file the user picks (a rate pack's download) as a round of the run; undefined when none was picked. */
  importRatings: { params: {}; reply: QualitySummary | undefined };
  /** Every run of this spec, newest first. */
  history: { params: {}; reply: RunHistoryEntry[] };
  /** Another run of the same spec, to compare with. */
  loadRun: { params: { runDir: string }; reply: LoadedRun };
  /** Show another run of the same spec in its own panel. */
  openRun: { params: { runDir: string }; reply: void };
  /** Run the missing images of the shown (interrupted) run into its own folder; replies when it ends. */
  resume: { params: {}; reply: void };
  /** The server-unreachable banner's Retry: reconnect now while the run waits for its server; once the
   * run gave up, resume it (as `resume`). Fails with the reason while the server still does not answer. */
  retryServer: { params: {}; reply: void };
  /** "Redo this region": inpaint one image of the (finished) run inside the mask at `steps`, on the
   * server that made it; replies with the redo as run.json now holds it (its result in the run folder). */
  redoRegion: { params: { cell: string; mask: Uint8Array; steps: number }; reply: RegionRedo };
  /** The banner's Select Server: the qwenprompt.selectServer command. */
  selectServer: { params: {}; reply: void };
}

/** A request as it travels: its kind and its parameters side by side. */
export type WebviewRequest = RequestBody<Requests>;

/** One vote of a rating round: 1–5 per criterion (any may be left out) and a note. */
export interface VoteMessage {
  cell: string;
  scores: Scores;
  note?: string;
  /** Elements the image shows that the prompt did not ask for, and those it lacks. */
  unrequested?: string[];
  missing?: string[];
  /** Defect regions drawn on the image. */
  regions?: DefectRegion[];
}

/** Another run of the same spec, as the webview needs it to draw its images. */
export interface LoadedRun {
  runDir: string;
  imageBase: string;
  record: RunRecord;
}

export type FromWebview =
  /** Handshake: the webview has loaded and speaks this protocol version. */
  { type: 'ready'; protocol: number } | Request<WebviewRequest>;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isFiniteNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isString = (v: unknown): v is string => typeof v === 'string';

/** True when `o` has no key outside `allowed`: a message with fields we never send is not ours. */
function onlyKeys(o: Record<string, unknown>, allowed: readonly string[]): boolean {
  return Object.keys(o).every((k) => allowed.includes(k));
}

// The fields of each request the webview may send (the host drops a body with any other).
const REQUEST_KEYS: { [K in keyof Requests]: readonly (keyof Requests[K]['params'])[] } = {
  cancel: [],
  revealRunFolder: [],
  quality: [],
  ratePack: [],
  exportReport: [],
  importRatings: [],
  history: [],
  resume: [],
  retryServer: [],
  selectServer: [],
  openImage: ['file'],
  saveRatings: ['votes', 'blind'],
  exportTable: ['format', 'to'],
  exportGrid: ['png', 'to'],
  redoRegion: ['cell', 'mask', 'steps'],
  loadRun: ['runDir'],
  openRun: ['runDir'],
  ...PANEL_REQUEST_KEYS,
};

function isWebviewRequest(b: unknown): b is WebviewRequest {
  if (!isObject(b) || !isString(b.kind) || !Object.hasOwn(REQUEST_KEYS, b.kind)) return false;
  if (!onlyKeys(b, ['kind', ...REQUEST_KEYS[b.kind as keyof Requests]])) return false;
  switch (b.kind) {
    case 'cancel':
    case 'revealRunFolder':
    case 'quality':
    case 'ratePack':
    case 'exportReport':
    case 'importRatings':
    case 'history':
    case 'resume':
    case 'retryServer':
    case 'selectServer':
      return true;
    case 'openImage':
      return isSafeRelativeFile(b.file);
    case 'saveRatings':
      return typeof b.blind === 'boolean' && Array.isArray(b.votes) && b.votes.length <= 10_000 && b.votes.every(isVote);
    case 'exportTable':
      return (b.format === 'markdown' || b.format === 'csv') && (b.to === 'clipboard' || b.to === 'file');
    case 'redoRegion':
      // A mask is a PNG of the image's size (mostly one colour: small); 64 MiB bounds a hostile one.
      return (
        isString(b.cell) &&
        b.cell.length > 0 &&
        b.cell.length <= 512 &&
        b.mask instanceof Uint8Array &&
        b.mask.length > 8 &&
        b.mask.length < 64 * 1024 * 1024 &&
        Number.isInteger(b.steps) &&
        (b.steps as number) >= 1 &&
        (b.steps as number) <= 10000
      );
    case 'exportGrid':
      return (
        (b.to === 'file' || b.to === 'runFolder') && b.png instanceof Uint8Array && b.png.length > 8 && b.png.length < 256 * 1024 * 1024
      );
    case 'loadRun':
    case 'openRun':
      return isAbsoluteDir(b.runDir);
    default:
      return isPanelRequest(b);
  }
}

function isVote(v: unknown): v is VoteMessage {
  if (!isObject(v) || !onlyKeys(v, ['cell', 'scores', 'note', 'unrequested', 'missing', 'regions'])) return false;
  if (!isString(v.cell) || v.cell.length === 0 || v.cell.length > 512 || !isObject(v.scores)) return false;
  if (v.note !== undefined && !(isString(v.note) && v.note.length <= 2000)) return false;
  if (!areVoteExtras(v)) return false;
  return Object.entries(v.scores).every(([k, x]) => isCriterion(k) && (x === undefined || isScore(x)));
}

function isQualitySummary(q: unknown): q is QualitySummary {
  return (
    isObject(q) &&
    Array.isArray(q.settings) &&
    q.settings.every((s) => isObject(s) && isString(s.column) && isObject(s.means)) &&
    isFiniteNumber(q.votes) &&
    Array.isArray(q.raters) &&
    Array.isArray(q.agreement) &&
    Array.isArray(q.flags)
  );
}

function isHistoryList(h: unknown): h is RunHistoryEntry[] {
  return Array.isArray(h) && h.every((e) => isObject(e) && isString(e.runDir) && isString(e.createdAt) && isString(e.status));
}

function isLoadedRun(r: unknown): r is LoadedRun {
  return isObject(r) && isString(r.runDir) && isString(r.imageBase) && isRunRecord(r.record);
}

const isFileOrNothing = (v: unknown): v is string | undefined => v === undefined || isString(v);
const ignored = (_v: unknown): _v is void => true; // the webview ignores these replies' values

// The webview's check of each reply it reads: typed from the map, so a guard cannot drift from it.
function isRegionRedo(r: unknown): r is RegionRedo {
  return (
    isObject(r) && isString(r.id) && isString(r.cell) && isObject(r.image) && isSafeRelativeFile(r.image.file) && isFiniteNumber(r.steps)
  );
}

const REPLY_CHECKS: { [K in keyof Requests]: (v: unknown) => v is Requests[K]['reply'] } = {
  redoRegion: isRegionRedo,
  cancel: ignored,
  openImage: ignored,
  revealRunFolder: ignored,
  openRun: ignored,
  resume: ignored,
  retryServer: ignored,
  selectServer: ignored,
  saveRatings: isQualitySummary,
  quality: isQualitySummary,
  ratePack: isFileOrNothing,
  exportReport: isFileOrNothing,
  importRatings: (v: unknown): v is QualitySummary | undefined => v === undefined || isQualitySummary(v),
  exportTable: isFileOrNothing,
  exportGrid: isFileOrNothing,
  history: isHistoryList,
  loadRun: isLoadedRun,
  ...PANEL_REPLY_CHECKS,
};

/** True when a reply's value has the shape its request's kind promises. */
export function isReplyTo(kind: keyof Requests, value: unknown): boolean {
  return Object.hasOwn(REPLY_CHECKS, kind) && REPLY_CHECKS[kind](value);
}

/** The host's guard: every message from the webview passes it or is dropped. */
export function isFromWebview(m: unknown): m is FromWebview {
  if (!isObject(m)) return false;
  switch (m.type) {
    case 'ready':
      return onlyKeys(m, ['type', 'protocol']) && isFiniteNumber(m.protocol);
    case 'request':
      return onlyKeys(m, ['type', 'id', 'body']) && Number.isSafeInteger(m.id) && (m.id as number) > 0 && isWebviewRequest(m.body);
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
    Object.values(i.progress).every((p) => isObject(p) && isFiniteNumber(p.value) && isFiniteNumber(p.max)) &&
    (i.problem === undefined || isString(i.problem)) &&
    (i.live === undefined || typeof i.live === 'boolean') &&
    (i.server === undefined || isServerReach(i.server)) &&
    (i.pinned === undefined || typeof i.pinned === 'boolean') &&
    (i.scenarios === undefined || isObject(i.scenarios))
  );
}

/** A reachability state as the host sends it: a URL of sane length, an attempt count, nothing else. */
export function isServerReach(s: unknown): s is ServerReach {
  if (!isObject(s) || !isString(s.url) || s.url.length === 0 || s.url.length > 2048) return false;
  if (s.state === 'online') return onlyKeys(s, ['state', 'url']);
  if (s.state !== 'unreachable' && s.state !== 'gaveUp') return false;
  return onlyKeys(s, ['state', 'url', 'attempt']) && Number.isSafeInteger(s.attempt) && (s.attempt as number) >= 0;
}

const MAX_PREVIEW_BYTES = 8 * 1024 * 1024;

/** The webview's guard for messages from the host. */
export function isToWebview(m: unknown): m is ToWebview {
  if (!isObject(m)) return false;
  switch (m.type) {
    case 'snapshot':
      return isPanelInit(m.init);
    case 'cell':
      return isCell(m.cell) && Array.isArray(m.stats) && m.stats.every(isObject);
    case 'progress':
      return isString(m.key) && isFiniteNumber(m.value) && isFiniteNumber(m.max);
    case 'preview':
      // Previews are small live frames (ComfyUI sends them at latent preview size); a full image
      // never travels as bytes, and only an image type becomes a blob: URL.
      return (
        isString(m.key) &&
        isString(m.mime) &&
        /^image\/(png|jpeg|webp)$/.test(m.mime) &&
        m.data instanceof Uint8Array &&
        m.data.length <= MAX_PREVIEW_BYTES
      );
    case 'record':
      return isRunRecord(m.record);
    case 'compareWith':
      return isAbsoluteDir(m.runDir);
    case 'server':
      return onlyKeys(m, ['type', 'server']) && isServerReach(m.server);
    case 'reply':
      return Number.isInteger(m.id) && (m.ok === true || (m.ok === false && isString(m.error)));
    default:
      return false;
  }
}
