import type { ILogger } from '../logger';
import { writeRunRecord } from './record';
import type { PendingRunDir } from './runFolders';
import { recordStats } from './gpuStats';
import type { RunRecord } from '../../shared/runRecord';

/**
 * Keeps a running run's run.json current: serialized, coalesced, atomic rewrites (a reader or a kill
 * sees the old record or the new one, never half of one), each with the column statistics of the
 * moment. A failed write is logged; the next change writes again.
 */
export class RecordWriter {
  readonly #folder: PendingRunDir;
  readonly #record: RunRecord;
  readonly #log: ILogger;
  #writing: Promise<void> = Promise.resolve();
  #dirty = false;
  #lastWrite = { ms: 0, end: 0 };
  /** Ends a rewrite's rest early: the run is over and its final record must not wait. */
  #wake?: () => void;
  #urgent = false;

  constructor(folder: PendingRunDir, record: RunRecord, log: ILogger) {
    this.#folder = folder;
    this.#record = record;
    this.#log = log;
  }

  /** Writes the record soon (joining a write already waiting); settles when that write is done. */
  write(): Promise<void> {
    if (!this.#folder.dir) return Promise.resolve();
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
      Object.assign(this.#record, recordStats(this.#record));
      try {
        await writeRunRecord(this.#folder.dir, this.#record);
      } catch (err) {
        this.#log.error(`Could not write the run record in ${this.#folder.dir}`, err);
      }
      this.#lastWrite = { ms: Date.now() - start, end: Date.now() };
    });
    return this.#writing;
  }

  /** The run is over: its final record is written now, without resting. */
  final(): Promise<void> {
    this.#urgent = true;
    this.#wake?.();
    return this.write();
  }
}
