import type { BuiltGraph, IComfyClient, JobOutcome } from '../comfy/types';
import { TERMINAL_TYPES } from '../comfy/jobTracker';
import { isComfyError, userMessage } from '../comfy/errors';
import type { ILogger } from '../logger';
import { CellImages } from './cellImages';
import type { PreviewMethod, RunUpdate } from './options';
import type { PendingRunDir } from './runFolders';
import { rejection } from './specRejected';
import { measureJob, type MeasureContext } from './timing';
import type { Cell } from './types';
import type { VramMonitor } from './vram';
import type { CellRecord, CellStatus, JobTimings } from '../../shared/runRecord';

/** What a cell needs of the run it is part of. */
export interface CellRunContext {
  readonly client: IComfyClient;
  readonly folder: PendingRunDir;
  readonly vram: VramMonitor;
  readonly log: ILogger;
  readonly specName: string;
  /** Asked as each prompt is posted. */
  readonly previewMethod: PreviewMethod;
  /** The run was cancelled. */
  readonly cancelled: boolean;
  /** A job hit the watchdog: nothing more is submitted. */
  readonly abandoned: boolean;
  emit(u: RunUpdate): void;
  /** The cell's record changed: the listener is told and run.json rewritten. */
  changed(cell: RunCell): Promise<void>;
  /** New images of the cell are recorded: their thumbnails and scores may follow. */
  imagesRecorded(cell: RunCell): void;
  /** The server went silent on this cell's job. */
  stuck(cell: RunCell): void;
}

/**
 * One cell of a run: its planned settings and graph, its prompt on the server, its images and its
 * entry in run.json (the record's own object, so the record is the one place its state is kept).
 */
export class RunCell {
  readonly plan: Cell;
  readonly built: BuiltGraph;
  readonly record: CellRecord;
  readonly images: CellImages;
  /** Ended as far as this run goes: kept by a resume, recorded, failed, cancelled or given up. */
  settled: boolean;
  /** Recorded from its terminal WebSocket message; /history has not been read yet. */
  #provisional = false;
  /** Ends the wait of a cell cancelled before it ran (a deleted prompt never reports back). */
  #release?: () => void;
  readonly #run: CellRunContext;

  constructor(run: CellRunContext, plan: Cell, built: BuiltGraph, record: CellRecord, settled: boolean) {
    this.#run = run;
    this.plan = plan;
    this.built = built;
    this.record = record;
    this.settled = settled;
    this.images = new CellImages(record, run.client, run.folder);
  }

  get key(): string {
    return this.record.key;
  }

  /** Posts the prompt. Resolves once it is queued (an async function cannot return a bare promise
   * without waiting for it), with `recorded` settling when its result is on disk. The first prompt
   * of a run throws when the server refuses it (SpecRejectedError when it names the spec's fields). */
  async submit(first: boolean): Promise<{ recorded: Promise<void> }> {
    const run = this.#run;
    const cell = this.record;
    const built = this.built;
    const postedAt = Date.now();
    const previewMethod = run.previewMethod;
    try {
      const job = await run.client.submit(built.graph, {
        previewMethod,
        extraPngInfo: { qwenprompt: { spec: run.specName, cell: cell.key, settings: this.plan.settings } },
        onEvent: (e) => {
          if (this.settled) return;
          switch (e.type) {
            case 'started':
              run.vram.setRunning(e.promptId);
              this.#setStatus('running');
              break;
            case 'progress':
              if (e.node === built.samplerNode)
                run.emit({ type: 'progress', runDir: run.folder.dir, key: cell.key, value: e.value, max: e.max });
              break;
            case 'preview':
              run.emit({ type: 'preview', runDir: run.folder.dir, key: cell.key, mime: e.mime, data: e.data });
              break;
            case 'executed':
              this.images.prefetch(e.images);
              break;
          }
        },
      });
      cell.promptId = job.promptId;
      cell.previews = previewMethod !== 'none';
      const released = new Promise<void>((resolve) => (this.#release = resolve));
      // The cell is recorded on the terminal message; /history (queue wait, the authoritative outputs)
      // completes it in a second update, never before the first is made.
      const early = job.ended.then((o) => (o ? this.#recordEarly(o, postedAt) : undefined));
      const recorded = Promise.race([
        job.done.then(
          async (outcome) => (await early, this.#finish(outcome, postedAt)),
          async (err) => (await early, this.#fail(err)),
        ),
        released,
      ]);
      if (run.abandoned && this.settled) {
        // Given up while this prompt was being posted: it would wait behind the stuck job forever.
        await run.client.deleteQueued([job.promptId]).catch(() => undefined);
        this.#release!();
      }
      if (run.cancelled) {
        // Cancelled while this prompt was being posted: take it off the queue too.
        await run.client.deleteQueued([job.promptId]).catch(() => undefined);
        await this.cancel();
      }
      return { recorded };
    } catch (err) {
      if (first) throw rejection(run.specName, err, built.bindings);
      await this.#fail(err);
      return { recorded: Promise.resolve() };
    }
  }

  /**
   * Records the job the moment its terminal message arrives, from the WebSocket messages alone: its
   * images (already downloaded on `executed`) on disk, every measure but the queue wait. The panel
   * and the CLI show it done from here; #finish completes it once /history answers.
   */
  async #recordEarly(outcome: JobOutcome, postedAt: number): Promise<void> {
    if (this.settled || outcome.status !== 'success' || !outcome.images.length) return;
    const run = this.#run;
    const cell = this.record;
    try {
      await run.folder.ready;
      const timings = measureJob(outcome, this.#measureContext());
      if (!timings) return;
      const images = await this.images.save(outcome.images);
      if (this.settled) {
        // Given up on (a stuck job elsewhere) while saving: not part of the record.
        await this.images.remove(images.map((im) => im.file));
        return;
      }
      Object.assign(timings, run.vram.peak(outcome.promptId));
      stamp(timings, outcome, postedAt);
      this.settled = true;
      this.#provisional = true;
      cell.images = images;
      cell.timings = timings;
      cell.status = timings.cached ? 'cached' : 'success';
      // Not awaited: the rewrite joins the one #finish waits for.
      void run.changed(this);
      run.imagesRecorded(this);
    } catch (err) {
      // /history's pass makes the record as before (and downloads what is missing).
      run.log.debug(`Job ${cell.key}: recording on the terminal message failed (${userMessage(err)}); waiting for /history`);
    }
  }

  async #finish(outcome: JobOutcome, postedAt: number): Promise<void> {
    const provisional = this.#provisional;
    if (this.settled && !provisional) return;
    const run = this.#run;
    this.settled = true;
    this.#provisional = false;
    const cell = this.record;
    const first = provisional ? cell.timings : undefined;
    let newImages = !provisional;
    try {
      await run.folder.ready;
      const timings = measureJob(outcome, this.#measureContext());
      if (timings) Object.assign(timings, run.vram.peak(outcome.promptId));
      if (outcome.status === 'success') {
        // /history wins: outputs the WebSocket did not name (or named otherwise) replace the early ones.
        const same = provisional && this.images.cameFrom(outcome.images);
        if (!same) {
          cell.images = await this.images.save(outcome.images);
          newImages = true;
        }
        if (timings) {
          if (first?.overheadMs !== undefined) {
            // The image reached the user at the first update: that is the client's overhead.
            timings.clientWallMs = first.clientWallMs;
            timings.overheadMs = first.overheadMs;
          } else {
            stamp(timings, outcome, postedAt);
          }
        }
        cell.status = timings?.cached ? 'cached' : 'success';
      } else {
        if (provisional) await this.images.discardRecorded();
        cell.status = run.cancelled && outcome.status === 'interrupted' ? 'cancelled' : outcome.status;
        cell.error = outcome.error ?? `The job ended: ${outcome.status}.`;
      }
      if (timings) cell.timings = timings;
      if (outcome.reason) cell.endReason = outcome.reason;
      if (outcome.notes?.length) cell.notes = [...outcome.notes];
    } catch (err) {
      cell.status = 'failed';
      cell.error = userMessage(err);
      run.log.error(`Job ${cell.key} failed after it finished on the server`, err);
    }
    await this.images.discardEarly();
    const recorded = run.changed(this);
    if (newImages && cell.images.length) run.imagesRecorded(this);
    await recorded;
  }

  async #fail(err: unknown): Promise<void> {
    const run = this.#run;
    if (this.#provisional) {
      // The server said success and the images are on disk; only /history's figures are missing.
      this.#provisional = false;
      run.log.warn(`Job ${this.key}: recorded without its queue wait (${userMessage(err)})`);
      return;
    }
    if (this.settled) return;
    this.settled = true;
    const cell = this.record;
    cell.status = run.cancelled ? 'cancelled' : 'failed';
    cell.error = userMessage(err);
    run.log.warn(`Job ${cell.key}: ${cell.error}`);
    await this.images.discardEarly();
    if (isComfyError(err, 'watchdog') && !run.cancelled) run.stuck(this);
    await run.changed(this);
  }

  /** Cancelled before it ran: recorded so, and its wait ends. */
  async cancel(): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    this.record.status = 'cancelled';
    this.#release?.();
    await this.#run.changed(this);
  }

  /** Not run because the job of `stuck` hung the server: failed, for a resume to make again. */
  async giveUp(stuck: RunCell): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    this.record.status = 'failed';
    this.record.error = `Not run: ComfyUI stopped answering about job ${stuck.key} (see its error). Resume the run once the server works again.`;
    this.#release?.();
    await this.#run.changed(this);
  }

  #setStatus(status: CellStatus): void {
    this.record.status = status;
    void this.#run.changed(this);
  }

  #measureContext(): MeasureContext {
    const built = this.built;
    return {
      samplerNode: built.samplerNode,
      loaderNodes: built.loaderNodes,
      classOf: (n) => built.graph[n]?.class_type,
      graph: built.graph,
      outputNodes: built.outputNodes,
    };
  }
}

/** Client wall time and overhead, ending now: the job's images are on disk and its cell is about to be recorded. */
function stamp(timings: JobTimings, outcome: JobOutcome, postedAt: number): void {
  const now = Date.now();
  timings.clientWallMs = now - postedAt;
  const terminal = outcome.messages.find((m) => TERMINAL_TYPES.includes(m.msg.type as never));
  if (terminal) timings.overheadMs = now - terminal.at;
}
