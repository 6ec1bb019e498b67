// run.json as the host writes it and the panel, the CLI and the exports read it. Pure types: the
// webview, the host and the CLI all import them, so this file imports nothing outside src/shared.
import type { Criterion, Scores } from './criteria';
import type { CellConvergence, ConvergenceSummary } from './convergenceRecord';

/** A swept or spec value as it appears in a cell's axes: a number or a name. */
export type AxisValue = string | number | boolean;

/** ComfyUI API-format graph: node id -> node. Recorded with each cell as sent. */
export type ApiGraph = Record<string, ApiNode>;

export interface ApiNode {
  class_type: string;
  inputs: Record<string, unknown>;
  _meta?: { title?: string };
}

/** How a job ended. 'lost': the server no longer knows it (restart) and it never finished. */
export type JobStatus = 'success' | 'error' | 'interrupted' | 'lost';

export interface Stats {
  n: number;
  mean: number;
  sd: number;
  min: number;
  max: number;
}

export interface NodeTiming {
  node: string;
  classType: string;
  /** Wall time between this node's `executing` and the next node's (client clock), ms. */
  ms: number;
}

/** One sampler node's share of a job (a two-stage pair has two). */
export interface SamplerTiming {
  node: string;
  classType: string;
  /** Between its first and last `progress` (client clock), ms. */
  ms: number;
  /** Steps between those two messages (its steps − 1). */
  steps: number;
}

/** A node a job took from ComfyUI's cache, priced at the time it took in the job of this run that ran it. */
export interface ReusedNode {
  node: string;
  classType: string;
  ms: number;
  /** Key of the cell whose job ran it. */
  from: string;
}

/**
 * What a setting costs run from scratch with its models loaded, although ComfyUI reused nodes of
 * earlier jobs: the job's own execution time plus each reused node's time in the job that ran it.
 * Model loaders are left out (cold runs are kept apart), so a job that ran everything costs its
 * execution time.
 */
export interface FreshCost {
  ms: number;
  /** The part this job ran itself (its execution time). */
  measuredMs: number;
  reused: ReusedNode[];
  /** Reused nodes that no job of this run ran (cached before it began, or their time unknown): their time is missing from `ms`. */
  unpriced: string[];
  /** Every sampler of the graph, its own or reused, ms; and steps per second over them. */
  samplingMs?: number;
  itPerSec?: number;
  /** The VAE decode nodes' time, its own or reused, ms. */
  decodeMs?: number;
}

/** What one job measured, all from ComfyUI's own messages. */
/** One prompt's fate in a cancel: 'interrupted' while it ran, 'deleted' from the queue before it ran, 'finished' before the cancel reached it, 'notFound' on the server, 'unknown' when the server could not be asked (`error` says why). */
export interface CellCancel {
  fate: 'interrupted' | 'deleted' | 'finished' | 'notFound' | 'unknown';
  /** The request that did it: POST /api/jobs/{id}/cancel, POST /interrupt {prompt_id} or POST /queue {delete}. */
  via?: 'jobsCancel' | 'interrupt' | 'queueDelete';
  error?: string;
}

export interface JobTimings {
  /** execution_success|error|interrupted.timestamp − execution_start.timestamp (server clock), ms. */
  executionMs: number;
  /** execution_start.timestamp − extra_data.create_time (server clock), ms; absent on servers < 0.33. */
  queueWaitMs?: number;
  /** Every sampler that ran in this job, each between its first and last `progress` (client clock), ms. */
  samplingMs?: number;
  /** Their steps (each sampler's steps − 1) / sampling time: the samplers' own rate. */
  itPerSec?: number;
  /** Each sampler node that ran (a two-stage pair has two). */
  samplers?: SamplerTiming[];
  /** Per-node times from the live `executing` messages; empty and unknown when `live` is set. */
  nodes: NodeTiming[];
  /**
   * Set when the client did not hear all of the job's live messages (a socket drop, lost routing):
   * execution time and queue wait are still exact (from /history), per-node times are unknown, and
   * sampling time is said apart: 'whole' when the sampler's first and last steps were heard, 'partial'
   * when `samplingMs` and it/s cover only the steps heard (left out of the sampling statistics), else
   * 'unknown' (no sampling figures); absent in records made before it was kept.
   */
  live?: { heard: 'partial' | 'none'; sampling?: 'whole' | 'partial' | 'unknown'; reason?: string };
  /** Nodes served from cache (execution_cached). */
  cachedNodes: string[];
  /** True when a model loader executed (not served from cache). */
  cold: boolean;
  /** True when every node was served from cache: nothing ran, nothing was measured; left out of statistics. */
  cached: boolean;
  /** The setting's cost from scratch when the job reused nodes of earlier jobs (set once the run's cells are priced). */
  fresh?: FreshCost;
  /** Highest vram_total − vram_free seen while this job ran, bytes: the CUDA context plus PyTorch's allocated memory (ComfyUI's vram_free counts PyTorch's reserved-but-unused memory as free). */
  peakVramBytes?: number;
  /** Highest memory in use on the GPU while this job ran, as nvidia-smi shows it (vram_total − vram_free + torch_vram_free: the CUDA context, PyTorch's whole reserved pool, other processes), bytes. */
  peakDeviceVramBytes?: number;
  /** Highest torch_vram_total − torch_vram_free seen while this job ran: PyTorch's allocated memory, bytes. */
  peakTorchVramBytes?: number;
  /** Client wall time from POST /prompt to the images on disk, ms. */
  clientWallMs?: number;
  /** Client clock from the terminal message to the images on disk and the cell first recorded (before /history is read), ms: what the client adds after the server is done. */
  overheadMs?: number;
  /** Server timestamps (ms since epoch) for reference. */
  executionStart?: number;
  executionEnd?: number;
}

export interface ImageFile {
  /** File name inside the run folder, chosen by the client. */
  file: string;
  sha256: string;
  bytes: number;
  width?: number;
  height?: number;
  /** A downscaled JPEG of it in the run folder for the panel's grid (made after the image is recorded; none for small images). */
  thumb?: string;
  /** What the client did not do with the image and why, e.g. not decoded (no thumbnail, no score) because its header declares more pixels than the client decodes. */
  note?: string;
}

export type CellStatus = 'queued' | 'running' | JobStatus | 'cached' | 'cancelled' | 'failed';

export interface CellRecord {
  key: string;
  axes: Record<string, AxisValue>;
  column: string;
  repeat: number;
  /** The variant the cell ran (also its `variant` axis); absent for specs without variants and in older records. */
  variant?: string;
  seed: number;
  status: CellStatus;
  promptId?: string;
  /** The exact API graph sent. */
  graph?: ApiGraph;
  /** Whether its prompt asked the server for live previews (extra_data.preview_method not 'none'): they cost GPU time inside the job. */
  previews?: boolean;
  images: ImageFile[];
  timings?: JobTimings;
  error?: string;
  /** Why the job ended where its status alone cannot tell: 'deletedOnServer' (another client removed it from the queue), 'cancelledInQueue', 'serverForgot' (the server restarted), 'disconnected'. */
  endReason?: 'deletedOnServer' | 'cancelledInQueue' | 'serverForgot' | 'disconnected';
  /** What the cancel of this run did to its prompt on the server (set only for prompts the cancel found unsettled). */
  cancel?: CellCancel;
  /** Facts about the job a reader should know, in words (e.g. outputs over the per-job limit left out). */
  notes?: string[];
  /** How close this image is to its seed row's reference (set once the run's images are on disk). */
  convergence?: CellConvergence;
  /** Name of the pool server that made it (or is making it); see RunRecord.servers for its GPU. Absent on a one-server run. */
  server?: string;
  /** Each time its job was taken off a server and given to another, oldest first. */
  moves?: CellMove[];
}

/** A job taken off a server mid-sweep and requeued on the rest of the pool. */
export interface CellMove {
  /** The server it left. */
  from: string;
  /** Its prompt there (cancelled on that server once it answers again). */
  promptId?: string;
  /** 'serverDown': the server stopped answering while it ran or waited; 'serverLost': the server forgot it (a restart); 'serverStuck': the server went silent about it. */
  reason: 'serverDown' | 'serverLost' | 'serverStuck';
  at: string;
}

/** One server of a pool run: its facts, and why it made none of the run's jobs, if so. */
export interface PoolServerFacts extends ServerFacts {
  name: string;
  /** Set when the server got none of this run's jobs: what it lacks, or that it did not answer. */
  excluded?: string;
}

/** The statistics of one GPU kind, when a pool run's images came from more than one. */
export interface GpuStats {
  /** The GPU kind: its name and memory, e.g. 'NVIDIA GeForce RTX 4090 · 24 GiB'. */
  gpu: string;
  /** The servers of this kind. */
  servers: string[];
  stats: ColumnStats[];
}

export type {
  CellConvergence,
  ConvergenceGroup,
  ConvergencePoint,
  ConvergenceSummary,
  ReferencePoint,
  ReferenceSummary,
} from './convergenceRecord';

/** Statistics of one column (one setting), warm and cold runs apart; cached runs left out. */
export interface ColumnStats {
  column: string;
  axes: Record<string, AxisValue>;
  /** Warm runs' fresh cost (execution time plus reused nodes' time; see FreshCost), ms. */
  warm?: Stats;
  /** Cold runs' fresh cost, ms. */
  cold?: Stats;
  /** All measured (non-cached) runs' fresh cost, ms. */
  all?: Stats;
  /** What the jobs themselves ran (execution time as ComfyUI reports it), warm runs where there are any, ms; set when some reused cached nodes. */
  measured?: Stats;
  /** How many of its measured runs reused nodes of earlier jobs, and how many of those have nodes no job of the run priced. */
  reusedCount?: number;
  unpricedCount?: number;
  /** Every sampler's steps per second and sampling time (fresh: reused samplers included). */
  itPerSec?: Stats;
  samplingMs?: Stats;
  /** VAE decode time (fresh), ms. */
  decodeMs?: Stats;
  /** The highest of the column's cells' figures of the same name, bytes (see JobTimings). */
  peakVramBytes?: number;
  peakDeviceVramBytes?: number;
  peakTorchVramBytes?: number;
  /** Mean time relative to the cheapest column (1 = cheapest). */
  relativeCost?: number;
  cachedCount: number;
  failedCount: number;
}

export interface ServerFacts {
  url: string;
  comfyuiVersion?: string;
  gpu?: string;
  vramTotalBytes?: number;
  os?: string;
  pytorchVersion?: string;
  pythonVersion?: string;
}

/** A box a reviewer drew on an image to mark a defect: fractions of the image's width and height (0–1). */
export interface DefectRegion {
  x: number;
  y: number;
  w: number;
  h: number;
  criterion: Criterion;
  /** One word or a few: what is wrong there ("seam", "hue shift"). */
  word: string;
}

/** One reviewer's vote on one image (a round file's vote with its round's facts filled in). */
export interface Rating {
  cell: string;
  image: string;
  scores: Scores;
  note?: string;
  at: string;
  /** Who cast it (absent in records made before raters were kept). */
  rater?: string;
  /** Elements the image shows that the prompt did not ask for ("pendant", "extra flower"). */
  unrequested?: string[];
  /** Elements the prompt asked for that the image lacks. */
  missing?: string[];
  regions?: DefectRegion[];
  /** Which rating round the vote belongs to (one blind round = one id), so rounds can be counted. */
  round?: string;
  /** True when the settings were hidden and the order shuffled while rating. */
  blind?: boolean;
}

export type RunStatus = 'running' | 'complete' | 'partial' | 'cancelled' | 'failed';

/** One region of an image redone by inpainting at a few steps (the panel's "Redo this region"). */
export interface RegionRedo {
  id: string;
  /** Key of the cell whose image was redone. */
  cell: string;
  /** Sampling steps of the redo. */
  steps: number;
  /** The result, in the run folder. */
  image: ImageFile;
  /** The mask as drawn (PNG of the image's size, alpha 0 where redrawn), in the run folder. */
  mask: string;
  /** The box around the masked pixels, in image pixels. */
  region: { x: number; y: number; width: number; height: number };
  /** What the redo took, from ComfyUI's own messages. */
  timings?: JobTimings;
  /** The execution time of the cell's full run, ms, to compare with. */
  fullMs?: number;
  promptId?: string;
  /** The exact API graph sent. */
  graph: ApiGraph;
  at: string;
}

/** run.json: the source of truth of a run. Written atomically with stable key order. */
export interface RunRecord {
  format: 'qwenprompt-run';
  version: 1;
  id: string;
  createdAt: string;
  finishedAt?: string;
  status: RunStatus;
  spec: {
    /** Spec file path relative to the runs root, `/`-separated (see specFileLabel in core/runs/runFolders.ts). */
    file: string;
    name: string;
    id: string;
    /** The spec as resolved (every default filled in). */
    resolved: unknown;
  };
  /** The run's first (or only) server; `stats` are of its GPU kind. */
  server: ServerFacts;
  /** Every server of a pool run (absent on a one-server run). */
  servers?: PoolServerFacts[];
  /** Statistics per GPU kind when the images came from more than one; `stats` then holds the first server's kind alone. */
  statsByGpu?: GpuStats[];
  /** Whether the prompts asked for live previews (each cell says for its own): 'mixed' when they differ. */
  previews?: 'on' | 'off' | 'mixed';
  cells: CellRecord[];
  stats: ColumnStats[];
  /**
   * Votes. run.json itself no longer keeps them (each round is its own file under ratings/, so
   * raters in several clones merge without conflicts); older records hold them here, and a record
   * read for display carries both.
   */
  ratings?: Rating[];
  /** Objective convergence per step count and the recommended setting (steps sweeps only). */
  convergence?: ConvergenceSummary;
  /** The client's own wall time for the whole run, ms. */
  wallMs?: number;
  /** How long its jobs were expected to take when it started, ms: from earlier runs on the same GPU kind (fixed + per-step × steps per template and size). */
  estimateMs?: number;
  /** When the run was resumed after an interruption (`qwenprompt run --resume`), oldest first. */
  resumedAt?: string[];
  /** Regions redone by inpainting, oldest first. */
  redos?: RegionRedo[];
}
