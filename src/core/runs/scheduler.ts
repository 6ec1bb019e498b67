// Feeds a run's jobs to its servers. Nothing is assigned ahead: each server holds at most `depth` of the
// run's prompts (one running, the rest waiting so it never idles between jobs), and takes the next job of
// the one shared queue when one of its own ends, so a faster server takes more. A job taken off a server
// (down, restarted) goes to the front of the queue, for whichever server is free first.
import type { ServerSlot } from './pool';

/** What a job's attempt on one server came to: 'moved' when it was taken off that server to be run elsewhere. */
export type Attempt = Promise<'moved' | void>;

/** A posted prompt: `recorded` settles when the attempt ends; `offServer`, when the server is done with it (its room is free). */
export interface Posted {
  recorded: Attempt;
  offServer?: Promise<void>;
}

/** What the scheduler needs of a job. */
export interface Schedulable {
  readonly key: string;
  /** Ended as far as the run goes (recorded, failed, cancelled). */
  readonly settled: boolean;
}

export interface SchedulerHooks<C extends Schedulable> {
  /** Posts the cell's prompt on the slot's server; `recorded` settles when the attempt ends. */
  submit(cell: C, slot: ServerSlot): Promise<Posted>;
  /** Nothing more is to be submitted (cancelled, given up). */
  stopped(): boolean;
  /** No server can take the cells left (each down for good or excluded): they end unmade. */
  stranded(cells: C[]): Promise<void>;
}

export class Scheduler<C extends Schedulable> {
  readonly #slots: ServerSlot[];
  readonly #pending: C[];
  readonly #depth: number;
  readonly #hooks: SchedulerHooks<C>;
  /** Each server's POSTs in flight, chained so they reach it in the order handed out. */
  readonly #posting = new Map<ServerSlot, Promise<void>>();
  #inflight = 0;
  #over = false;
  #done!: () => void;
  /** Settles once every job ended (or the run stopped and none is on a server). */
  readonly finished = new Promise<void>((resolve) => (this.#done = resolve));

  /** `cells` in the order they are to be handed out. */
  constructor(slots: ServerSlot[], cells: C[], depth: number, hooks: SchedulerHooks<C>) {
    this.#slots = slots;
    this.#pending = [...cells];
    this.#depth = Math.max(1, depth);
    this.#hooks = hooks;
  }

  /** A cell the run posted itself (the first prompt, before the run folder exists). */
  adopt(cell: C, slot: ServerSlot, posted: Posted): void {
    slot.inflight.add(cell);
    this.#inflight++;
    this.#watch(cell, slot, Promise.resolve(posted));
  }

  /**
   * Hands out jobs to every server that has room, one per server per round (the first jobs, each seed row's
   * reference, start on every server at once). Each server's POSTs go one after another, in the order handed
   * out. Call again when a server comes back.
   */
  feed(): void {
    while (!this.#hooks.stopped()) {
      const free = this.#slots.filter((s) => s.up && s.inflight.size < this.#depth).sort((a, b) => a.inflight.size - b.inflight.size);
      if (!free.length) break;
      let given = 0;
      for (const slot of free) {
        const cell = this.#next();
        if (!cell) break;
        this.#post(cell, slot);
        given++;
      }
      if (given < free.length) break;
    }
    this.#check();
  }

  /** Cells not yet handed out. */
  get waiting(): readonly C[] {
    return this.#pending.filter((c) => !c.settled);
  }

  #post(cell: C, slot: ServerSlot): void {
    // Counted before the POST is answered, so the next round sees the room it leaves.
    slot.inflight.add(cell);
    this.#inflight++;
    const posted = (this.#posting.get(slot) ?? Promise.resolve()).then((): Promise<Posted> | Posted =>
      this.#hooks.stopped() ? { recorded: Promise.resolve() } : this.#hooks.submit(cell, slot),
    );
    this.#posting.set(
      slot,
      posted.then(
        () => undefined,
        () => undefined,
      ),
    );
    this.#watch(cell, slot, posted);
  }

  #watch(cell: C, slot: ServerSlot, posted: Promise<Posted>): void {
    const recorded = posted.then((p) => p.recorded).catch(() => undefined);
    // The server's room frees once it is done with the prompt; the job stays open until it is recorded.
    const off = posted.then((p) => p.offServer ?? p.recorded).catch(() => undefined);
    void Promise.race([off, recorded]).then(() => {
      slot.inflight.delete(cell);
      this.feed();
    });
    void recorded.then((r) => {
      slot.inflight.delete(cell);
      this.#inflight--;
      if (r === 'moved' && !cell.settled) this.#pending.unshift(cell);
      this.feed();
    });
  }

  #next(): C | undefined {
    while (this.#pending.length && this.#pending[0].settled) this.#pending.shift();
    return this.#pending.shift();
  }

  #check(): void {
    if (this.#over || this.#inflight > 0) return;
    const left = this.waiting;
    if (!left.length || this.#hooks.stopped()) {
      this.#over = true;
      this.#done();
      return;
    }
    // Jobs wait and none is on a server: go on only if some server is up or may come back (one that has not
    // answered since the start is no reason to wait).
    if (this.#slots.some((s) => s.up || (!s.excluded && !s.gone && !s.late))) return;
    this.#over = true;
    void this.#hooks.stranded([...left]).finally(() => this.#done());
  }
}
