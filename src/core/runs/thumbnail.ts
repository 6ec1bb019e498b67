/**
 * The work on a run's images after they are recorded, off the caller's thread: grid thumbnails (each
 * image downscaled to at most THUMB_SIDE px on the long side and written beside it as a baseline JPEG,
 * so a results panel of 60 images loads ~60 × 0.15 MP of small files instead of 60 × 1–2 MP PNGs) and
 * the image reduced for convergence scoring, both from one decode.
 */
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { threadId, Worker } from 'node:worker_threads';
import { PNG } from 'pngjs';
import { resizeArea, workingSize, type RgbaImage } from '../convergence/pixels';
import { prepare, scorePrepared, type PairScore, type Prepared } from '../convergence/score';
import { assertDecodable } from '../../shared/image';
import { encodeJpegPlanes } from './jpegEncode';

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
 * Rejects an image over MAX_DECODE_PIXELS before decoding.
 */
export function decodePngAsync(bytes: Uint8Array): Promise<RgbaImage> {
  return new Promise((resolve, reject) => {
    // Its inflater is sized by the header's image size: a declared 32768² would allocate 4 GiB at once.
    assertDecodable(bytes);
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
  return encodeJpegPlanes(resizeArea(img, size.width, size.height), quality);
}

/** What to do with one image file: a thumbnail of at most `thumbSide` px, its reduction for scoring, or both. */
export interface ImageFileWork {
  thumbSide?: number;
  prepare?: boolean;
}

/** The worker's jobs: work on an image file, or scoring a reduced image against its reference. */
export type ImageWork =
  ({ kind: 'file'; runDir: string; file: string } & ImageFileWork) | { kind: 'score'; image: Prepared; reference: Prepared };

export interface ImageWorkResult {
  /** The thumbnail's name; none when the image is no bigger than a thumbnail (the grid shows it as it is). */
  thumb?: string;
  /** The image at scoring's working size. */
  prepared?: Prepared;
  score?: PairScore;
}

/**
 * Does `work` on the calling thread; nothing for a file that is not a PNG. No fsync: a thumbnail can
 * be made again, and the record names it only after it is written. thumbnailWorker.ts runs this with
 * a synchronous decode: the worker has nothing else to do, and inflating on its own thread keeps
 * zlib out of libuv's pool, whose threads would each keep a malloc arena (RSS) of their own. The
 * caller's thread runs it, decoding in the pool, only when no worker can be started.
 */
export async function doImageWork(
  work: ImageWork,
  decode: (bytes: Uint8Array) => RgbaImage | Promise<RgbaImage> = decodePngAsync,
): Promise<ImageWorkResult> {
  if (work.kind === 'score') return { score: scorePrepared(work.image, work.reference) };
  const { runDir, file } = work;
  if (!/\.png$/i.test(file)) return {};
  const img = await decode(await fs.readFile(path.join(runDir, file)));
  const out: ImageWorkResult = {};
  if (work.prepare) out.prepared = prepare(img);
  if (work.thumbSide !== undefined && Math.max(img.width, img.height) > work.thumbSide) {
    const name = thumbName(file);
    await fs.writeFile(path.join(runDir, name), encodeThumbnail(img, work.thumbSide));
    out.thumb = name;
  }
  return out;
}

/** The buffers of a result, moved (not copied) to the receiving thread. */
export function transferList(r: ImageWorkResult): ArrayBuffer[] {
  const p = r.prepared;
  if (!p) return [];
  return [...new Set([p.lum.buffer, p.lab.l.buffer, p.lab.a.buffer, p.lab.b.buffer])] as ArrayBuffer[];
}

/** A job for the worker; its answer carries the same id. */
export type ImageJob = ImageWork & { id: number };
/** The worker's messages: `ready` once its modules are loaded, then one answer per job. */
export type ImageAnswer = { ready: true } | ({ id: number; threadId: number } & ({ result: ImageWorkResult } | { error: string }));

/** The worker's script: beside the bundle (dist/engine.js, dist/cli.js) or beside this file (tsc's out/). */
const WORKER_SCRIPT = path.join(__dirname, 'thumbnailWorker.js');

/** An idle worker is ended after this long; the next job starts a new one (~30 ms). */
const IDLE_MS = 5_000;

/**
 * One worker thread per process that does the image work: decoding a 1024² PNG (≈15 ms), its thumbnail
 * (≈18 ms) and its reduction for scoring (≈11 ms) would stall the extension host on the caller's thread.
 * The worker is started on the first job, keeps the process alive only while a job is pending (so the
 * CLI exits when its run is done), ends after IDLE_MS idle, and is started again after it dies. If it
 * cannot start, jobs are done on the caller's thread.
 */
class ImageWorker {
  #worker: Worker | undefined;
  /** The worker has loaded its modules (a script that fails to load means: no worker, work inline). */
  #online = false;
  /** Set once a worker failed to start: every later job runs inline. */
  #unavailable = false;
  #pending = new Map<number, { job: ImageJob; resolve: (r: ImageWorkResult) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #idle: NodeJS.Timeout | undefined;
  /** threadId of the thread that did the last job (0 is a process's main thread). */
  lastThreadId: number | undefined;

  run(work: ImageWork): Promise<ImageWorkResult> {
    const worker = this.#unavailable ? undefined : this.#start();
    if (!worker) return this.#inline({ id: 0, ...work });
    const job: ImageJob = { id: this.#nextId++, ...work };
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

  async #inline(job: ImageJob): Promise<ImageWorkResult> {
    const result = await doImageWork(job);
    this.lastThreadId = threadId;
    return result;
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
    w.on('message', (a: ImageAnswer) => this.#answer(a));
    w.on('error', (e) => this.#gone(w, e));
    w.on('exit', (code) => this.#gone(w, new Error(`the image worker exited (${code})`)));
    return w;
  }

  #answer(a: ImageAnswer): void {
    if ('ready' in a) {
      this.#online = true;
      return;
    }
    const p = this.#pending.get(a.id);
    if (!p) return;
    this.#pending.delete(a.id);
    this.lastThreadId = a.threadId;
    if ('error' in a) p.reject(new Error(a.error));
    else p.resolve(a.result);
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
      else this.#inline(job).then(resolve, reject);
    }
  }
}

const worker = new ImageWorker();

/**
 * Does `work` on the PNG `file` in `runDir` (see doImageWork) in the worker thread, off the caller's
 * event loop: decode, then the reduction for scoring and the thumbnail (resize, JPEG encode, write).
 */
export function imageWork(runDir: string, file: string, work: ImageFileWork): Promise<ImageWorkResult> {
  return worker.run({ kind: 'file', runDir, file, ...work });
}

/**
 * Scores a reduced image against its reference in the worker thread (~20 ms of SSIM at the working
 * size that the caller's event loop does not pay; the two images are copied there, ~2 MB).
 */
export async function scoreInWorker(image: Prepared, reference: Prepared): Promise<PairScore> {
  return (await worker.run({ kind: 'score', image, reference })).score!;
}

/** The threadId of the thread that did the last image job: the worker's, unless it could not start. */
export function lastThumbnailThread(): number | undefined {
  return worker.lastThreadId;
}

/** Ends the image worker (a later job starts it again). */
export function stopThumbnailWorker(): Promise<void> {
  return worker.stop();
}
