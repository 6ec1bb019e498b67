import type { BuiltGraph } from '../comfy/types';
import { userMessage } from '../comfy/errors';
import type { ILogger } from '../logger';
import { LiveScores } from '../convergence/liveScores';
import { scoreRun, type ScoreRunOptions } from '../convergence/scoreRun';
import { ImageHandOff } from './cellImages';
import type { PreviewMethod, RunOptions, RunUpdate, SessionResult } from './options';
import { writeRunRecord } from './record';
import { RecordWriter } from './recordWriter';
import { RunCell, type CellRunContext } from './runCell';
import { createRunDir, PendingRunDir } from './runFolders';
import { recordStats } from './gpuStats';
import type { ServerSlot, SlotEvent } from './pool';
import { Scheduler } from './scheduler';
import { scoreInWorker } from './thumbnail';
import type { Cell } from './types';
import type { CellRecord, RunRecord, RunStatus } from '../../shared/runRecord';

/** A run's plan as the session made it: the cells, each with its graph and its entry in `record`. */
export interface PlannedRun {
  opts: RunOptions;
  record: RunRecord;
  cells: Cell[];
  graphs: BuiltGraph[];
  log: ILogger;
  /** Continuing an interrupted run: its folder, and the cells it keeps as they are. */
  resume?: { runDir: string; keep: ReadonlySet<string> };
  /** The run's servers, connected (one, or a pool). */
  slots: ServerSlot[];
}

/** Prompts each server of a pool holds at once: one running, one waiting, so it never idles between jobs. */
export const POOL_DEPTH = 2;
/** A job moved this often is failed rather than moved again (a graph that takes servers down). */
const MAX_MOVES = 4;

/**
 * Makes a planned run's jobs: queues all of them on the server up front (so the GPU never waits for
 * the client), records every measure per image, saves images into a fresh run folder (or the resumed
 * one) and keeps run.json current. Cancelling through `signal` interrupts the running prompt,
 * deletes the queued ones and still leaves a valid record.
 */
export async function executeRun(planned: PlannedRun, started: number): Promise<SessionResult> {
  const run = new Run(planned);
  try {
    return await run.execute(started);
  } finally {
    run.dispose();
  }
}

class Run implements CellRunContext {
  readonly folder = new PendingRunDir();
  readonly log: ILogger;
  readonly #slots: ServerSlot[];
  readonly #pool: boolean;
  #scheduler?: Scheduler<RunCell>;
  readonly #planned: PlannedRun;
  readonly #opts: RunOptions;
  readonly #record: RunRecord;
  readonly #cells: RunCell[];
  readonly #writer: RecordWriter;
  readonly #images: ImageHandOff;
  /** Convergence scores made as the images come in (none when the run is not scored). */
  readonly #live: LiveScores | undefined;
  #cancelled = false;
  #abandoned = false;
  /** The cancel or the give-up under way: every cell is settled once it is done. */
  #stopping?: Promise<void>;

  constructor(planned: PlannedRun) {
    const { opts, record, cells, graphs, log, resume, slots } = planned;
    this.#planned = planned;
    this.#opts = opts;
    this.#record = record;
    this.log = log;
    this.#slots = slots;
    this.#pool = slots.length > 1;
    const client = slots[0].client;
    this.#cells = cells.map((c, i) => new RunCell(this, c, graphs[i], record.cells[i], resume?.keep.has(c.key) ?? false, client));
    if (opts.convergence !== false) {
      const making = new Set(this.#cells.filter((c) => !c.settled).map((c) => c.key));
      this.#live = new LiveScores(record.cells, { making, scorer: scoreInWorker, reference: opts.spec.reference });
    }
    this.#writer = new RecordWriter(this.folder, record, log);
    this.#images = new ImageHandOff({
      folder: this.folder,
      thumbnails: opts.thumbnails !== false,
      live: this.#live,
      log,
      onThumbs: (cell) => {
        this.emit({ type: 'cell', runDir: this.folder.dir, cell });
        void this.#writer.write();
      },
    });
  }

  get specName(): string {
    return this.#opts.spec.name;
  }

  get previewMethod(): PreviewMethod {
    const m = this.#opts.previewMethod;
    return (typeof m === 'function' ? m() : m) ?? 'none';
  }

  get cancelled(): boolean {
    return this.#cancelled;
  }

  get abandoned(): boolean {
    return this.#abandoned;
  }

  dispose(): void {
    for (const s of this.#slots) s.dispose();
  }

  canMove(cell: RunCell): boolean {
    return (
      this.#pool && !this.#cancelled && (cell.record.moves?.length ?? 0) < MAX_MOVES && this.#slots.some((s) => !s.excluded && !s.gone)
    );
  }

  async execute(started: number): Promise<SessionResult> {
    const { signal } = this.#opts;
    const { resume } = this.#planned;
    const todo = handOutOrder(
      this.#cells.filter((c) => !c.settled),
      this.#pool,
    );
    // The first prompt goes before the run folder exists: a spec the server rejects leaves nothing behind.
    const firstSlot = this.#slots.find((s) => s.up) ?? this.#slots[0];
    const first = todo.length ? await todo[0].submit(!resume, firstSlot, this.#pool) : undefined;
    this.#record.previews = previewsOf(this.#record.cells);
    let made;
    try {
      // The folder appears with its first record in it: a kill never leaves an empty run folder.
      made = resume
        ? { runDir: resume.runDir, id: this.#record.id }
        : await createRunDir(this.#opts.runsRoot, this.#opts.spec.id, new Date(), async (dir, id) => {
            this.#record.id = id;
            await writeRunRecord(dir, this.#record);
          });
    } catch (e) {
      this.folder.failed(e);
      await this.#cancel();
      throw e;
    }
    const { runDir, id } = made;
    this.#record.id = id;
    this.folder.opened(runDir);
    await this.#writer.write();
    this.emit({ type: 'planned', runDir, record: this.#record });
    const where = this.#pool ? `${this.#slots.filter((s) => !s.excluded).length} servers` : this.#record.server.url;
    this.log.info(`Run ${id}: ${this.#cells.length} job(s) of "${this.#opts.spec.name}" on ${where}`);

    const onAbort = () => void this.#cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    for (const slot of this.#slots) {
      slot.watch((e) => void this.#reach(e, runDir));
      slot.onRejoin = () => this.#scheduler?.feed();
    }
    const scheduler = (this.#scheduler = new Scheduler(this.#slots, todo.slice(1), this.#pool ? POOL_DEPTH : Infinity, {
      submit: async (cell, slot) => {
        const posted = await cell.submit(false, slot, this.#pool);
        this.#record.previews = previewsOf(this.#record.cells);
        return posted;
      },
      stopped: () => this.#cancelled || this.#abandoned,
      stranded: (cells) => Promise.all(cells.map((c) => c.unmade(strandedText(this.#slots)))).then(() => undefined),
      cost: jobCost,
      tookMs: (cell) => (cell.record.status === 'success' && !cell.record.timings?.cached ? cell.record.timings?.executionMs : undefined),
    }));
    try {
      if (first) scheduler.adopt(todo[0], firstSlot, first);
      scheduler.feed();
      if (signal?.aborted) await this.#cancel();
      await scheduler.finished;
      // Cells never handed out (cancelled or given up before their turn) are settled by #cancel/#abandon.
      await this.#stopping;
    } finally {
      for (const slot of this.#slots) slot.dispose();
      signal?.removeEventListener('abort', onAbort);
    }
    // The run can end (its jobs settled from /history) before the socket is back: say whether the
    // server answers now, so the panel does not go on saying it is unreachable.
    for (const slot of this.#slots.filter((s) => s.down)) {
      const answers = await slot.client.systemStats().then(
        () => true,
        () => false,
      );
      if (answers) this.emit({ type: 'server', runDir, server: { state: 'online', url: slot.client.baseUrl } });
    }
    await this.#images.idle();

    const r = this.#record;
    Object.assign(r, recordStats(r));
    r.status = this.#finalStatus();
    r.finishedAt = new Date().toISOString();
    r.wallMs = Date.now() - started;
    // After the last job, so it never delays the GPU (every prompt was queued up front).
    if (this.#opts.convergence !== false) await scoreConvergence(runDir, r, this.#opts.convergence || {}, this.log, this.#live);
    this.#live?.clear();
    await this.#writer.final();
    this.emit({ type: 'finished', runDir, record: r });
    return { runDir, record: r };
  }

  async changed(cell: RunCell): Promise<void> {
    if (!this.folder.dir) return; // before the folder exists, the 'planned' update carries the state
    this.emit({ type: 'cell', runDir: this.folder.dir, cell: cell.record });
    await this.#writer.write();
  }

  imagesRecorded(cell: RunCell): void {
    this.#images.add(cell.record);
  }

  /**
   * The server went silent on the job of `stuck`: the jobs queued behind it would wait forever, so they
   * are taken off the server's queue and marked failed (a resume runs them again).
   */
  stuck(stuck: RunCell): void {
    this.#stopping ??= this.#abandon(stuck);
  }

  async #abandon(stuck: RunCell): Promise<void> {
    this.#abandoned = true;
    const client = stuck.slot?.client ?? this.#slots[0].client;
    const ids = this.#cells.filter((c) => !c.settled && c.record.promptId && c.slot?.client === client).map((c) => c.record.promptId!);
    await client.interrupt(stuck.record.promptId).catch(() => undefined);
    if (ids.length) await client.deleteQueued(ids).catch((e) => this.log.warn(`Could not remove the queued prompts: ${userMessage(e)}`));
    await Promise.all(this.#cells.map((c) => c.unmade(stuckText(stuck))));
  }

  #cancel(): Promise<void> {
    this.#stopping ??= this.#cancelAll();
    return this.#stopping;
  }

  /** Cancel clears every server: each is asked to stop the run's prompts it holds, all at once. */
  async #cancelAll(): Promise<void> {
    this.#cancelled = true;
    await Promise.all(this.#slots.map((slot) => this.#cancelOn(slot)));
    await Promise.all(this.#cells.map((c) => (c.record.status === 'running' ? undefined : c.cancel())));
  }

  async #cancelOn(slot: ServerSlot): Promise<void> {
    const open = this.#cells.filter((c) => c.record.promptId && !c.settled && c.slot === slot);
    const orphans = slot.orphans.splice(0);
    if (!open.length && !orphans.length) return;
    // The client names each prompt (never a bare interrupt, which would stop whoever runs) and checks
    // /queue until none of ours runs or waits; each cell keeps what happened to its prompt.
    try {
      const results = await slot.client.cancel([...open.map((c) => c.record.promptId!), ...orphans]);
      for (const r of results) {
        const cell = open.find((c) => c.record.promptId === r.promptId);
        if (!cell) continue;
        cell.record.cancel = { fate: r.fate, ...(r.via ? { via: r.via } : {}), ...(r.error ? { error: r.error } : {}) };
        if (r.fate === 'unknown') this.log.warn(`Cancelling job ${cell.key} on ${slot.name} failed: ${r.error ?? 'no answer'}`);
      }
    } catch (err) {
      this.log.warn(`Cancelling on ${slot.name} failed: ${userMessage(err)}`);
    }
  }

  /**
   * A server of a pool stopped answering: the jobs it holds go to the others (each cell records the move);
   * once it answers again the prompts it still holds of this run are cancelled there and it takes jobs again.
   */
  async #reach({ slot, reach }: SlotEvent, runDir: string): Promise<void> {
    this.emit({ type: 'server', runDir, server: reach });
    if (!this.#pool || slot.excluded) return;
    if (reach.state === 'online') {
      const orphans = slot.orphans.splice(0);
      if (orphans.length) {
        this.log.info(`Server ${slot.name} is back: cancelling the ${orphans.length} prompt(s) of this run it still held`);
        await slot.client
          .cancel(orphans)
          .catch((e) => this.log.warn(`Could not cancel the moved prompts on ${slot.name}: ${userMessage(e)}`));
      }
      if (!slot.gone && !this.#stopping) {
        slot.up = true;
        this.log.info(`Server ${slot.name} rejoins the run`);
      }
    } else {
      slot.up = false;
      if (reach.state === 'gaveUp') slot.gone = true;
      const moved = this.#cells.filter((c) => c.slot === slot && !c.settled).flatMap((c) => c.detach('serverDown') ?? []);
      slot.orphans.push(...moved);
      if (moved.length) this.log.warn(`Server ${slot.name} does not answer: ${moved.length} job(s) go to the other servers`);
    }
    this.#scheduler?.feed();
  }

  #finalStatus(): RunStatus {
    const cells = this.#record.cells;
    const ok = cells.filter((c) => c.status === 'success' || c.status === 'cached').length;
    if (this.#cancelled) return 'cancelled';
    if (ok === cells.length) return 'complete';
    return ok === 0 ? 'failed' : 'partial';
  }

  emit(u: RunUpdate): void {
    try {
      this.#opts.onUpdate?.(u);
    } catch (err) {
      this.log.error('A run update listener threw', err);
    }
  }
}

async function scoreConvergence(
  runDir: string,
  record: RunRecord,
  opts: ScoreRunOptions,
  log: ILogger,
  live: LiveScores | undefined,
): Promise<void> {
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
    if (pairs)
      log.info(
        `Convergence: ${pairs} image(s) scored, ${early} of them while the run went; ${record.convergence?.scoringMs ?? 0} ms of scoring after the last job`,
      );
  } catch (e) {
    log.error('Scoring convergence failed', e);
  }
}

/** In a pool, the costliest jobs go first: they are each seed row's reference (the top step count), so
 * convergence scores come as the sweep runs, and longest-first ends a sweep over unequal servers soonest. */
function handOutOrder(cells: RunCell[], pool: boolean): RunCell[] {
  if (!pool) return cells;
  return cells
    .map((c, i) => ({ c, i, cost: jobCost(c) }))
    .sort((a, b) => b.cost - a.cost || a.i - b.i)
    .map((x) => x.c);
}

/** A job's size for the scheduler: its steps × megapixels (a server's time for it taken as proportional). */
function jobCost(c: RunCell): number {
  const s = c.plan.settings;
  return (s.steps * s.width * s.height) / 1e6;
}

function strandedText(slots: ServerSlot[]): string {
  return `Not run: no server of the pool could take it (${slots.map((s) => `${s.name}: ${s.excluded ?? s.late ?? 'gave up reconnecting'}`).join('; ')}). Resume the run once one answers.`;
}

function stuckText(stuck: RunCell): string {
  return `Not run: ComfyUI stopped answering about job ${stuck.key} (see its error). Resume the run once the server works again.`;
}

/** Whether the run's prompts asked for live previews: 'mixed' when its cells differ (a CLI run resumed in the
 * editor, a panel closed while the prompts were posted); undefined before any was posted. */
export function previewsOf(cells: CellRecord[]): RunRecord['previews'] {
  const asked = new Set(cells.flatMap((c) => (c.previews === undefined ? [] : [c.previews])));
  if (!asked.size) return undefined;
  return asked.size > 1 ? 'mixed' : asked.has(true) ? 'on' : 'off';
}
