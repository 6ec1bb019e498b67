// The graph sent and the job's end are recorded in run.json, so their types live with the record.
import type { ApiGraph, ApiNode, JobStatus } from '../../shared/runRecord';
export type { ApiGraph, ApiNode, JobStatus };

/** Which spec field was written into which node input; used to map a 400's node_errors back to the spec. */
export interface GraphBinding {
  /** Spec field path, as in Spec.fieldRanges: 'sampler', 'models.unet', 'inputs.MyNode.strength', … */
  field: string;
  node: string;
  input: string;
}

export interface BuiltGraph {
  graph: ApiGraph;
  /** The KSampler (or equivalent) whose `progress` gives steps. */
  samplerNode: string;
  /** SaveImage (or other output) nodes whose images are the result. */
  outputNodes: string[];
  /** Model loader nodes: if they execute, the run was cold. */
  loaderNodes: string[];
  bindings: GraphBinding[];
}

/** An output file as ComfyUI names it. Server data: never used as a local path. */
export interface ImageRef {
  filename: string;
  subfolder: string;
  type: string;
}

export interface DeviceStats {
  name: string;
  type: string;
  index: number;
  vram_total: number;
  vram_free: number;
  torch_vram_total: number;
  torch_vram_free: number;
}

export interface SystemStats {
  system: {
    os: string;
    ram_total: number;
    ram_free: number;
    comfyui_version: string;
    python_version?: string;
    pytorch_version?: string;
    embedded_python?: boolean;
    argv?: string[];
    [key: string]: unknown;
  };
  devices: DeviceStats[];
}

/** A WebSocket JSON message as ComfyUI sends it. */
export interface WsMessage {
  type: string;
  data: any;
}

/** A message together with the client's clock (ms since epoch) when it arrived. */
export interface TimedMessage {
  at: number;
  msg: WsMessage;
}

export interface HistoryEntry {
  prompt: [number, string, ApiGraph, Record<string, unknown>, string[]];
  outputs: Record<string, { images?: ImageRef[]; [key: string]: unknown }>;
  status: {
    status_str: 'success' | 'error';
    completed: boolean;
    messages: [string, Record<string, unknown>][];
  };
  meta?: Record<string, unknown>;
}

/** Why a job ended without running to its end, where the status alone cannot tell (see JobOutcome.reason). */
export type EndReason =
  /** status 'lost': someone else removed it from the server's queue before it ran (another client's delete or clear). */
  | 'deletedOnServer'
  /** status 'interrupted': our cancel removed it from the queue before it ran. */
  | 'cancelledInQueue'
  /** status 'lost': the server no longer knows it (it restarted). */
  | 'serverForgot'
  /** status 'lost': the socket could not be re-established; the result is unknown. */
  | 'disconnected';

/**
 * How much of the prompt's live WebSocket messages the client heard. Execution time and queue wait come
 * from /history's timestamps either way; what only the live messages give (per-node times, sampling
 * time and it/s from `progress`) is exact only for 'all': for 'partial' it covers the part heard, for
 * 'none' it is unknown.
 */
export interface LiveCoverage {
  /** 'all': from execution_start to the terminal message on one connection; 'partial': a drop or lost routing cut it; 'none': nothing heard. */
  heard: 'all' | 'partial' | 'none';
  /** Why not all, in words. */
  reason?: string;
}

/** Everything the client saw of one prompt; timings are derived from it by core/runs/timing.ts. */
export interface JobOutcome {
  promptId: string;
  /** Queue number from POST /prompt. */
  number: number;
  status: JobStatus;
  /** Client clock when POST /prompt was sent and when its reply arrived. */
  postedAt: number;
  acceptedAt: number;
  /** Per-prompt WS messages in arrival order (binary previews excluded). */
  messages: TimedMessage[];
  /** /history entry; absent only for 'lost'. */
  history?: HistoryEntry;
  /** Images of the output nodes (from history, falling back to `executed`). */
  images: ImageRef[];
  /** Set for 'error' / 'interrupted' / 'lost': what happened, in words a user can act on. */
  error?: string;
  /** True when the socket dropped during the job and the result was recovered from /history. */
  recovered?: boolean;
  /** Set where the status alone does not say why it ended (deleted on the server, cancelled in the queue, …). */
  reason?: EndReason;
  /** What of its live messages the client heard: per-node and sampling times are exact only for 'all'.
   * Always set by the client (absent only in outcomes made elsewhere, e.g. from a recording). */
  live?: LiveCoverage;
  /** Facts about the outcome a record should keep, in words (e.g. images over the per-job limit left out). */
  notes?: string[];
}

/** What a cancel did to one prompt: 'unknown' when the server could not be asked (`error` says why). */
export type CancelFate = 'interrupted' | 'deleted' | 'finished' | 'notFound' | 'unknown';

export interface CancelResult {
  promptId: string;
  /** interrupted while it ran; deleted from the queue before it ran; had already finished; unknown to the server. */
  fate: CancelFate;
  /** The request that did it: POST /api/jobs/{id}/cancel, POST /interrupt {prompt_id}, or POST /queue {delete}. */
  via?: 'jobsCancel' | 'interrupt' | 'queueDelete';
  error?: string;
}

/** Live events the client emits for a submitted job (for progress bars and previews). */
export type JobEvent =
  | { type: 'queued'; promptId: string; number: number }
  | { type: 'started'; promptId: string; timestamp: number }
  | { type: 'cached'; promptId: string; nodes: string[] }
  | { type: 'executing'; promptId: string; node: string }
  | { type: 'progress'; promptId: string; node: string; value: number; max: number }
  | { type: 'preview'; promptId: string; mime: string; data: Uint8Array }
  | { type: 'executed'; promptId: string; node: string; images: ImageRef[] }
  | { type: 'finished'; promptId: string; status: JobStatus }
  | { type: 'connection'; state: 'connected' | 'reconnecting' | 'closed'; attempt?: number };

export interface SubmitOptions {
  /** extra_data.preview_method; 'none' turns live previews off. */
  previewMethod?: 'auto' | 'latent2rgb' | 'taesd' | 'none';
  /** extra_data.extra_pnginfo: written by SaveImage into the PNG's text chunks. */
  extraPngInfo?: Record<string, unknown>;
  /** Called for every live event of this job. */
  onEvent?: (e: JobEvent) => void;
  /** Cancels the POST and the wait: `done` rejects with ComfyError kind 'aborted'. Does not stop the
   * prompt on the server (call cancel for that). */
  signal?: AbortSignal;
}

/** A prompt ComfyUI accepted. `done` settles when it has finished, failed, been interrupted or lost;
 * it rejects only when the client itself gives up (watchdog, closed client). */
export interface SubmittedJob {
  promptId: string;
  number: number;
  /** Node errors for output nodes that failed validation while others passed (200 with node_errors). */
  nodeErrors: Record<string, unknown>;
  done: Promise<JobOutcome>;
  /**
   * Resolves as soon as the prompt's terminal message (execution_success|error|interrupted) arrives,
   * before /history is read: an outcome from the WebSocket messages alone (no `history`, images from
   * `executed`, no queue wait). Resolves undefined when `done` settles without the terminal message
   * seen live (socket dropped, watchdog, closed client). `done` stays the authority.
   */
  ended: Promise<JobOutcome | undefined>;
}

/** Where a streamed body goes: chunks in order, then `close` (its result is the download's) or `abort`. */
export interface ByteSink<T> {
  write(chunk: Uint8Array): Promise<void> | void;
  close(): Promise<T>;
  abort(): Promise<void>;
}

/** Where an upload went, as the server answers it: LoadImage takes `annotatedName(ref)`. */
export interface UploadedImage {
  name: string;
  subfolder: string;
  type: string;
}

export interface UploadOptions {
  /** Folder under the server's input folder (default none). */
  subfolder?: string;
  /** Replace a file of the same name instead of getting 'name (1).png' (default false). */
  overwrite?: boolean;
  signal?: AbortSignal;
}

/** The ComfyUI client as the rest of the core uses it (implemented by ComfyClient in client.ts). */
export interface IComfyClient {
  readonly baseUrl: string;
  readonly clientId: string;
  /** Opens the WebSocket (feature_flags first). Idempotent. */
  connect(signal?: AbortSignal): Promise<void>;
  /** A user's Retry: reconnects now and gives the reconnection a fresh budget of attempts; rejects while the server does not answer. */
  retryConnection(signal?: AbortSignal): Promise<void>;
  /** Closes the socket and stops every watchdog; pending `done` promises reject. */
  close(): void;
  systemStats(signal?: AbortSignal): Promise<SystemStats>;
  objectInfo(signal?: AbortSignal): Promise<Record<string, any>>;
  queue(signal?: AbortSignal): Promise<{ queue_running: unknown[][]; queue_pending: unknown[][] }>;
  history(promptId: string, signal?: AbortSignal): Promise<HistoryEntry | undefined>;
  /** GET /view; `preview` e.g. 'webp;80' for a thumbnail. */
  view(ref: ImageRef, opts?: { preview?: string; signal?: AbortSignal }): Promise<Uint8Array>;
  /**
   * GET /view streamed into a sink instead of memory: `open` is called once per attempt (a retried
   * download starts a fresh sink; the failed one is aborted). The body must start like a PNG, JPEG or
   * WebP (checked before the sink sees a byte) and stay within the size limit while it streams.
   */
  viewTo<T>(ref: ImageRef, open: () => Promise<ByteSink<T>>, opts?: { signal?: AbortSignal }): Promise<T>;
  /** POST /prompt. Throws ComfyError (kind 'validation' with node_errors) on 400. */
  submit(graph: ApiGraph, opts?: SubmitOptions): Promise<SubmittedJob>;
  /** POST /interrupt {prompt_id}: stops that prompt if it is the one running. Without an id: stops whichever
   * prompt of this client runs, by its id (never a bare /interrupt, which stops whatever runs, anyone's). */
  interrupt(promptId?: string, signal?: AbortSignal): Promise<void>;
  /**
   * Stops these prompts wherever they are: running ones interrupted, pending ones deleted, checked against
   * /queue until none of them is running or pending (bounded), so one the server started meanwhile is
   * interrupted too. Never touches another prompt. Jobs of this client among them settle at once.
   */
  cancel(promptIds: string[], signal?: AbortSignal): Promise<CancelResult[]>;
  /** POST /queue {delete}: removes pending prompts. Prompts of this client among them are cancelled (see
   * `cancel`), so one the server started meanwhile is interrupted, not left running. */
  deleteQueued(promptIds: string[], signal?: AbortSignal): Promise<void>;
  /** Live connection and job events of every job. */
  onEvent(listener: (e: JobEvent) => void): { dispose(): void };
  /** POST /upload/image: a PNG into the server's input folder. */
  uploadImage(bytes: Uint8Array, fileName: string, opts?: UploadOptions): Promise<UploadedImage>;
  /** POST /upload/mask: the mask (alpha 0 = redraw) of an image uploaded before; the server keeps the
   * image with the mask as its alpha under `fileName`. */
  uploadMask(bytes: Uint8Array, fileName: string, original: UploadedImage, opts?: UploadOptions): Promise<UploadedImage>;
}
