import type { BuiltGraph, IComfyClient, JobOutcome } from '../comfy/types';
import { TERMINAL_TYPES } from '../comfy/jobTracker';
import { isComfyError, userMessage } from '../comfy/errors';
import type { ILogger } from '../logger';
import { CellImages } from './cellImages';
import type { PreviewMethod, RunUpdate } from './options';
import type { ServerSlot } from './pool';
import type { PendingRunDir } from './runFolders';
import type { Attempt, Posted } from './scheduler';
import { rejection } from './specRejected';
import { measureJob, type MeasureContext } from './timing';
import type { Cell } from './types';
import type { CellMove, CellRecord, CellStatus, JobTimings } from '../../shared/runRecord';

/** What a cell needs of the run it is part of. */
export interface CellRunContext {
  readonly folder: PendingRunDir;
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
  /** Whether a job its server lost can go to another server of the pool (false on a one-server run). */
  canMove(cell: RunCell): boolean;
}

/** The errors that say the server, not the job, failed: in a pool the job goes to another server. */
const SERVER_FAULTS = ['unreachable', 'timeout', 'server', 'socketClosed', 'watchdog'] as const;
const isServerFault = (err: unknown) => SERVER_FAULTS.some((k) => isComfyError(err, k));

/**
 * One cell of a run: its planned settings and graph, its prompt on the server, its images and its
 * entry in run.json (the record's own object, so the record is the one place its state is kept).
 */
export class RunCell {
  readonly plan: Cell;
  readonly built: BuiltGraph;
  readonly record: CellRecord;
  images: CellImages;
  /** Ended as far as this run goes: kept by a resume, recorded, failed, cancelled or given up. */
  settled: boolean;
  /** Recorded from its terminal WebSocket message; /history has not been read yet. */
  #provisional = false;
  /** Ends the wait of a cell cancelled before it ran (a deleted prompt never reports back). */
  #release?: () => void;
  /** Ends the current attempt as moved (its server is down). */
  #moveOut?: () => void;
  /** Counts the cell's submissions: events of an earlier one (a server it left) are ignored. */
  #attempt = 0;
  /** The server of the current attempt. */
  #slot?: ServerSlot;
  readonly #run: CellRunContext;

  /** `client`: the server its images come from until it is submitted (a kept cell's are never fetched). */
  constructor(run: CellRunContext, plan: Cell, built: BuiltGraph, record: CellRecord, settled: boolean, client: IComfyClient) {
    this.#run = run;
    this.plan = plan;
    this.built = built;
    this.record = record;
    this.settled = settled;
    this.images = new CellImages(record, client, run.folder);
  }

  /** The server its prompt is on (or was last on). */
  get slot(): ServerSlot | undefined {
    return this.#slot;
  }

  get key(): string {
    return this.record.key;
  }

  /** Posts the prompt. Resolves once it is queued (an async function cannot return a bare promise
   * without waiting for it), with `recorded` settling when its result is on disk. The first prompt
   * of a run throws when the server refuses it (SpecRejectedError when it names the spec's fields). */
  async submit(first: boolean, slot: ServerSlot, pool = false): Promise<Posted> {
    const run = this.#run;
    const cell = this.record;
    const built = this.built;
    const postedAt = Date.now();
    const previewMethod = run.previewMethod;
    const attempt = ++this.#attempt;
    const current = () => attempt === this.#attempt;
    this.#slot = slot;
    this.images = new CellImages(cell, slot.client, run.folder);
    if (pool) cell.server = slot.name;
    try {
      const job = await slot.client.submit(built.graph, {
        previewMethod,
        extraPngInfo: { qwenprompt: { spec: run.specName, cell: cell.key, settings: this.plan.settings } },
        onEvent: (e) => {
          if (this.settled || !current()) return;
          switch (e.type) {
            case 'started':
              slot.vram.setRunning(e.promptId);
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
      if (!current()) {
        // Taken off its server while the POST was on its way: that prompt is an orphan there.
        slot.orphans.push(job.promptId);
        return { recorded: Promise.resolve('moved') };
      }
      cell.promptId = job.promptId;
      cell.previews = previewMethod !== 'none';
      const released = new Promise<void>((resolve) => (this.#release = resolve));
      const moved = new Promise<'moved'>((resolve) => (this.#moveOut = () => resolve('moved')));
      // The cell is recorded on the terminal message; /history (queue wait, the authoritative outputs)
      // completes it in a second update, never before the first is made.
      const early = job.ended.then((o) => (o && current() ? this.#recordEarly(o, postedAt) : undefined));
      const recorded: Attempt = Promise.race([
        job.done.then(
          async (outcome) => {
            await early;
            if (!current()) return 'moved' as const;
            if (outcome.status === 'lost' && !this.settled && run.canMove(this)) return this.#moved('serverLost');
            return this.#finish(outcome, postedAt);
          },
          async (err) => {
            await early;
            if (!current()) return 'moved' as const;
            if (isServerFault(err) && !this.settled && run.canMove(this))
              return this.#moved(isComfyError(err, 'watchdog') ? 'serverStuck' : 'serverDown');
            return this.#fail(err);
          },
        ),
        released,
        moved,
      ]);
      // Off the server (its room free for the next job) at the terminal message, long before run.json is written.
      const offServer = Promise.race([
        job.ended.then(
          () => undefined,
          () => undefined,
        ),
        recorded.then(
          () => undefined,
          () => undefined,
        ),
      ]);
      if (run.abandoned && this.settled) {
        // Given up while this prompt was being posted: it would wait behind the stuck job forever.
        await slot.client.deleteQueued([job.promptId]).catch(() => undefined);
        this.#release!();
      }
      if (run.cancelled) {
        // Cancelled while this prompt was being posted: take it off the queue too.
        await slot.client.deleteQueued([job.promptId]).catch(() => undefined);
        await this.cancel();
      }
      return { recorded, offServer };
    } catch (err) {
      if (first) throw rejection(run.specName, err, built.bindings);
      if (!current()) return { recorded: Promise.resolve('moved') };
      if (isServerFault(err) && run.canMove(this)) {
        slot.rest();
        return { recorded: Promise.resolve(this.#moved('serverDown')) };
      }
      await this.#fail(err);
      return { recorded: Promise.resolve() };
    }
  }

  /**
   * Its server is down: the attempt there is dropped (its events ignored from now on) and the cell waits
   * for another server. Returns the prompt left on that server, to cancel there once it answers; undefined
   * when the cell has already ended (or is recorded and only /history is missing).
   */
  detach(reason: CellMove['reason']): string | undefined {
    if (this.settled) return undefined;
    const promptId = this.record.promptId;
    this.#moved(reason);
    this.#moveOut?.();
    return promptId;
  }

  /** Ends the current attempt: the move is recorded, the cell queued again. */
  #moved(reason: CellMove['reason']): 'moved' {
    const cell = this.record;
    this.#attempt++;
    const from = this.#slot?.name ?? '?';
    cell.moves = [
      ...(cell.moves ?? []),
      { from, ...(cell.promptId ? { promptId: cell.promptId } : {}), reason, at: new Date().toISOString() },
    ];
    cell.status = 'queued';
    delete cell.promptId;
    delete cell.server;
    void this.images.discardEarly();
    this.#run.log.warn(`Job ${cell.key}: moved off ${from} (${reason}); another server makes it`);
    void this.#run.changed(this);
    return 'moved';
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
      Object.assign(timings, this.#slot!.vram.peak(outcome.promptId));
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

  async #finish(outcome: JobOutcome, postedAt: number): Promise<'moved' | void> {
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
      if (timings) Object.assign(timings, this.#slot!.vram.peak(outcome.promptId));
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
      if (!provisional && isServerFault(err) && run.canMove(this)) {
        // Made, but its server went away before the images were fetched: another server makes it again.
        this.settled = false;
        return this.#moved('serverDown');
      }
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

  /** Not run (the server hung on another job, or no server is left): failed with `error`, for a resume to make again. */
  async unmade(error: string): Promise<void> {
    if (this.settled) return;
    this.settled = true;
    this.record.status = 'failed';
    this.record.error = error;
    this.#release?.();
    await this.#run.changed(this);
  }

  #setStatus(status: CellStatus): void {
    this.record.status = status;
    void this.#run.changed(this);
  }

  #measureContext(): MeasureContext {
    const built = this.built;
    return { samplerNode: built.samplerNode, loaderNodes: built.loaderNodes, classOf: (n) => built.graph[n]?.class_type };
  }
}

/** Client wall time and overhead, ending now: the job's images are on disk and its cell is about to be recorded. */
function stamp(timings: JobTimings, outcome: JobOutcome, postedAt: number): void {
  const now = Date.now();
  timings.clientWallMs = now - postedAt;
  const terminal = outcome.messages.find((m) => TERMINAL_TYPES.includes(m.msg.type as never));
  if (terminal) timings.overheadMs = now - terminal.at;
}
