import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ApiGraph, BuiltGraph, GraphBinding, IComfyClient, ImageRef, JobOutcome, SystemStats } from '../comfy/types';
import { buildGraph } from '../comfy/graph';
import { TERMINAL_TYPES } from '../comfy/jobTracker';
import { isComfyError, nodeErrorsList, userMessage } from '../comfy/errors';
import type { ILogger } from '../logger';
import { nullLogger } from '../logger';
import type { Spec } from '../spec/types';
import { planCells } from './plan';
import { createRunDir, openImageFile, safeSegment, writeRunRecord } from './record';
import { columnStats } from './stats';
import { measureJob, type MeasureContext } from './timing';
import type { Cell } from './types';
import { VramMonitor } from './vram';
import { LiveScores } from '../convergence/liveScores';
import { scoreRun, type ScoreRunOptions } from '../convergence/scoreRun';
import { imageWork, scoreInWorker, THUMB_SIDE } from './thumbnail';
import type { CellRecord, ImageFile, JobTimings, RunRecord, RunStatus, ServerFacts } from '../../shared/runRecord';

export interface RunOptions {
  spec: Spec;
  /** Absolute path of the .qwenprompt file. */
  specFile: string;
  client: IComfyClient;
  /** Folder in which `<spec id>/<timestamp>/` run folders are created. */
  runsRoot: string;
  /** Only these step counts; default: all of spec.steps. */
  steps?: number[];
  /** Cross with the spec's sweep axes. */
  includeSweep?: boolean;
  repeats?: number;
  /** The loaded graph when spec.workflow is set. */
  userGraph?: ApiGraph;
  previewMethod?: 'auto' | 'none';
  /** Abort = cancel: the running prompt is interrupted and the queued ones are deleted on the server. */
  signal?: AbortSignal;
  onUpdate?: (u: RunUpdate) => void;
  logger?: ILogger;
  /** How often /system_stats is polled for VRAM while jobs run, ms. */
  vramPollMs?: number;
  /** Spec file path as recorded in run.json (default: the absolute path). */
  specLabel?: string;
  /** Convergence scoring once the jobs are done (threshold for the recommendation); false: none. */
  convergence?: ScoreRunOptions | false;
  /** Write a grid thumbnail of each image bigger than one, after it is recorded (default true). */
  thumbnails?: boolean;
  /**
   * Continue an interrupted run (see resume.ts) in its own folder: the cells in `keep` stay as
   * they are, every other cell is run again. The plan options must give the record's cells.
   */
  resume?: { runDir: string; record: RunRecord; keep: ReadonlySet<string> };
}

export type RunUpdate =
  | { type: 'planned'; runDir: string; record: RunRecord }
  | { type: 'cell'; runDir: string; cell: CellRecord }
  | { type: 'progress'; runDir: string; key: string; value: number; max: number }
  | { type: 'preview'; runDir: string; key: string; mime: string; data: Uint8Array }
  | { type: 'finished'; runDir: string; record: RunRecord };

/** One problem of a rejected prompt, placed on the spec field that caused it where that is known. */
export interface SpecProblem {
  /** Spec field path (a key of Spec.fieldRanges), when the failing node input came from the spec. */
  field?: string;
  node: string;
  classType: string;
  input?: string;
  message: string;
}

/** ComfyUI refused the spec's graph (HTTP 400): nothing ran and no run folder was made. */
export class SpecRejectedError extends Error {
  readonly problems: SpecProblem[];
  override readonly cause: unknown;
  constructor(message: string, problems: SpecProblem[], cause: unknown) {
    super(message);
    this.name = 'SpecRejectedError';
    this.problems = problems;
    this.cause = cause;
  }
}

/** Maps a 400's node errors onto the spec fields that were written into the failing inputs. */
export function specProblems(error: unknown, bindings: GraphBinding[]): SpecProblem[] {
  if (!isComfyError(error) || !error.body) return [];
  return nodeErrorsList(error.body).map((e) => {
    const b = bindings.find((x) => x.node === e.node && (e.input === undefined || x.input === e.input));
    const p: SpecProblem = { node: e.node, classType: e.classType, message: e.message };
    if (e.input !== undefined) p.input = e.input;
    if (b) p.field = b.field;
    return p;
  });
}

/**
 * Runs a spec: plans its jobs, queues all of them on the server up front (so the GPU never waits
 * for the client), records every measure per image, saves images into a fresh run folder and keeps
 * run.json current (written atomically after every change). Cancelling through `signal` interrupts
 * the running prompt, deletes the queued ones and still leaves a valid record.
 */
export async function runSpec(opts: RunOptions): Promise<{ runDir: string; record: RunRecord }> {
  const { spec, client, signal } = opts;
  const log = opts.logger ?? nullLogger;
  const started = Date.now();
  if (spec.errorCount > 0) {
    throw new Error(`"${spec.name}" has ${spec.errorCount} problem(s); fix them before running (see the Problems view or \`qwenprompt validate\`).`);
  }
  const cells = planCells(spec, { steps: opts.steps, includeSweep: opts.includeSweep, repeats: opts.repeats });
  const graphs: BuiltGraph[] = cells.map((c) => buildGraph(spec, c.settings, opts.userGraph));
  if (opts.resume) checkResumable(opts.resume.record, cells, graphs);

  await client.connect(signal);
  const server = serverFacts(client.baseUrl, await client.systemStats(signal));
  throwIfAborted(signal);

  const record: RunRecord = opts.resume ? reopenRecord(opts.resume.record, opts.resume.keep, started) : {
    format: 'qwenprompt-run',
    version: 1,
    id: '',
    createdAt: new Date(started).toISOString(),
    status: 'running',
    spec: { file: opts.specLabel ?? opts.specFile, name: spec.name, id: spec.id, resolved: resolvedSpec(spec) },
    server,
    cells: cells.map((c, i) => ({
      key: c.key,
      axes: c.axes,
      column: c.column,
      repeat: c.repeat,
      seed: c.settings.seed,
      status: 'queued',
      graph: graphs[i].graph,
      images: [],
    })),
    stats: [],
    ratings: [],
  };
  const run = new RunState(opts, record, cells, graphs, log);
  try {
    return await run.execute(started);
  } finally {
    run.dispose();
  }
}

class RunState {
  runDir = '';
  readonly #opts: RunOptions;
  readonly #record: RunRecord;
  readonly #cells: Cell[];
  readonly #graphs: BuiltGraph[];
  readonly #log: ILogger;
  readonly #vram: VramMonitor;
  readonly #promptIds: (string | undefined)[];
  readonly #settled: boolean[];
  /** Resolves a cell's wait when it is cancelled before it ran (a deleted prompt never reports back). */
  readonly #release: (() => void)[] = [];
  /** Images downloaded and saved as soon as `executed` named them, per cell, by refKey. */
  readonly #early: (Map<string, Promise<ImageFile | undefined>> | undefined)[] = [];
  /** The image refs each cell's recorded images came from (refKey, in order). */
  readonly #refs: string[][] = [];
  /** Cells recorded from their terminal WebSocket message whose /history has not been read yet. */
  readonly #provisional: boolean[] = [];
  #writing: Promise<void> = Promise.resolve();
  /** Settles when the run folder exists: a job served from cache can finish before it does. */
  #folder!: { promise: Promise<void>; resolve: () => void; reject: (e: unknown) => void };
  #dirty = false;
  #lastWrite = { ms: 0, end: 0 };
  /** Ends a rewrite's rest early: the run is over and its final record must not wait. */
  #wake?: () => void;
  #urgent = false;
  #cancelled = false;
  /** Thumbnails and reductions for scoring are made one image at a time after it is recorded: never on
   * a job's critical path. */
  #thumbs: Promise<void> = Promise.resolve();
  /** Convergence scores made as the images come in (none when the run is not scored). */
  #live: LiveScores | undefined;
  /** A job hit the watchdog: nothing more is submitted. */
  #abandoned = false;

  constructor(opts: RunOptions, record: RunRecord, cells: Cell[], graphs: BuiltGraph[], log: ILogger) {
    this.#opts = opts;
    this.#record = record;
    this.#cells = cells;
    this.#graphs = graphs;
    this.#log = log;
    this.#vram = new VramMonitor(opts.client, opts.vramPollMs ?? 250);
    this.#promptIds = cells.map(() => undefined);
    this.#settled = cells.map((c) => opts.resume?.keep.has(c.key) ?? false);
    if (opts.convergence !== false) {
      const making = new Set(cells.filter((_, i) => !this.#settled[i]).map((c) => c.key));
      this.#live = new LiveScores(cells, { making, scorer: scoreInWorker });
    }
    let resolve!: () => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => undefined);
    this.#folder = { promise, resolve, reject };
  }

  dispose(): void {
    this.#vram.stop();
  }

  async execute(started: number): Promise<{ runDir: string; record: RunRecord }> {
    const { signal } = this.#opts;
    const jobs: Promise<void>[] = [];
    const todo = this.#cells.map((_, i) => i).filter((i) => !this.#settled[i]);
    const resume = this.#opts.resume;
    // The first prompt goes before the run folder exists: a spec the server rejects leaves nothing behind.
    if (todo.length) jobs.push((await this.#submit(todo[0], !resume)).recorded);
    let made;
    try {
      // The folder appears with its first record in it: a kill never leaves an empty run folder.
      made = resume
        ? { runDir: resume.runDir, id: resume.record.id }
        : await createRunDir(this.#opts.runsRoot, this.#opts.spec.id, new Date(), async (dir, id) => {
            this.#record.id = id;
            await writeRunRecord(dir, this.#record);
          });
    } catch (e) {
      this.#folder.reject(e);
      await this.#cancel();
      throw e;
    }
    const { runDir, id } = made;
    this.runDir = runDir;
    this.#record.id = id;
    this.#folder.resolve();
    await this.#write();
    this.#emit({ type: 'planned', runDir, record: this.#record });
    this.#log.info(`Run ${id}: ${this.#cells.length} job(s) of "${this.#opts.spec.name}" on ${this.#record.server.url}`);

    const onAbort = () => void this.#cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (const i of todo.slice(1)) {
        if (this.#cancelled || this.#abandoned) break;
        jobs.push((await this.#submit(i, false)).recorded);
      }
      if (signal?.aborted) await this.#cancel();
      await Promise.all(jobs);
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
    await this.#thumbs;

    const r = this.#record;
    r.stats = columnStats(r.cells);
    r.status = this.#finalStatus();
    r.finishedAt = new Date().toISOString();
    r.wallMs = Date.now() - started;
    // After the last job, so it never delays the GPU (every prompt was queued up front).
    if (this.#opts.convergence !== false) await scoreConvergence(runDir, r, this.#opts.convergence || {}, this.#log, this.#live);
    this.#live?.clear();
    this.#urgent = true;
    this.#wake?.();
    await this.#write();
    this.#emit({ type: 'finished', runDir, record: r });
    return { runDir, record: r };
  }

  /** Posts one prompt. Resolves once it is queued (an async function cannot return a bare promise
   * without waiting for it), with `recorded` settling when its result is on disk. */
  async #submit(i: number, first: boolean): Promise<{ recorded: Promise<void> }> {
    const cell = this.#record.cells[i];
    const built = this.#graphs[i];
    const postedAt = Date.now();
    try {
      const job = await this.#opts.client.submit(built.graph, {
        previewMethod: this.#opts.previewMethod ?? 'auto',
        extraPngInfo: { qwenprompt: { spec: this.#opts.spec.name, cell: cell.key, settings: this.#cells[i].settings } },
        onEvent: (e) => {
          if (this.#settled[i]) return;
          switch (e.type) {
            case 'started':
              this.#vram.setRunning(e.promptId);
              this.#setStatus(i, 'running');
              break;
            case 'progress':
              if (e.node === built.samplerNode) this.#emit({ type: 'progress', runDir: this.runDir, key: cell.key, value: e.value, max: e.max });
              break;
            case 'preview':
              this.#emit({ type: 'preview', runDir: this.runDir, key: cell.key, mime: e.mime, data: e.data });
              break;
            case 'executed':
              this.#prefetch(i, e.images);
              break;
          }
        },
      });
      this.#promptIds[i] = job.promptId;
      cell.promptId = job.promptId;
      const released = new Promise<void>((resolve) => (this.#release[i] = resolve));
      // The cell is recorded on the terminal message; /history (queue wait, the authoritative outputs)
      // completes it in a second update, never before the first is made.
      const early = job.ended.then((o) => (o ? this.#recordEarly(i, o, postedAt) : undefined));
      const recorded = Promise.race([
        job.done.then(
          async (outcome) => (await early, this.#finish(i, outcome, postedAt)),
          async (err) => (await early, this.#fail(i, err)),
        ),
        released,
      ]);
      if (this.#abandoned && this.#settled[i]) {
        // Given up while this prompt was being posted: it would wait behind the stuck job forever.
        await this.#opts.client.deleteQueued([job.promptId]).catch(() => undefined);
        this.#release[i]();
      }
      if (this.#cancelled) {
        // Cancelled while this prompt was being posted: take it off the queue too.
        await this.#opts.client.deleteQueued([job.promptId]).catch(() => undefined);
        await this.#cancelCell(i);
      }
      return { recorded };
    } catch (err) {
      if (first) {
        const problems = specProblems(err, built.bindings);
        if (problems.length) {
          const lines = problems.map((p) => `${p.field ? `${p.field}: ` : ''}${p.message}`);
          throw new SpecRejectedError(`ComfyUI rejected "${this.#opts.spec.name}":\n${lines.join('\n')}`, problems, err);
        }
        throw err;
      }
      await this.#fail(i, err);
      return { recorded: Promise.resolve() };
    }
  }

  /**
   * Records a job the moment its terminal message arrives, from the WebSocket messages alone: its
   * images (already downloaded on `executed`) on disk, every measure but the queue wait. The panel
   * and the CLI show it done from here; #finish completes it once /history answers.
   */
  async #recordEarly(i: number, outcome: JobOutcome, postedAt: number): Promise<void> {
    if (this.#settled[i] || outcome.status !== 'success' || !outcome.images.length) return;
    const cell = this.#record.cells[i];
    try {
      await this.#folder.promise;
      const timings = measureJob(outcome, this.#measureContext(i));
      if (!timings) return;
      const images = await this.#saveImages(i, outcome.images);
      if (this.#settled[i]) {
        // Given up on (a stuck job elsewhere) while saving: not part of the record.
        await this.#removeFiles(images.map((im) => im.file));
        return;
      }
      Object.assign(timings, this.#vram.peak(outcome.promptId));
      this.#stamp(timings, outcome, postedAt);
      this.#settled[i] = true;
      this.#provisional[i] = true;
      cell.images = images;
      cell.timings = timings;
      cell.status = timings.cached ? 'cached' : 'success';
      // Not awaited: the rewrite joins the one #finish waits for.
      void this.#changed(i);
      this.#afterImages(i);
    } catch (err) {
      // /history's pass makes the record as before (and downloads what is missing).
      this.#log.debug(`Job ${cell.key}: recording on the terminal message failed (${userMessage(err)}); waiting for /history`);
    }
  }

  async #finish(i: number, outcome: JobOutcome, postedAt: number): Promise<void> {
    const provisional = this.#provisional[i] === true;
    if (this.#settled[i] && !provisional) return;
    this.#settled[i] = true;
    this.#provisional[i] = false;
    const cell = this.#record.cells[i];
    const first = provisional ? cell.timings : undefined;
    let newImages = !provisional;
    try {
      await this.#folder.promise;
      const timings = measureJob(outcome, this.#measureContext(i));
      if (timings) Object.assign(timings, this.#vram.peak(outcome.promptId));
      if (outcome.status === 'success') {
        // /history wins: outputs the WebSocket did not name (or named otherwise) replace the early ones.
        const same = provisional && sameList(this.#refs[i] ?? [], outcome.images.map(refKey));
        if (!same) {
          cell.images = await this.#saveImages(i, outcome.images);
          newImages = true;
        }
        if (timings) {
          if (first?.overheadMs !== undefined) {
            // The image reached the user at the first update: that is the client's overhead.
            timings.clientWallMs = first.clientWallMs;
            timings.overheadMs = first.overheadMs;
          } else {
            this.#stamp(timings, outcome, postedAt);
          }
        }
        cell.status = timings?.cached ? 'cached' : 'success';
      } else {
        if (provisional) await this.#discardRecorded(i);
        cell.status = this.#cancelled && outcome.status === 'interrupted' ? 'cancelled' : outcome.status;
        cell.error = outcome.error ?? `The job ended: ${outcome.status}.`;
      }
      if (timings) cell.timings = timings;
    } catch (err) {
      cell.status = 'failed';
      cell.error = userMessage(err);
      this.#log.error(`Job ${cell.key} failed after it finished on the server`, err);
    }
    if (this.#early[i]) await this.#discardEarly(i);
    const recorded = this.#changed(i);
    if (newImages && cell.images.length) this.#afterImages(i);
    await recorded;
  }

  #measureContext(i: number): MeasureContext {
    const built = this.#graphs[i];
    return { samplerNode: built.samplerNode, loaderNodes: built.loaderNodes, classOf: (n) => built.graph[n]?.class_type };
  }

  /** Client wall time and overhead, ending now: the job's images are on disk and its cell is about to be recorded. */
  #stamp(timings: JobTimings, outcome: JobOutcome, postedAt: number): void {
    const now = Date.now();
    timings.clientWallMs = now - postedAt;
    const terminal = outcome.messages.find((m) => TERMINAL_TYPES.includes(m.msg.type as never));
    if (terminal) timings.overheadMs = now - terminal.at;
  }

  /** Queues the work on cell i's new images (thumbnails, the reduction for scoring) behind the rest. */
  #afterImages(i: number): void {
    const thumbs = this.#opts.thumbnails !== false;
    if (thumbs || this.#live?.wants(this.#record.cells[i].key)) this.#thumbs = this.#thumbs.then(() => this.#imageWork(i, thumbs));
  }

  /** Makes the grid thumbnails of cell i's images and scores its first; a failure only leaves the grid
   * the full image, or the score to be made at the end. */
  async #imageWork(i: number, thumbs: boolean): Promise<void> {
    // Let the record update and any job message already waiting go first.
    await new Promise<void>((ok) => setImmediate(ok));
    const cell = this.#record.cells[i];
    let made = false;
    for (const [n, image] of cell.images.entries()) {
      // Known from the PNG header: an image no bigger than a thumbnail is shown as it is, so it is
      // not read back and decoded only to find that out (500 small images: ~25 MB of RSS).
      const small = image.width !== undefined && image.height !== undefined && Math.max(image.width, image.height) <= THUMB_SIDE;
      const thumbSide = thumbs && !small ? THUMB_SIDE : undefined;
      const prepare = n === 0 && this.#live?.wants(cell.key) === true;
      if (thumbSide === undefined && !prepare) continue;
      try {
        const { thumb, prepared } = await imageWork(this.runDir, image.file, { thumbSide, prepare });
        if (thumb) {
          image.thumb = thumb;
          made = true;
        }
        if (prepare) await this.#live!.add(cell.key, image.sha256, prepared);
      } catch (e) {
        this.#log.debug(`No thumbnail or score of ${image.file} yet: ${userMessage(e)}`);
        if (prepare) await this.#live!.add(cell.key, image.sha256, undefined);
      }
    }
    if (made) {
      this.#emit({ type: 'cell', runDir: this.runDir, cell });
      void this.#write();
    }
  }

  async #fail(i: number, err: unknown): Promise<void> {
    if (this.#provisional[i]) {
      // The server said success and the images are on disk; only /history's figures are missing.
      this.#provisional[i] = false;
      this.#log.warn(`Job ${this.#record.cells[i].key}: recorded without its queue wait (${userMessage(err)})`);
      return;
    }
    if (this.#settled[i]) return;
    this.#settled[i] = true;
    const cell = this.#record.cells[i];
    cell.status = this.#cancelled ? 'cancelled' : 'failed';
    cell.error = userMessage(err);
    this.#log.warn(`Job ${cell.key}: ${cell.error}`);
    if (this.#early[i]) await this.#discardEarly(i);
    if (isComfyError(err, 'watchdog') && !this.#cancelled) void this.#abandon(i);
    await this.#changed(i);
  }

  /**
   * The server went silent on job `stuck`: the jobs queued behind it would wait forever, so they are
   * taken off the server's queue and marked failed (a resume runs them again).
   */
  async #abandon(stuck: number): Promise<void> {
    this.#abandoned = true;
    const ids = this.#record.cells.map((_, i) => (this.#settled[i] ? undefined : this.#promptIds[i])).filter((id): id is string => !!id);
    const { client } = this.#opts;
    await client.interrupt(this.#promptIds[stuck]).catch(() => undefined);
    if (ids.length) await client.deleteQueued(ids).catch((e) => this.#log.warn(`Could not remove the queued prompts: ${userMessage(e)}`));
    await Promise.all(
      this.#record.cells.map(async (c, i) => {
        if (this.#settled[i]) return;
        this.#settled[i] = true;
        c.status = 'failed';
        c.error = `Not run: ComfyUI stopped answering about job ${this.#record.cells[stuck].key} (see its error). Resume the run once the server works again.`;
        this.#release[i]?.();
        await this.#changed(i);
      }),
    );
  }

  /**
   * Starts downloading a job's saved images as soon as `executed` names them, while the server is
   * still finishing the prompt: each is on disk (under the name it gets when the job made just that
   * many images) before the job is done. A failed prefetch is simply retried by #saveImages.
   */
  #prefetch(i: number, refs: ImageRef[]): void {
    const early = (this.#early[i] ??= new Map());
    for (const ref of refs) {
      if (ref.type !== 'output' || early.has(refKey(ref))) continue;
      early.set(refKey(ref), this.#fetchImage(i, ref, early.size).catch(() => undefined));
    }
  }

  async #fetchImage(i: number, ref: ImageRef, n: number): Promise<ImageFile> {
    await this.#folder.promise;
    return this.#download(ref, imageName(this.#record.cells[i].key, n, n + 1));
  }

  /** Streams one image from /view into the run folder, hashing it on the way: never whole in memory. */
  async #download(ref: ImageRef, name: string): Promise<ImageFile> {
    const { file, sha256, bytes, width, height } = await this.#opts.client.viewTo(ref, () => openImageFile(this.runDir, name));
    return { file, sha256, bytes, ...(width !== undefined && height !== undefined ? { width, height } : {}) };
  }

  /** The job did not succeed: an image saved early is not part of the record, so it goes. */
  async #discardEarly(i: number): Promise<void> {
    const early = this.#early[i];
    this.#early[i] = undefined;
    for (const p of early?.values() ?? []) {
      const file = (await p)?.file;
      if (file) await this.#removeFiles([file]);
    }
  }

  /** /history says the job did not succeed after all: the images recorded early go. */
  async #discardRecorded(i: number): Promise<void> {
    const cell = this.#record.cells[i];
    await this.#removeFiles(cell.images.flatMap(filesOf));
    cell.images = [];
    this.#refs[i] = [];
  }

  async #removeFiles(files: string[]): Promise<void> {
    for (const f of files) await fs.rm(path.join(this.runDir, f), { force: true }).catch(() => undefined);
  }

  /**
   * The job's images on disk under their final names: those saved early are kept (renamed when the
   * job made another number of images than assumed), the rest downloaded now, and any file saved
   * earlier for a ref that is not among them removed.
   */
  async #saveImages(i: number, refs: ImageRef[]): Promise<ImageFile[]> {
    if (!refs.length) throw new Error('The job finished but produced no image (is there a SaveImage node?).');
    const cell = this.#record.cells[i];
    const have = new Map<string, ImageFile>();
    const early = this.#early[i];
    this.#early[i] = undefined;
    for (const [k, p] of early ?? []) {
      const got = await p;
      if (got) have.set(k, got);
    }
    // Images recorded before (from the WebSocket) that /history now contradicts.
    (this.#refs[i] ?? []).forEach((k, n) => {
      const im = cell.images[n];
      if (im && !have.has(k)) have.set(k, { ...im });
    });
    const keys = refs.map(refKey);
    const wanted = keys.map((_, n) => imageName(cell.key, n, refs.length));
    // Renames go through a temporary name first, so one never lands on a file another still needs.
    const moves: { got: ImageFile; n: number; tmp: string }[] = [];
    for (const [n, k] of keys.entries()) {
      const got = have.get(k);
      if (got && stem(got.file) !== wanted[n]) {
        const tmp = `.${got.file}.${n}.moving.tmp`;
        await fs.rename(path.join(this.runDir, got.file), path.join(this.runDir, tmp));
        moves.push({ got, n, tmp });
      }
    }
    for (const { got, n, tmp } of moves) {
      const file = `${wanted[n]}${path.extname(got.file)}`;
      await fs.rename(path.join(this.runDir, tmp), path.join(this.runDir, file));
      if (got.thumb) await this.#removeFiles([got.thumb]);
      got.file = file;
      delete got.thumb;
    }
    const images: ImageFile[] = [];
    for (const [n, k] of keys.entries()) {
      const got = have.get(k) ?? (await this.#download(refs[n], wanted[n]));
      images.push(got);
    }
    const kept = new Set(images.map((im) => im.file));
    const stale = [...have.entries()].filter(([k, im]) => !keys.includes(k) && !kept.has(im.file));
    await this.#removeFiles(stale.flatMap(([, im]) => filesOf(im)));
    this.#refs[i] = keys;
    return images;
  }

  #setStatus(i: number, status: CellRecord['status']): void {
    this.#record.cells[i].status = status;
    void this.#changed(i);
  }

  async #changed(i: number): Promise<void> {
    if (!this.runDir) return; // before the folder exists, the 'planned' update carries the state
    this.#emit({ type: 'cell', runDir: this.runDir, cell: this.#record.cells[i] });
    await this.#write();
  }

  /** Serialized, coalesced atomic writes of run.json. */
  #write(): Promise<void> {
    if (!this.runDir) return Promise.resolve();
    if (this.#dirty) return this.#writing;
    this.#dirty = true;
    this.#writing = this.#writing.then(async () => {
      // A rewrite costs more as the record grows (~35 ms at 500 cells, most of it blocking the event
      // loop): rest in proportion, so rewriting takes at most about a fifth of the client's time and
      // the changes made meanwhile join one write instead of costing one each (O(n²) otherwise).
      const rest = Math.min(4 * this.#lastWrite.ms - (Date.now() - this.#lastWrite.end), 1000);
      if (rest > 0 && !this.#urgent) {
        await new Promise<void>((r) => {
          this.#wake = r;
          setTimeout(r, rest);
        });
      }
      this.#dirty = false;
      const start = Date.now();
      this.#record.stats = columnStats(this.#record.cells);
      try {
        await writeRunRecord(this.runDir, this.#record);
      } catch (err) {
        this.#log.error(`Could not write the run record in ${this.runDir}`, err);
      }
      this.#lastWrite = { ms: Date.now() - start, end: Date.now() };
    });
    return this.#writing;
  }

  async #cancel(): Promise<void> {
    if (this.#cancelled) return;
    this.#cancelled = true;
    const { client } = this.#opts;
    const pending: string[] = [];
    let running: string | undefined;
    this.#record.cells.forEach((c, i) => {
      const id = this.#promptIds[i];
      if (!id || this.#settled[i]) return;
      if (c.status === 'running') running = id;
      else pending.push(id);
    });
    // Delete the queued ones first so the server does not start the next one after the interrupt.
    try {
      if (pending.length) await client.deleteQueued(pending);
      await client.interrupt(running);
    } catch (err) {
      this.#log.warn(`Cancelling on the server failed: ${userMessage(err)}`);
    }
    await Promise.all(this.#record.cells.map((c, i) => (c.status === 'running' ? undefined : this.#cancelCell(i))));
  }

  async #cancelCell(i: number): Promise<void> {
    if (this.#settled[i]) return;
    this.#settled[i] = true;
    this.#record.cells[i].status = 'cancelled';
    this.#release[i]?.();
    await this.#changed(i);
  }

  #finalStatus(): RunStatus {
    const cells = this.#record.cells;
    const ok = cells.filter((c) => c.status === 'success' || c.status === 'cached').length;
    if (this.#cancelled) return 'cancelled';
    if (ok === cells.length) return 'complete';
    return ok === 0 ? 'failed' : 'partial';
  }

  #emit(u: RunUpdate): void {
    try {
      this.#opts.onUpdate?.(u);
    } catch (err) {
      this.#log.error('A run update listener threw', err);
    }
  }
}

/** A resumed record must be the plan of the spec it records: same cells, same graphs. */
function checkResumable(record: RunRecord, cells: Cell[], graphs: BuiltGraph[]): void {
  const same = record.cells.length === cells.length && record.cells.every((c, i) => c.key === cells[i].key);
  if (!same) throw new Error(`The run record ${record.id} does not match its spec's plan; it cannot be resumed.`);
  // The exact graphs sent before are sent again, so a resumed cell is the same job as its neighbours.
  record.cells.forEach((c, i) => {
    if (c.graph) graphs[i].graph = c.graph;
  });
}

/** The record of a resumed run: kept cells untouched, every other cell queued again from scratch. */
function reopenRecord(record: RunRecord, keep: ReadonlySet<string>, now: number): RunRecord {
  for (const c of record.cells) {
    if (keep.has(c.key)) continue;
    c.status = 'queued';
    c.images = [];
    delete c.error;
    delete c.timings;
    delete c.promptId;
  }
  record.status = 'running';
  delete record.finishedAt;
  record.resumedAt = [...(record.resumedAt ?? []), new Date(now).toISOString()];
  return record;
}

async function scoreConvergence(runDir: string, record: RunRecord, opts: ScoreRunOptions, log: ILogger, live: LiveScores | undefined): Promise<void> {
  try {
    const onError = (file: string, e: unknown) => log.warn(`Convergence: cannot score ${file}: ${userMessage(e)}`);
    let early = 0;
    const known = (sha: string, refSha: string) => {
      const s = live?.score(sha, refSha);
      if (s) early++;
      return s;
    };
    await scoreRun(runDir, record, opts, onError, known);
    const pairs = record.cells.filter((c) => c.convergence && c.convergence.reference !== c.key).length;
    if (pairs) log.info(`Convergence: ${pairs} image(s) scored, ${early} of them while the run went; ${record.convergence?.scoringMs ?? 0} ms of scoring after the last job`);
  } catch (e) {
    log.error('Scoring convergence failed', e);
  }
}

/** An image's file and its thumbnail's, if it has one: what removing the image removes. */
function filesOf(im: ImageFile): string[] {
  return im.thumb ? [im.file, im.thumb] : [im.file];
}

/** File name (without extension) of image n of a job that made `count` images. */
function imageName(key: string, n: number, count: number): string {
  const base = safeSegment(key.replace('#', '-'), 'image');
  return count > 1 ? `${base}-${n + 1}` : base;
}

function stem(file: string): string {
  return file.slice(0, file.length - path.extname(file).length);
}

function sameList(a: string[], b: string[]): boolean {
  return a.length === b.length && a.every((x, n) => x === b[n]);
}

function refKey(ref: ImageRef): string {
  return `${ref.type ?? ''}/${ref.subfolder ?? ''}/${ref.filename}`;
}

function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw Object.assign(new Error('The run was cancelled.'), { name: 'AbortError' });
}

/** Server facts recorded with every run, so results from different GPUs are never mixed up. */
export function serverFacts(url: string, stats: SystemStats): ServerFacts {
  const dev = stats.devices?.[0];
  const facts: ServerFacts = { url };
  if (stats.system?.comfyui_version) facts.comfyuiVersion = stats.system.comfyui_version;
  if (dev?.name) facts.gpu = dev.name.replace(/^cuda:\d+\s+/, '').replace(/\s*:\s*\w+$/, '');
  if (dev?.vram_total) facts.vramTotalBytes = dev.vram_total;
  if (stats.system?.os) facts.os = stats.system.os;
  if (stats.system?.pytorch_version) facts.pytorchVersion = stats.system.pytorch_version;
  if (stats.system?.python_version) facts.pythonVersion = String(stats.system.python_version).split(' ')[0];
  return facts;
}

/** The spec as resolved, without editor-only data (ranges). */
function resolvedSpec(spec: Spec): unknown {
  const { range: _r, fieldRanges: _f, lensLine: _l, errorCount: _e, index: _i, ...rest } = spec;
  return rest;
}
