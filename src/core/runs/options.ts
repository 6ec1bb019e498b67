import type { TimeSample } from './estimate';
import type { ApiGraph, IComfyClient } from '../comfy/types';
import type { ScoreRunOptions } from '../convergence/scoreRun';
import type { ILogger } from '../logger';
import type { PoolServer } from './pool';
import type { Spec } from '../spec/types';
import type { CellRecord, RunRecord } from '../../shared/runRecord';
import type { ServerReach } from '../../shared/serverReach';

export type PreviewMethod = 'auto' | 'none';

/** What every run takes, started or resumed. */
export interface SessionOptions {
  client: IComfyClient;
  /** Several servers to spread the sweep over (`client` is then unused); each image records its server. */
  pool?: PoolServer[];
  /**
   * Whether each prompt asks the server for live previews ('auto') or none, read as each is posted (the
   * editor asks for them only while a results panel shows the run). Default 'none': previews cost the
   * server GPU time and CPU inside the very job being timed, so a caller that shows none asks for none.
   */
  previewMethod?: PreviewMethod | (() => PreviewMethod);
  /** Abort = cancel: the running prompt is interrupted and the queued ones are deleted on the server. */
  signal?: AbortSignal;
  onUpdate?: (u: RunUpdate) => void;
  logger?: ILogger;
  /** How often /system_stats is polled for VRAM while jobs run, ms. */
  vramPollMs?: number;
  /** Convergence scoring once the jobs are done (threshold for the recommendation); false: none. */
  convergence?: ScoreRunOptions | false;
  /** Write a grid thumbnail of each image bigger than one, after it is recorded (default true). */
  thumbnails?: boolean;
  /** Earlier runs' warm image times (estimate.ts timeSamples): the record's `estimateMs` is made from them. */
  past?: readonly TimeSample[];
}

/** A new run of a spec. */
export interface RunOptions extends SessionOptions {
  spec: Spec;
  /** Absolute path of the .qwenprompt file; run.json names it relative to `runsRoot` (see specFileLabel). */
  specFile: string;
  /** Folder in which `<spec id>/<timestamp>/` run folders are created. */
  runsRoot: string;
  /** Only these step counts; default: all of spec.steps. */
  steps?: number[];
  /** Cross with the spec's sweep axes. */
  includeSweep?: boolean;
  repeats?: number;
  /** Only these variants of a spec with variants (by name); default all. */
  variants?: string[];
  /** The loaded graph when spec.workflow is set. */
  userGraph?: ApiGraph;
}

/** An interrupted run read back from its folder once: its record, the spec it holds and its spec file. */
export interface OpenedRun {
  runDir: string;
  record: RunRecord;
  /** The spec as the record holds it (editing the spec file since changes nothing). */
  spec: Spec;
  /** The absolute spec file the record names. */
  specFile: string;
}

/** Continuing the run in `runDir`: only its missing cells are made, into the same folder and record. */
export interface ResumeOptions extends SessionOptions {
  runDir: string;
  /** Unused: a resumed run keeps the spec file its record names. */
  specFile?: string;
  /** The run already read by openRun (or findResumable), so run.json is not read again. */
  opened?: OpenedRun;
}

/** What the CLI and the editor ask for: a spec run anew, or an opened interrupted run continued. */
export type SessionRequest = (RunOptions & { resume?: undefined }) | (SessionOptions & { resume: OpenedRun });

export interface SessionResult {
  runDir: string;
  record: RunRecord;
  /** Cells a resume made again (only for a resumed run). */
  resumedCells?: number;
}

export type RunUpdate =
  | { type: 'planned'; runDir: string; record: RunRecord }
  | { type: 'cell'; runDir: string; cell: CellRecord }
  | { type: 'progress'; runDir: string; key: string; value: number; max: number }
  | { type: 'preview'; runDir: string; key: string; mime: string; data: Uint8Array }
  /** The server stopped answering mid-run, gave up, or came back (see watchServer). */
  | { type: 'server'; runDir: string; server: ServerReach }
  | { type: 'finished'; runDir: string; record: RunRecord };
