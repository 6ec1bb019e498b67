import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { IComfyClient, ImageRef } from '../comfy/types';
import { userMessage } from '../comfy/errors';
import type { LiveScores } from '../convergence/liveScores';
import type { ILogger } from '../logger';
import { tooLargeToDecode } from '../../shared/image';
import { openImageFile } from './imageFile';
import { safeSegment, type PendingRunDir } from './runFolders';
import { imageWork, THUMB_SIDE } from './thumbnail';
import type { CellRecord, ImageFile } from '../../shared/runRecord';

/**
 * One cell's image files in the run folder: downloaded as soon as `executed` names them, then settled
 * under their final names once the job's outputs are known, and removed when they are not the record's.
 */
export class CellImages {
  readonly #cell: CellRecord;
  readonly #client: IComfyClient;
  readonly #folder: PendingRunDir;
  /** Images downloaded and saved as soon as `executed` named them, by refKey. */
  #early: Map<string, Promise<ImageFile | undefined>> | undefined;
  /** The image refs the recorded images came from (refKey, in order). */
  #refs: string[] = [];

  constructor(cell: CellRecord, client: IComfyClient, folder: PendingRunDir) {
    this.#cell = cell;
    this.#client = client;
    this.#folder = folder;
  }

  /** Whether the recorded images came from exactly these refs. */
  cameFrom(refs: ImageRef[]): boolean {
    const keys = refs.map(refKey);
    return this.#refs.length === keys.length && this.#refs.every((x, n) => x === keys[n]);
  }

  /**
   * Starts downloading a job's saved images as soon as `executed` names them, while the server is
   * still finishing the prompt: each is on disk (under the name it gets when the job made just that
   * many images) before the job is done. A failed prefetch is simply retried by save().
   */
  prefetch(refs: ImageRef[]): void {
    const early = (this.#early ??= new Map());
    for (const ref of refs) {
      if (ref.type !== 'output' || early.has(refKey(ref))) continue;
      early.set(
        refKey(ref),
        this.#fetch(ref, early.size).catch(() => undefined),
      );
    }
  }

  async #fetch(ref: ImageRef, n: number): Promise<ImageFile> {
    await this.#folder.ready;
    return this.#download(ref, imageName(this.#cell.key, n, n + 1));
  }

  /** Streams one image from /view into the run folder, hashing it on the way: never whole in memory. */
  async #download(ref: ImageRef, name: string): Promise<ImageFile> {
    const { file, sha256, bytes, width, height } = await this.#client.viewTo(ref, () => openImageFile(this.#folder.dir, name));
    const size = width !== undefined && height !== undefined ? { width, height } : undefined;
    const note = tooLargeToDecode(size);
    return { file, sha256, bytes, ...size, ...(note ? { note } : {}) };
  }

  /** The job did not succeed: images saved early are not part of the record, so they go. */
  async discardEarly(): Promise<void> {
    const early = this.#early;
    if (!early) return;
    this.#early = undefined;
    for (const p of early.values()) {
      const file = (await p)?.file;
      if (file) await this.remove([file]);
    }
  }

  /** /history says the job did not succeed after all: the images recorded early go. */
  async discardRecorded(): Promise<void> {
    await this.remove(this.#cell.images.flatMap(filesOf));
    this.#cell.images = [];
    this.#refs = [];
  }

  async remove(files: string[]): Promise<void> {
    for (const f of files) await fs.rm(path.join(this.#folder.dir, f), { force: true }).catch(() => undefined);
  }

  /**
   * The job's images on disk under their final names: those saved early are kept (renamed when the
   * job made another number of images than assumed), the rest downloaded now, and any file saved
   * earlier for a ref that is not among them removed.
   */
  async save(refs: ImageRef[]): Promise<ImageFile[]> {
    if (!refs.length) throw new Error('The job finished but produced no image (is there a SaveImage node?).');
    const dir = this.#folder.dir;
    const have = new Map<string, ImageFile>();
    const early = this.#early;
    this.#early = undefined;
    for (const [k, p] of early ?? []) {
      const got = await p;
      if (got) have.set(k, got);
    }
    // Images recorded before (from the WebSocket) that /history now contradicts.
    this.#refs.forEach((k, n) => {
      const im = this.#cell.images[n];
      if (im && !have.has(k)) have.set(k, { ...im });
    });
    const keys = refs.map(refKey);
    const wanted = keys.map((_, n) => imageName(this.#cell.key, n, refs.length));
    // Renames go through a temporary name first, so one never lands on a file another still needs.
    const moves: { got: ImageFile; n: number; tmp: string }[] = [];
    for (const [n, k] of keys.entries()) {
      const got = have.get(k);
      if (got && stem(got.file) !== wanted[n]) {
        const tmp = `.${got.file}.${n}.moving.tmp`;
        await fs.rename(path.join(dir, got.file), path.join(dir, tmp));
        moves.push({ got, n, tmp });
      }
    }
    for (const { got, n, tmp } of moves) {
      const file = `${wanted[n]}${path.extname(got.file)}`;
      await fs.rename(path.join(dir, tmp), path.join(dir, file));
      if (got.thumb) await this.remove([got.thumb]);
      got.file = file;
      delete got.thumb;
    }
    const images: ImageFile[] = [];
    for (const [n, k] of keys.entries()) {
      const got = have.get(k) ?? (await this.#download(refs[n], wanted[n]));
      images.push(got);
    }
    const kept = new Set(images.map((im) => im.file));
    const stale = [...have.entries()].filter(([k, im]) => !keys.includes(k) && !kept.has(im.file));
    await this.remove(stale.flatMap(([, im]) => filesOf(im)));
    this.#refs = keys;
    return images;
  }
}

export interface ImageHandOffOptions {
  folder: PendingRunDir;
  /** Grid thumbnails of images bigger than one. */
  thumbnails: boolean;
  /** Convergence scores made as the images come in. */
  live: LiveScores | undefined;
  log: ILogger;
  /** A cell's images got thumbnails: its record changed. */
  onThumbs: (cell: CellRecord) => void;
}

/**
 * The work on a cell's new images (thumbnails, the reduction for scoring), one cell at a time after
 * it is recorded: never on a job's critical path.
 */
export class ImageHandOff {
  readonly #opts: ImageHandOffOptions;
  #queue: Promise<void> = Promise.resolve();

  constructor(opts: ImageHandOffOptions) {
    this.#opts = opts;
  }

  /** Queues the work on the cell's images behind the rest. */
  add(cell: CellRecord): void {
    for (const im of cell.images) if (im.note) this.#opts.log.warn(`Job ${cell.key}: ${im.file}: ${im.note}`);
    if (this.#opts.thumbnails || this.#opts.live?.wants(cell.key)) this.#queue = this.#queue.then(() => this.#work(cell));
  }

  /** Settles when all queued work is done. */
  idle(): Promise<void> {
    return this.#queue;
  }

  /** Makes the grid thumbnails of the cell's images and scores its first; a failure only leaves the grid
   * the full image, or the score to be made at the end. */
  async #work(cell: CellRecord): Promise<void> {
    const { thumbnails, live, log } = this.#opts;
    // Let the record update and any job message already waiting go first.
    await new Promise<void>((ok) => setImmediate(ok));
    let made = false;
    for (const [n, image] of cell.images.entries()) {
      // Known from the PNG header: an image no bigger than a thumbnail is shown as it is, so it is
      // not read back and decoded only to find that out (500 small images: ~25 MB of RSS).
      const small = image.width !== undefined && image.height !== undefined && Math.max(image.width, image.height) <= THUMB_SIDE;
      // Too large to decode (its note says so): the scores of its row are made without it.
      if (image.note) {
        if (n === 0 && live?.wants(cell.key)) await live.add(cell.key, image.sha256, undefined);
        continue;
      }
      const thumbSide = thumbnails && !small ? THUMB_SIDE : undefined;
      const prepare = n === 0 && live?.wants(cell.key) === true;
      if (thumbSide === undefined && !prepare) continue;
      try {
        const { thumb, prepared } = await imageWork(this.#opts.folder.dir, image.file, { thumbSide, prepare });
        if (thumb) {
          image.thumb = thumb;
          made = true;
        }
        if (prepare) await live!.add(cell.key, image.sha256, prepared);
      } catch (e) {
        log.debug(`No thumbnail or score of ${image.file} yet: ${userMessage(e)}`);
        if (prepare) await live!.add(cell.key, image.sha256, undefined);
      }
    }
    if (made) this.#opts.onThumbs(cell);
  }
}

/** An image's file and its thumbnail's, if it has one: what removing the image removes. */
function filesOf(im: ImageFile): string[] {
  return im.thumb ? [im.file, im.thumb] : [im.file];
}

/** File name (without extension) of image n of a job that made `count` images. */
function imageName(key: string, n: number, count: number): string {
  const base = safeSegment(key.replace('#', '-'), 'image');
  return count > 1 ? `${base}-${n + 1}` : base;
}

function stem(file: string): string {
  return file.slice(0, file.length - path.extname(file).length);
}

function refKey(ref: ImageRef): string {
  return `${ref.type ?? ''}/${ref.subfolder ?? ''}/${ref.filename}`;
}
