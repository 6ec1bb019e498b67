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
   * prompt on the server (call interrupt / deleteQueued for that). */
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

/** The ComfyUI client as the rest of the core uses it (implemented by ComfyClient in client.ts). */
export interface IComfyClient {
  readonly baseUrl: string;
  readonly clientId: string;
  /** Opens the WebSocket (feature_flags first). Idempotent. */
  connect(signal?: AbortSignal): Promise<void>;
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
  /** POST /interrupt {prompt_id}: stops that prompt if it is the one running. */
  interrupt(promptId?: string, signal?: AbortSignal): Promise<void>;
  /** POST /queue {delete}: removes pending prompts. */
  deleteQueued(promptIds: string[], signal?: AbortSignal): Promise<void>;
  /** Live connection and job events of every job. */
  onEvent(listener: (e: JobEvent) => void): { dispose(): void };
}
