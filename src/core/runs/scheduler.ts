// Feeds a run's jobs to its servers. Nothing is assigned ahead: each server holds at most `depth` of the
// run's prompts (one running, the rest waiting so it never idles between jobs), and takes a job of the one
// shared queue (longest first) when one of its own ends, so a faster server takes more. A server takes a job
// only if, by the estimates, it would finish it no later than any other server would (each server's speed
// is learnt from the jobs it made): at the end of a sweep over unequal servers the slow one does not take a
// job the fast one would end sooner. A job taken off a server (down, restarted) goes to the front of the queue.
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
  /** The job's size in any unit (steps × pixels): a server's time for it is taken as proportional. */
  cost?(cell: C): number;
  /** How long the job took on its server, once it is recorded (undefined when it measured nothing). */
  tookMs?(cell: C): number | undefined;
}

/** A server leaves a job for another that would end it this many times sooner (from now), or more. */
const WAITING_MARGIN = 1.25;
/** The same for a server with nothing in hand, which would idle while it waits. */
const IDLE_MARGIN = 1.5;

/** What the scheduler knows of a server's pace: when its running job began, and the time and size it made. */
interface Pace {
  since: number;
  ms: number;
  cost: number;
}

export class Scheduler<C extends Schedulable> {
  readonly #slots: ServerSlot[];
  readonly #pending: C[];
  readonly #depth: number;
  readonly #hooks: SchedulerHooks<C>;
  /** Each server's POSTs in flight, chained so they reach it in the order handed out. */
  readonly #posting = new Map<ServerSlot, Promise<void>>();
  readonly #pace = new Map<ServerSlot, Pace>();
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
    this.#pace.set(slot, { ...this.#paceOf(slot), since: Date.now() });
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
        const cell = this.#next(slot);
        if (!cell) continue;
        this.#post(cell, slot);
        given++;
      }
      if (!given) break;
    }
    this.#check();
  }

  /** Cells not yet handed out. */
  get waiting(): readonly C[] {
    return this.#pending.filter((c) => !c.settled);
  }

  #post(cell: C, slot: ServerSlot): void {
    if (!slot.inflight.size) this.#pace.set(slot, { ...this.#paceOf(slot), since: Date.now() });
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
      // Its next prompt starts now.
      if (slot.inflight.delete(cell)) this.#paceOf(slot).since = Date.now();
      this.feed();
    });
    void recorded.then((r) => {
      if (slot.inflight.delete(cell)) this.#paceOf(slot).since = Date.now();
      this.#inflight--;
      const ms = r === 'moved' ? undefined : this.#hooks.tookMs?.(cell);
      if (ms !== undefined && ms > 0) {
        const pace = this.#paceOf(slot);
        pace.ms += ms;
        pace.cost += this.#cost(cell);
      }
      if (r === 'moved' && !cell.settled) this.#pending.unshift(cell);
      this.feed();
    });
  }

  /**
   * The first (longest) waiting job `slot` would finish about as soon as any other server that is up: a job
   * is left for another only when that one would end it clearly sooner (the paces of equal servers differ
   * by noise, and a server that leaves its waiting room empty idles between jobs), and an idle server wants
   * a wider margin still.
   */
  #next(slot: ServerSlot): C | undefined {
    while (this.#pending.length && this.#pending[0].settled) this.#pending.shift();
    const now = Date.now();
    const others = this.#slots.filter((s) => s !== slot && s.up);
    const margin = slot.inflight.size ? WAITING_MARGIN : IDLE_MARGIN;
    const i = this.#pending.findIndex((c) => {
      if (c.settled) return false;
      const mine = this.#busyUntil(slot, now) + this.#estimate(slot, c) - now;
      return others.every((s) => mine <= margin * (this.#busyUntil(s, now) + this.#estimate(s, c) - now));
    });
    return i < 0 ? undefined : this.#pending.splice(i, 1)[0];
  }

  #paceOf(slot: ServerSlot): Pace {
    let pace = this.#pace.get(slot);
    if (!pace) this.#pace.set(slot, (pace = { since: Date.now(), ms: 0, cost: 0 }));
    return pace;
  }

  #cost(cell: C): number {
    return this.#hooks.cost?.(cell) ?? 1;
  }

  /**
   * ms per unit of cost on `slot`: what it made so far (the mean of the others' while it made nothing, all
   * equal at first), and at least what its running job has taken so far, so a server slower than thought is
   * seen before its job ends.
   */
  #rate(slot: ServerSlot): number {
    const pace = this.#paceOf(slot);
    const known = [...this.#pace.values()].filter((p) => p.cost > 0);
    const rate = pace.cost > 0 ? pace.ms / pace.cost : known.length ? known.reduce((a, p) => a + p.ms / p.cost, 0) / known.length : 1;
    const running = slot.inflight.values().next().value as C | undefined;
    if (!running || !known.length) return rate;
    return Math.max(rate, (Date.now() - pace.since) / this.#cost(running));
  }

  #estimate(slot: ServerSlot, cell: C): number {
    return this.#rate(slot) * this.#cost(cell);
  }

  /** When `slot` will be done with the prompts it holds, by the estimates (now, at the soonest). */
  #busyUntil(slot: ServerSlot, now: number): number {
    let held = 0;
    for (const c of slot.inflight) held += this.#estimate(slot, c as C);
    return Math.max(now, this.#paceOf(slot).since + held);
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
