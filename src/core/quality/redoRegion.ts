// "Redo this region": one image of a run inpainted at a few steps inside a drawn mask. The image and
// the mask go to the server as ComfyUI's own mask editor sends them (/upload/image, then /upload/mask
// naming it), the job's own graph is turned into its inpaint graph, and the result, the mask and the
// redo's timings land in the run folder and run.json beside the image they redo. Without a drawn mask
// the defect regions raters marked on the image (their rounds, ratings/) are the mask.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { PNG } from 'pngjs';
import { inpaintGraph } from '../comfy/inpaint';
import type { IComfyClient } from '../comfy/types';
import { annotatedName } from '../comfy/upload';
import { openImageFile } from '../runs/imageFile';
import { readRunRecord, writeFileAtomic, writeRunRecord } from '../runs/record';
import { safeSegment } from '../runs/runFolders';
import { priceCells } from '../runs/freshCost';
import { measureJob } from '../runs/timing';
import { withRounds } from './rounds';
import { regionPixels, regionsByCell } from '../../shared/regions';
import type { CellRecord, DefectRegion, RegionRedo, RunRecord } from '../../shared/runRecord';

/** The client as a redo needs it: jobs and the two upload routes. */
export type RedoClient = Pick<IComfyClient, 'submit' | 'viewTo' | 'uploadImage' | 'uploadMask'>;

export interface RedoRequest {
  cell: string;
  /** PNG of the image's size; alpha 0 where the image is to be redrawn. Absent: the marked defect regions. */
  mask?: Uint8Array;
  steps: number;
}

/** Where the server keeps our uploads (its input folder). */
const UPLOAD_FOLDER = 'qwenprompt';

/** The mask of some defect regions on a `width` × `height` image: alpha 0 inside every box. */
export function regionsMask(regions: readonly DefectRegion[], width: number, height: number): Uint8Array {
  const png = new PNG({ width, height });
  png.data.fill(255);
  for (const b of regionPixels(regions, width, height))
    for (let y = b.y; y < b.y + b.h; y++) for (let x = b.x; x < b.x + b.w; x++) png.data[(y * width + x) * 4 + 3] = 0;
  return new Uint8Array(PNG.sync.write(png));
}

/** The box around the pixels whose alpha is below half; undefined when none is. */
export function maskRegion(mask: Uint8Array): { region: RegionRedo['region']; width: number; height: number } | undefined {
  const png = PNG.sync.read(Buffer.from(mask));
  let x0 = png.width;
  let y0 = png.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < png.height; y++)
    for (let x = 0; x < png.width; x++) {
      if (png.data[(y * png.width + x) * 4 + 3] >= 128) continue;
      x0 = Math.min(x0, x);
      y0 = Math.min(y0, y);
      x1 = Math.max(x1, x);
      y1 = Math.max(y1, y);
    }
  if (x1 < 0) return undefined;
  return { region: { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 }, width: png.width, height: png.height };
}

/**
 * Redoes the region; returns the record with the redo added. Refused while the run is still being
 * written (`live`), for a cell without an image or graph, and for a mask that masks nothing or does
 * not have the image's size.
 */
export async function redoRegion(
  client: RedoClient,
  runDir: string,
  req: RedoRequest,
  opts: { live: boolean; now?: Date },
): Promise<{ record: RunRecord; redo: RegionRedo }> {
  const record = await readRunRecord(runDir);
  if (opts.live) throw new Error('The run is still going: redo a region once it has finished.');
  const cell = record.cells.find((c) => c.key === req.cell);
  const image = cell?.images[0];
  if (!cell || !image || !cell.graph) throw new Error(`"${req.cell}" has no image and graph in this run to redo.`);
  if (!Number.isInteger(req.steps) || req.steps < 1 || req.steps > 10000) throw new Error('Steps must be a whole number from 1 to 10000.');
  let mask = req.mask;
  if (!mask) {
    const marked = regionsByCell((await withRounds(runDir, record)).ratings).get(cell.key) ?? [];
    if (!marked.length || !image.width || !image.height)
      throw new Error('No mask drawn, and no rater marked a defect region on this image.');
    mask = regionsMask(marked, image.width, image.height);
  }
  const drawn = maskRegion(mask);
  if (!drawn) throw new Error('The mask covers nothing: draw the region to redo first.');
  if (image.width !== undefined && (drawn.width !== image.width || drawn.height !== image.height)) {
    throw new Error(`The mask is ${drawn.width}×${drawn.height} but the image is ${image.width}×${image.height}.`);
  }
  const at = (opts.now ?? new Date()).toISOString();
  const id = safeSegment(`redo-${cell.key}-${at.replace(/[:.]/g, '-')}`, 'redo');
  const original = await fs.readFile(path.join(runDir, image.file));
  const up = await client.uploadImage(original, `${id}.png`, { subfolder: UPLOAD_FOLDER });
  const masked = await client.uploadMask(mask, `${id}-masked.png`, up, { subfolder: UPLOAD_FOLDER });
  const graph = inpaintGraph(cell.graph, { image: annotatedName(masked), steps: req.steps, filenamePrefix: `${UPLOAD_FOLDER}/redo` });
  const job = await client.submit(graph, { previewMethod: 'none' });
  const outcome = await job.done;
  if (outcome.status !== 'success' || !outcome.images[0]) {
    throw new Error(`The redo did not finish: ${outcome.error ?? outcome.status}.`);
  }
  const sampler = Object.entries(graph).find(([, n]) => /^KSampler|^SamplerCustom/.test(n.class_type))?.[0] ?? '';
  const loaders = Object.entries(graph)
    .filter(([, n]) => /Loader/.test(n.class_type))
    .map(([k]) => k);
  const timings = measureJob(outcome, { samplerNode: sampler, loaderNodes: loaders, classOf: (n) => graph[n]?.class_type, graph });
  if (timings) {
    // Priced as the run's cells are: the prompt's encoders it took from the cache cost what the run's jobs paid for them.
    const self: CellRecord = { key: id, axes: {}, column: '', repeat: 0, seed: cell.seed, status: 'success', images: [], graph, timings };
    if (cell.server !== undefined) self.server = cell.server;
    priceCells([...record.cells, self]);
  }
  const saved = await client.viewTo(outcome.images[0], () => openImageFile(runDir, id));
  const maskFile = `${id}-mask.png`;
  await writeFileAtomic(path.join(runDir, maskFile), mask);
  const redo: RegionRedo = {
    id,
    cell: cell.key,
    steps: req.steps,
    image: { file: saved.file, sha256: saved.sha256, bytes: saved.bytes, width: saved.width, height: saved.height },
    mask: maskFile,
    region: drawn.region,
    ...(timings ? { timings } : {}),
    // The full re-run's cost: its fresh cost (reused nodes priced in), not what its job happened to run.
    ...(cell.timings && !cell.timings.cached ? { fullMs: cell.timings.fresh?.ms ?? cell.timings.executionMs } : {}),
    promptId: job.promptId,
    graph,
    at,
  };
  // Read again just before writing: ratings saved meanwhile are kept (they live in files of their own,
  // but the record may have been rewritten by a resume that has finished since).
  const latest = await readRunRecord(runDir);
  const next: RunRecord = { ...latest, redos: [...(latest.redos ?? []), redo] };
  await writeRunRecord(runDir, next);
  return { record: next, redo };
}
