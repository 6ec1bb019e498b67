import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { ByteSink } from '../comfy/types';
import { pngSize, sniffImage, type ImageKind } from '../../shared/image';
import { tempPath } from './record';
import { safeSegment } from './runFolders';

/** An image file written into a run folder, as the record lists it. */
export interface SavedImageFile {
  file: string;
  kind: ImageKind;
  sha256: string;
  bytes: number;
  width?: number;
  height?: number;
}

/**
 * A sink that writes a downloaded image into the run folder as it streams: hashed and counted on the
 * way, into a hidden temp file renamed on close to `<baseName>.<png|jpg|webp>` (a name the client
 * chose: the server's file name is never a path; the kind is read from its first bytes), removed on
 * abort. No fsync: a killed process never leaves a torn image (the page cache outlives it), and after
 * an OS crash a torn one fails its recorded sha256, so `--resume` makes it again. The fsync cost
 * 4–60 ms per image under load, on every job's path to the user; run.json is still flushed.
 */
export async function openImageFile(runDir: string, baseName: string): Promise<ByteSink<SavedImageFile>> {
  const safe = safeSegment(baseName, 'image');
  const tmp = tempPath(runDir, safe);
  const handle = await fs.open(tmp, 'w');
  const hash = createHash('sha256');
  let head = new Uint8Array(0);
  let bytes = 0;
  let open = true;
  // Chunks are gathered into larger writes that run while the download goes on: awaiting a disk
  // write per 64 KB chunk would pace the download by the thread pool (slow when the machine is busy).
  let batch: Uint8Array[] = [];
  let batched = 0;
  let writing: Promise<void> = Promise.resolve();
  let inFlight = 0;
  const flush = () => {
    if (!batched) return;
    const data = batch.length === 1 ? batch[0] : Buffer.concat(batch);
    batch = [];
    batched = 0;
    inFlight += data.byteLength;
    writing = writing.then(async () => {
      await handle.writeFile(data);
      inFlight -= data.byteLength;
    });
  };
  return {
    async write(chunk) {
      if (head.byteLength < IMAGE_HEAD) head = Buffer.concat([head, chunk.subarray(0, IMAGE_HEAD - head.byteLength)]);
      hash.update(chunk);
      bytes += chunk.byteLength;
      batch.push(chunk);
      batched += chunk.byteLength;
      if (batched >= WRITE_CHUNK) flush();
      // Bounded: a disk slower than the network makes the download wait, not the memory grow.
      if (inFlight > MAX_IN_FLIGHT) await writing;
    },
    async close() {
      flush();
      open = false;
      try {
        await writing;
      } finally {
        await handle.close();
      }
      try {
        const kind = sniffImage(head);
        if (!kind) throw new Error('The server sent bytes that are not a PNG, JPEG or WebP image.');
        const file = `${safe}.${kind === 'jpeg' ? 'jpg' : kind}`;
        await fs.rename(tmp, path.join(runDir, file));
        return { file, kind, sha256: hash.digest('hex'), bytes, ...pngSize(head) };
      } catch (e) {
        await fs.rm(tmp, { force: true });
        throw e;
      }
    },
    async abort() {
      if (open) {
        open = false;
        await writing.catch(() => undefined);
        await handle.close().catch(() => undefined);
      }
      await fs.rm(tmp, { force: true });
    },
  };
}

/** Bytes of an image's start kept by openImageFile: the kind and a PNG's IHDR size. */
const IMAGE_HEAD = 24;
/** openImageFile's write size, and how much it lets wait for the disk before the download waits. */
const WRITE_CHUNK = 512 * 1024;
const MAX_IN_FLIGHT = 4 * 1024 * 1024;

export function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
