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
import { watchServer } from './serverWatch';
import { columnStats } from './stats';
import { scoreInWorker } from './thumbnail';
import type { Cell } from './types';
import { VramMonitor } from './vram';
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
}

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
  readonly vram: VramMonitor;
  readonly log: ILogger;
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

  constructor(planned: PlannedRun) {
    const { opts, record, cells, graphs, log, resume } = planned;
    this.#planned = planned;
    this.#opts = opts;
    this.#record = record;
    this.log = log;
    this.vram = new VramMonitor(opts.client, opts.vramPollMs ?? 250);
    this.#cells = cells.map((c, i) => new RunCell(this, c, graphs[i], record.cells[i], resume?.keep.has(c.key) ?? false));
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

  get client() {
    return this.#opts.client;
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
    this.vram.stop();
  }

  async execute(started: number): Promise<SessionResult> {
    const { signal } = this.#opts;
    const { resume } = this.#planned;
    const jobs: Promise<void>[] = [];
    const todo = this.#cells.filter((c) => !c.settled);
    // The first prompt goes before the run folder exists: a spec the server rejects leaves nothing behind.
    if (todo.length) jobs.push((await todo[0].submit(!resume)).recorded);
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
    this.log.info(`Run ${id}: ${this.#cells.length} job(s) of "${this.#opts.spec.name}" on ${this.#record.server.url}`);

    const onAbort = () => void this.#cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    const watch = watchServer(this.client, this.#record.server.url, (server) => this.emit({ type: 'server', runDir, server }));
    try {
      for (const cell of todo.slice(1)) {
        if (this.#cancelled || this.#abandoned) break;
        jobs.push((await cell.submit(false)).recorded);
        this.#record.previews = previewsOf(this.#record.cells);
      }
      if (signal?.aborted) await this.#cancel();
      await Promise.all(jobs);
    } finally {
      watch.dispose();
      signal?.removeEventListener('abort', onAbort);
    }
    // The run can end (its jobs settled from /history) before the socket is back: say whether the
    // server answers now, so the panel does not go on saying it is unreachable.
    if (watch.down) {
      const url = this.#record.server.url;
      const answers = await this.client.systemStats().then(
        () => true,
        () => false,
      );
      if (answers) this.emit({ type: 'server', runDir, server: { state: 'online', url } });
    }
    await this.#images.idle();

    const r = this.#record;
    r.stats = columnStats(r.cells);
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
    void this.#abandon(stuck);
  }

  async #abandon(stuck: RunCell): Promise<void> {
    this.#abandoned = true;
    const ids = this.#cells.filter((c) => !c.settled && c.record.promptId).map((c) => c.record.promptId!);
    const { client } = this.#opts;
    await client.interrupt(stuck.record.promptId).catch(() => undefined);
    if (ids.length) await client.deleteQueued(ids).catch((e) => this.log.warn(`Could not remove the queued prompts: ${userMessage(e)}`));
    await Promise.all(this.#cells.map((c) => c.giveUp(stuck)));
  }

  async #cancel(): Promise<void> {
    if (this.#cancelled) return;
    this.#cancelled = true;
    const { client } = this.#opts;
    const open = this.#cells.filter((c) => c.record.promptId && !c.settled);
    // The client names each prompt (never a bare interrupt, which would stop whoever runs) and checks
    // /queue until none of ours runs or waits; each cell keeps what happened to its prompt.
    try {
      const results = open.length ? await client.cancel(open.map((c) => c.record.promptId!)) : [];
      for (const r of results) {
        const cell = open.find((c) => c.record.promptId === r.promptId);
        if (!cell) continue;
        cell.record.cancel = { fate: r.fate, ...(r.via ? { via: r.via } : {}), ...(r.error ? { error: r.error } : {}) };
        if (r.fate === 'unknown') this.log.warn(`Cancelling job ${cell.key} on the server failed: ${r.error ?? 'no answer'}`);
      }
    } catch (err) {
      this.log.warn(`Cancelling on the server failed: ${userMessage(err)}`);
    }
    await Promise.all(this.#cells.map((c) => (c.record.status === 'running' ? undefined : c.cancel())));
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

/** Whether the run's prompts asked for live previews: 'mixed' when its cells differ (a CLI run resumed in the
 * editor, a panel closed while the prompts were posted); undefined before any was posted. */
export function previewsOf(cells: CellRecord[]): RunRecord['previews'] {
  const asked = new Set(cells.flatMap((c) => (c.previews === undefined ? [] : [c.previews])));
  if (!asked.size) return undefined;
  return asked.size > 1 ? 'mixed' : asked.has(true) ? 'on' : 'off';
}
