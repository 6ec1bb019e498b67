/**
 * What the tests of the client's pieces (retry, view, watchdog, resync) share: test servers and
 * clients that are closed after each test, the recorded graph with a fresh seed, a prompt the
 * server has finished, and a job as the lifecycle makes one.
 */
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { afterEach } from 'node:test';
import { ComfyClient, type ComfyClientOptions } from '../../../src/core/comfy/client';
import { HttpClient } from '../../../src/core/comfy/http';
import { Job } from '../../../src/core/comfy/jobs';
import type { JobTracker } from '../../../src/core/comfy/jobTracker';
import type { ApiGraph, JobOutcome } from '../../../src/core/comfy/types';
import { nullLogger } from '../../../src/core/logger';
import { startFakeComfy, type FakeComfy, type FakeComfyOptions } from '../../fakes/comfyServer';
import { FIXTURES } from './transcripts';

const RECORDED = JSON.parse(readFileSync(path.join(FIXTURES, 'comfy', 'workflow.api.json'), 'utf8')) as ApiGraph;
let nextSeed = 70_000;

/** The recorded graph with a seed no other test used, so the server really runs it. */
export function freshGraph(steps = 4): ApiGraph {
  const g = structuredClone(RECORDED);
  g['3'].inputs.seed = nextSeed++;
  g['3'].inputs.steps = steps;
  return g;
}

/** Registers an afterEach that closes what the file's tests opened. */
export function comfyFixture(): {
  server(opts?: FakeComfyOptions): Promise<FakeComfy>;
  client(fake: FakeComfy, opts?: Partial<ComfyClientOptions>): ComfyClient;
  http(fake: FakeComfy): HttpClient;
  /** Aborted after each test: the lifetime signal of pieces made without a client. */
  lifetime(): AbortSignal;
  finished(fake: FakeComfy): Promise<JobOutcome>;
} {
  const servers: FakeComfy[] = [];
  const clients: ComfyClient[] = [];
  let life = new AbortController();
  afterEach(async () => {
    life.abort();
    life = new AbortController();
    clients.splice(0).forEach((c) => c.close());
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  const fixture = {
    async server(opts: FakeComfyOptions = {}) {
      const fake = await startFakeComfy({ msPerStep: 2, loadMs: 5, nodeMs: 1, ...opts });
      servers.push(fake);
      return fake;
    },
    client(fake: FakeComfy, opts: Partial<ComfyClientOptions> = {}) {
      const c = new ComfyClient({ baseUrl: fake.url, historyRetryDelayMs: 10, viewRetryDelayMs: 10, ...opts });
      clients.push(c);
      return c;
    },
    http: (fake: FakeComfy) => new HttpClient({ baseUrl: fake.url, timeoutMs: 10_000, maxJsonBytes: 32 * 1024 * 1024, logger: nullLogger }),
    lifetime: () => life.signal,
    /** A prompt the server ran to the end, submitted by a client of its own. */
    async finished(fake: FakeComfy) {
      return await (
        await fixture.client(fake).submit(freshGraph())
      ).done;
    },
  };
  return fixture;
}

/** A job the server accepted just now, for `promptId`, tracked by `tracker` (as JobLifecycle makes one). */
export function acceptedJob(tracker: JobTracker, promptId: string): Job {
  const job = new Job(tracker.register(promptId));
  job.accepted = true;
  job.acceptedAt = Date.now();
  return job;
}

/** Verdicts a watchdog or a resync reached, in order, with a wait for the next one. */
export class Verdicts<V> {
  readonly seen: V[] = [];
  private waiting: ((v: V) => void)[] = [];

  add = (v: V): void => {
    this.seen.push(v);
    this.waiting.splice(0).forEach((w) => w(v));
  };

  next(): Promise<V> {
    return new Promise((resolve) => this.waiting.push(resolve));
  }
}
