// What the host remembers of one run shown in a panel, so that a webview that reloads (hidden and shown
// again, window reload) can be given the whole picture in one `snapshot`. Pure: no vscode.
import type { RunUpdate } from '../../../core/runs/options';
import type { PanelInit, ToWebview } from '../../../protocol/messages';
import { PROTOCOL_VERSION } from '../../../protocol/messages';
import { recordStats } from '../../../core/runs/gpuStats';
import type { ApiGraph, CellRecord, RunRecord } from '../../../shared/runRecord';
import type { ServerReach } from '../../../shared/serverReach';

/** The exact API graph of each cell stays on disk: the panel never shows it and it can be large.
 * Statistics are computed here while the engine has not written final ones (a run in progress),
 * before the graphs go: a reused node is priced by its cache key, which only the graphs give. */
export function recordForView(record: RunRecord): RunRecord {
  const stats = record.status === 'running' || record.stats.length === 0 ? recordStats(record).stats : record.stats;
  const cells = record.cells.map(({ graph: _graph, ...c }) => c);
  return { ...record, cells, stats };
}

export class RunViewState {
  readonly runDir: string;
  #record!: RunRecord;
  /** Each cell's graph, kept host-side to price the live statistics (the webview never gets them). */
  #graphs = new Map<string, ApiGraph>();
  #progress = new Map<string, { value: number; max: number }>();
  #previews = new Map<string, { mime: string; data: Uint8Array }>();
  /** The server's state while it is not simply online; a reloaded webview shows it again. */
  #server: ServerReach | undefined;

  constructor(runDir: string, record: RunRecord) {
    this.runDir = runDir;
    this.reset(record);
  }

  get record(): RunRecord {
    return this.#record;
  }

  get isRunning(): boolean {
    return this.#record.status === 'running';
  }

  /** Replaces the whole record (a panel re-opened on the same run folder). */
  reset(record: RunRecord): void {
    this.#graphs.clear();
    for (const c of record.cells) if (c.graph) this.#graphs.set(c.key, c.graph);
    this.#record = recordForView(this.#keepVotes(record));
    this.#forgetSettled();
  }

  /** Votes saved while the run goes on (round files): the runner's records never carry them. */
  setRatings(ratings: RunRecord['ratings']): void {
    this.#record = { ...this.#record, ...(ratings ? { ratings } : {}) };
  }

  /** The runner's planned and final records know nothing of the round files: keep the votes shown. */
  #keepVotes(next: RunRecord): RunRecord {
    const shown = this.#record?.ratings ?? [];
    const same = this.#record?.id === next.id;
    return same && shown.length > (next.ratings?.length ?? 0) ? { ...next, ratings: shown } : next;
  }

  /** Folds one update in and returns the message to forward to the webview. */
  apply(u: RunUpdate): ToWebview {
    switch (u.type) {
      case 'server':
        this.#server = u.server.state === 'online' ? undefined : u.server;
        return { type: 'server', server: u.server };
      case 'planned':
        // A run (or a resume) starts on a server that answered.
        this.#server = undefined;
        this.reset(u.record);
        return { type: 'record', record: this.#record };
      case 'finished':
        this.reset(u.record);
        return { type: 'record', record: this.#record };
      case 'cell': {
        const { graph, ...cell } = u.cell;
        if (graph) this.#graphs.set(cell.key, graph);
        const i = this.#record.cells.findIndex((c) => c.key === cell.key);
        const cells = [...this.#record.cells];
        if (i >= 0) cells[i] = cell;
        else cells.push(cell);
        // The engine writes final statistics only when the run ends; the table fills in as images arrive,
        // on fresh costs priced with the graphs (the copies share each cell's timings, so the cell sent has them too).
        const priced: CellRecord[] = cells.map((c) => (this.#graphs.has(c.key) ? { ...c, graph: this.#graphs.get(c.key) } : c));
        this.#record = { ...this.#record, cells, stats: recordStats({ ...this.#record, cells: priced }).stats };
        this.#forgetSettled();
        return { type: 'cell', cell, stats: this.#record.stats };
      }
      case 'progress':
        this.#progress.set(u.key, { value: u.value, max: u.max });
        return { type: 'progress', key: u.key, value: u.value, max: u.max };
      case 'preview': {
        // A plain copy: a Node Buffer, or a view into a larger socket frame, does not cross to the
        // webview as compact bytes.
        const data = new Uint8Array(u.data);
        this.#previews.set(u.key, { mime: u.mime, data });
        return { type: 'preview', key: u.key, mime: u.mime, data };
      }
    }
  }

  init(imageBase: string): PanelInit {
    return {
      protocol: PROTOCOL_VERSION,
      runDir: this.runDir,
      imageBase,
      record: this.#record,
      progress: Object.fromEntries(this.#progress),
      ...(this.#server ? { server: this.#server } : {}),
    };
  }

  /** Latest preview frames of cells still running, to resend after a snapshot. */
  previews(): ToWebview[] {
    return [...this.#previews].map(([key, p]) => ({ type: 'preview', key, mime: p.mime, data: p.data }));
  }

  // Progress and previews only mean something while a cell runs; dropping them bounds memory.
  #forgetSettled(): void {
    const running = new Set(this.#record.cells.filter((c) => c.status === 'running').map((c) => c.key));
    for (const k of [...this.#progress.keys()]) if (!running.has(k)) this.#progress.delete(k);
    for (const k of [...this.#previews.keys()]) if (!running.has(k)) this.#previews.delete(k);
  }
}
