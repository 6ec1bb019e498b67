// `qwenprompt rate-pack`: the run's images in one self-contained page for blind rating in a browser.
import * as path from 'node:path';
import { safeSegment } from '../runs/runFolders';
import { writeFileAtomic } from '../runs/record';
import type { RunRecord } from '../../shared/runRecord';
import { dataUrl, standaloneHtml } from './standalonePage';

/** What the page carries (the webview's PackData): cells without graphs or timings, images inlined. */
export async function packData(runDir: string, record: RunRecord): Promise<{ data: unknown; images: number }> {
  const cells = record.cells
    .filter((c) => c.images.length > 0 && (c.status === 'success' || c.status === 'cached'))
    .map((c) => ({
      key: c.key,
      axes: c.axes,
      column: c.column,
      repeat: c.repeat,
      seed: c.seed,
      status: c.status,
      images: [{ file: c.images[0].file }],
    }));
  const images: Record<string, string> = {};
  for (const c of cells) {
    const url = await dataUrl(runDir, c.images[0].file);
    if (url) images[c.images[0].file] = url;
  }
  const usable = cells.filter((c) => images[c.images[0].file]);
  if (!usable.length) throw new Error(`The run in ${runDir} has no image on disk to rate.`);
  return { data: { run: record.id, spec: record.spec.name, cells: usable, images }, images: usable.length };
}

/** Writes the page (default: rate-<spec>-<run>.html in the run folder) and says where and how big. */
export async function writeRatePack(
  runDir: string,
  record: RunRecord,
  out?: string,
): Promise<{ file: string; images: number; bytes: number }> {
  const { data, images } = await packData(runDir, record);
  const html = await standaloneHtml({ title: `Rate: ${record.spec.name}`, scripts: ['ratePack'], style: 'ratePack', data: { pack: data } });
  const file = out ?? path.join(runDir, `rate-${safeSegment(record.spec.id)}-${safeSegment(record.id)}.html`);
  await writeFileAtomic(file, html);
  return { file, images, bytes: Buffer.byteLength(html) };
}
