/**
 * Grid thumbnails: a run's images downscaled to at most THUMB_SIDE px on the long side and written
 * beside them as baseline JPEGs, so a results panel of 60 images loads and decodes ~60 × 0.15 MP of
 * small files instead of 60 × 1–2 MP PNGs.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { threadId, Worker } from 'node:worker_threads';
import { PNG } from 'pngjs';
import type { encode } from 'jpeg-js';
import { resizeArea, workingSize, type RgbaImage } from '../convergence/pixels';

// jpeg-js's encoder alone (its package root also loads the decoder, which the bundle would carry for
// nothing); typed by the root's declaration of the same function.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const encodeJpeg: typeof encode = require('jpeg-js/lib/encoder');

/**
 * Long side of a thumbnail, px. The grid's cells are 150–280 CSS px wide (main.css `--thumb`), so
 * 384 px is sharp up to a device-pixel ratio of ~1.4 (a 125–150 % scaled laptop screen) and still
 * fair at 2×; a smaller side saves little once the file is a JPEG (320 px: ~35 % fewer bytes).
 */
export const THUMB_SIDE = 384;

/**
 * JPEG quality of a thumbnail. 80 keeps a sampled picture's detail at grid size; the test server's
 * noisy images come out at ~70 KB for 384², a smooth picture at 10–30 KB.
 */
export const THUMB_QUALITY = 80;

/** Thumbnail file name for an image file (`steps-20-r0.png` → `steps-20-r0.thumb.jpg`). Records made
 * before the thumbnails were JPEGs name a `.thumb.png`; the panel shows whatever the record names. */
export function thumbName(file: string): string {
  return `${file.replace(/\.[^./]+$/, '')}.thumb.jpg`;
}

/**
 * Decodes a PNG with pngjs's streaming parser: inflating runs in zlib's thread pool and only the
 * unfiltering runs on the event loop, a few rows at a time, so the extension host keeps answering.
 */
export function decodePngAsync(bytes: Uint8Array): Promise<RgbaImage> {
  return new Promise((resolve, reject) => {
    new PNG().parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), (err, png) => {
      if (err) reject(err);
      else resolve({ width: png.width, height: png.height, data: png.data });
    });
  });
}

/**
 * A JPEG of `img` area-averaged to at most `side` px on the long side. JPEG, not PNG: a sampled
 * image is photographic (and an early-step one is noise), which deflate cannot compress, so a PNG
 * thumbnail is 5–15× the size of a quality-80 JPEG and slower to decode.
 */
export function encodeThumbnail(img: RgbaImage, side = THUMB_SIDE, quality = THUMB_QUALITY): Buffer {
  const size = workingSize(img.width, img.height, side);
  const planes = resizeArea(img, size.width, size.height);
  const n = planes.width * planes.height;
  // jpeg-js reads RGBA and ignores the alpha byte.
  const rgba = Buffer.alloc(n * 4, 255);
  for (let i = 0, j = 0; i < n; i++, j += 4) {
    // Float32Array → Uint8 clamps; +0.5 rounds to nearest.
    rgba[j] = Math.min(255, planes.r[i] + 0.5);
    rgba[j + 1] = Math.min(255, planes.g[i] + 0.5);
    rgba[j + 2] = Math.min(255, planes.b[i] + 0.5);
  }
  return encodeJpeg({ width: planes.width, height: planes.height, data: rgba }, quality).data;
}

/**
 * Makes the thumbnail of the PNG `file` in `runDir` on the calling thread and returns its name, or
 * undefined when the image is no bigger than a thumbnail (the grid shows it as it is) or is not a PNG.
 * No fsync: a thumbnail can be made again, and the record names it only after it is written.
 * thumbnailWorker.ts runs this; the caller's thread runs it only when no worker can be started.
 */
export async function makeThumbnail(runDir: string, file: string, side = THUMB_SIDE): Promise<string | undefined> {
  if (!/\.png$/i.test(file)) return undefined;
  const img = await decodePngAsync(await fs.readFile(path.join(runDir, file)));
  if (Math.max(img.width, img.height) <= side) return undefined;
  const name = thumbName(file);
  await fs.writeFile(path.join(runDir, name), encodeThumbnail(img, side));
  return name;
}

/** A job for the worker; its answer carries the same id. */
export interface ThumbnailJob {
  id: number;
  runDir: string;
  file: string;
  side: number;
}
/** The worker's messages: `ready` once its modules are loaded, then one answer per job. */
export type ThumbnailAnswer = { ready: true } | ({ id: number; threadId: number } & ({ name: string | undefined } | { error: string }));

/** The worker's script: beside the bundle (dist/engine.js, dist/cli.js) or beside this file (tsc's out/). */
const WORKER_SCRIPT = path.join(__dirname, 'thumbnailWorker.js');

/** An idle worker is ended after this long; the next thumbnail starts a new one (~30 ms). */
const IDLE_MS = 5_000;

/**
 * One worker thread per process that makes the thumbnails. jpeg-js's encode() is ~60–120 ms of
 * synchronous work per 384² thumbnail (it builds its tables on every call), which on the caller's
 * thread would stall the extension host. The worker is started on the first job, keeps the process
 * alive only while a job is pending (so the CLI exits when its run is done), ends after IDLE_MS idle,
 * and is started again after it dies. If it cannot start, jobs are done on the caller's thread.
 */
class ThumbnailWorker {
  #worker: Worker | undefined;
  /** The worker has loaded its modules (a script that fails to load means: no worker, work inline). */
  #online = false;
  /** Set once a worker failed to start: every later job runs inline. */
  #unavailable = false;
  #pending = new Map<number, { job: ThumbnailJob; resolve: (name: string | undefined) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #idle: NodeJS.Timeout | undefined;
  /** threadId of the thread that made the last thumbnail (0 is a process's main thread). */
  lastThreadId: number | undefined;

  run(runDir: string, file: string, side: number): Promise<string | undefined> {
    const worker = this.#unavailable ? undefined : this.#start();
    if (!worker) return this.#inline(runDir, file, side);
    const job: ThumbnailJob = { id: this.#nextId++, runDir, file, side };
    return new Promise((resolve, reject) => {
      this.#pending.set(job.id, { job, resolve, reject });
      clearTimeout(this.#idle);
      worker.ref();
      worker.postMessage(job);
    });
  }

  /** Ends the worker now; pending jobs fail. */
  async stop(): Promise<void> {
    clearTimeout(this.#idle);
    const w = this.#worker;
    this.#worker = undefined;
    if (w) await w.terminate();
  }

  async #inline(runDir: string, file: string, side: number): Promise<string | undefined> {
    const name = await makeThumbnail(runDir, file, side);
    this.lastThreadId = threadId;
    return name;
  }

  #start(): Worker | undefined {
    if (this.#worker) return this.#worker;
    let w: Worker;
    try {
      if (!existsSync(WORKER_SCRIPT)) throw new Error(`no ${WORKER_SCRIPT}`);
      // No inherited flags (an extension host's --inspect…, a test runner's): the worker needs none.
      w = new Worker(WORKER_SCRIPT, { execArgv: [] });
    } catch {
      this.#unavailable = true;
      return undefined;
    }
    this.#worker = w;
    this.#online = false;
    w.on('message', (a: ThumbnailAnswer) => this.#answer(a));
    w.on('error', (e) => this.#gone(w, e));
    w.on('exit', (code) => this.#gone(w, new Error(`the thumbnail worker exited (${code})`)));
    return w;
  }

  #answer(a: ThumbnailAnswer): void {
    if ('ready' in a) {
      this.#online = true;
      return;
    }
    const p = this.#pending.get(a.id);
    if (!p) return;
    this.#pending.delete(a.id);
    this.lastThreadId = a.threadId;
    if ('error' in a) p.reject(new Error(a.error));
    else p.resolve(a.name);
    if (this.#pending.size === 0) this.#idleNow();
  }

  /** No job pending: the worker no longer keeps the process alive, and ends if none comes soon. */
  #idleNow(): void {
    const w = this.#worker;
    if (!w) return;
    w.unref();
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => {
      if (this.#worker === w && this.#pending.size === 0) void this.stop();
    }, IDLE_MS);
    this.#idle.unref();
  }

  /** The worker died or failed to start. Its jobs fail, or run inline if it never came online. */
  #gone(w: Worker, e: Error): void {
    if (this.#worker === w) this.#worker = undefined;
    else if (this.#worker) return;
    const jobs = [...this.#pending.values()];
    this.#pending.clear();
    if (!this.#online) this.#unavailable = true;
    for (const { job, resolve, reject } of jobs) {
      if (this.#online) reject(e);
      else this.#inline(job.runDir, job.file, job.side).then(resolve, reject);
    }
  }
}

const worker = new ThumbnailWorker();

/**
 * Writes the thumbnail of the PNG `file` in `runDir` and returns its name, or undefined when the image
 * is no bigger than a thumbnail or is not a PNG (see makeThumbnail). The work (decode, resize, JPEG
 * encode, write) runs in the thumbnail worker thread, off the caller's event loop.
 */
export function writeThumbnail(runDir: string, file: string, side = THUMB_SIDE): Promise<string | undefined> {
  return worker.run(runDir, file, side);
}

/** The threadId of the thread that made the last thumbnail: the worker's, unless it could not start. */
export function lastThumbnailThread(): number | undefined {
  return worker.lastThreadId;
}

/** Ends the thumbnail worker (a later thumbnail starts it again). */
export function stopThumbnailWorker(): Promise<void> {
  return worker.stop();
}
