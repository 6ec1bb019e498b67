// The servers of one run: each with its client, its facts, its VRAM monitor and what it has in hand. A
// one-server run is a pool of one; a pool of several spreads the sweep (see scheduler.ts).
import { userMessage } from '../comfy/errors';
import type { ApiGraph, IComfyClient } from '../comfy/types';
import type { ILogger } from '../logger';
import { missingOnServer } from './serverModels';
import { serverFacts } from './serverFacts';
import { watchServer } from './serverWatch';
import { VramMonitor } from './vram';
import { gpuKind } from '../../shared/gpuKind';
import type { PoolServerFacts } from '../../shared/runRecord';
import type { ServerReach } from '../../shared/serverReach';

/** A server a run may use: a name the record and the panel show, and its client. */
export interface PoolServer {
  name: string;
  client: IComfyClient;
}

/** What a slot tells the run about its server's reach. */
export type SlotEvent = { slot: ServerSlot; reach: ServerReach };

export class ServerSlot {
  readonly name: string;
  readonly client: IComfyClient;
  readonly vram: VramMonitor;
  facts: PoolServerFacts;
  /** Answers and takes jobs. False while its socket is down, or once excluded. */
  up = true;
  /** Gets none of the run's jobs: what it lacks, or that it did not answer. */
  excluded?: string;
  /** Cells whose prompt is on this server now. */
  readonly inflight = new Set<{ key: string }>();
  /** Prompts taken off it while it was down: cancelled there once it answers again. */
  readonly orphans: string[] = [];
  /** Its client stopped reconnecting: it takes no more jobs in this run. */
  gone = false;
  /** It did not answer when the run began (why): it is probed with backoff and joins once it answers. */
  late?: string;
  #probeTimer?: NodeJS.Timeout;
  #watch?: { readonly down: boolean; dispose(): void };
  #restTimer?: NodeJS.Timeout;
  /** Called when a rest ends and the server takes jobs again. */
  onRejoin?: () => void;

  constructor(server: PoolServer, vramPollMs: number) {
    this.name = server.name;
    this.client = server.client;
    this.vram = new VramMonitor(server.client, vramPollMs);
    this.facts = { name: server.name, url: server.client.baseUrl };
  }

  /** The GPU kind it records under: name and memory, so two cards of one name but other memory stay apart. */
  get gpuKind(): string {
    return gpuKind(this.facts);
  }

  get down(): boolean {
    return this.#watch?.down ?? false;
  }

  /** Tells `report` when the server stops answering and when it is back. */
  watch(report: (e: SlotEvent) => void, graceMs?: number): void {
    this.#watch = watchServer(this.client, this.client.baseUrl, (reach) => report({ slot: this, reach }), graceMs);
  }

  /**
   * A request to it failed as a server fault (refused, reset, 5xx): it takes no jobs for `ms`, then again
   * unless its socket is down by then (it rejoins when the socket is back).
   */
  rest(ms = 1000): void {
    if (this.excluded || this.gone) return;
    this.up = false;
    clearTimeout(this.#restTimer);
    this.#restTimer = setTimeout(() => {
      this.#restTimer = undefined;
      if (this.excluded || this.gone || this.down) return;
      this.up = true;
      this.onRejoin?.();
    }, ms);
  }

  /**
   * Probes a server that did not answer at the start, every 250 ms doubling to 5 s, until it answers (it
   * joins: its facts are read, and a server lacking the graphs' nodes or models is excluded instead) or the
   * slot is disposed (the record then says it did not answer).
   */
  probeLate(graphs: ApiGraph[], log: ILogger, delayMs = 250): void {
    this.#probeTimer = setTimeout(() => {
      void (async () => {
        try {
          await this.client.connect();
          const stats = await this.client.systemStats();
          const missing = missingOnServer(await this.client.objectInfo(), graphs);
          if (!this.late) return; // disposed meanwhile
          Object.assign(this.facts, serverFacts(this.client.baseUrl, stats));
          this.late = undefined;
          if (missing.length) {
            this.excluded = this.facts.excluded = `lacks ${missing.join(', ')}`;
            log.warn(`Server ${this.name} answers now but gets none of this run's jobs: it ${this.excluded}.`);
            return;
          }
          log.info(`Server ${this.name} answers now: it joins the run`);
          this.up = true;
          this.onRejoin?.();
        } catch {
          if (this.late) this.probeLate(graphs, log, Math.min(5000, delayMs * 2));
        }
      })();
    }, delayMs);
  }

  dispose(): void {
    clearTimeout(this.#probeTimer);
    if (this.late) this.facts.excluded = this.late;
    this.late = undefined;
    clearTimeout(this.#restTimer);
    this.#watch?.dispose();
    this.vram.stop();
  }
}

/**
 * Connects every server and reads its facts. In a pool of several, a server that does not answer, or lacks
 * a node or model file of `graphs`, is excluded (the log says which lacks what); when none is left the first
 * server's error is thrown, so a one-server run fails as it always did.
 */
export async function openSlots(
  servers: PoolServer[],
  graphs: ApiGraph[],
  opts: { vramPollMs: number; signal?: AbortSignal; log: ILogger },
): Promise<ServerSlot[]> {
  const slots = servers.map((s) => new ServerSlot(s, opts.vramPollMs));
  const pool = slots.length > 1;
  const errors = await Promise.all(
    slots.map(async (slot) => {
      try {
        await slot.client.connect(opts.signal);
        slot.facts = { name: slot.name, ...serverFacts(slot.client.baseUrl, await slot.client.systemStats(opts.signal)) };
        if (!pool) return undefined;
        const missing = missingOnServer(await slot.client.objectInfo(opts.signal), graphs);
        if (missing.length) slot.excluded = `lacks ${missing.join(', ')}`;
      } catch (e) {
        if (!pool || opts.signal?.aborted) return e;
        slot.late = `did not answer (${userMessage(e)})`;
      }
      return undefined;
    }),
  );
  const failed = errors.find((e) => e !== undefined);
  if (failed !== undefined) throw failed;
  const answered = slots.filter((s) => !s.late);
  if (!answered.length) throw new Error(`None of the pool's servers answered: ${slots.map((s) => `${s.name} ${s.late}`).join('; ')}.`);
  if (answered.every((s) => s.excluded)) {
    // Every server that answers lacks something: the first one's rejection of the first prompt names each field.
    for (const s of answered) {
      s.up = true;
      delete s.excluded;
    }
  }
  for (const slot of slots) {
    if (slot.late) {
      slot.up = false;
      opts.log.warn(`Server ${slot.name} ${slot.late}: it joins the run when it answers.`);
      slot.probeLate(graphs, opts.log);
    } else if (slot.excluded) {
      slot.up = false;
      slot.facts.excluded = slot.excluded;
      opts.log.warn(`Server ${slot.name} gets none of this run's jobs: it ${slot.excluded}.`);
    }
  }
  return slots;
}
