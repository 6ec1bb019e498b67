// Draws the grid as one PNG on a canvas from the images the panel shows, laid out as the panel's
// grid: axis headers, a label under every image (time, full seed, scores) and a legend with the
// fixed settings. Light colours whatever the theme: the picture is for sharing, outside VS Code.
import { imageUrl } from '../view/cells';
import { gridPicture } from '../view/exportGrid';
import type { LayoutChoice } from '../../src/shared/gridLayout';
import { regionPixels, type RatedRegion } from '../../src/shared/regions';
import type { RunRecord } from '../../src/shared/runRecord';

const FONT = 'system-ui, -apple-system, "Segoe UI", sans-serif';

function load(url: string): Promise<HTMLImageElement | undefined> {
  return new Promise((ok) => {
    const img = new Image();
    img.crossOrigin = 'anonymous';
    img.onload = () => ok(img);
    img.onerror = () => ok(undefined);
    img.src = url;
  });
}

/** Text cut to `width` px with an ellipsis. */
function fit(ctx: CanvasRenderingContext2D, text: string, width: number): string {
  if (ctx.measureText(text).width <= width) return text;
  let t = text;
  while (t.length > 1 && ctx.measureText(`${t}…`).width > width) t = t.slice(0, -1);
  return `${t}…`;
}

/** Defect boxes over an image drawn at (x, y) in w × h, each with its word. */
function drawRegions(ctx: CanvasRenderingContext2D, regions: readonly RatedRegion[], x: number, y: number, w: number, hh: number): void {
  ctx.save();
  ctx.lineWidth = 2;
  ctx.font = `600 12px ${FONT}`;
  regionPixels(regions, w, hh).forEach((b, i) => {
    ctx.strokeStyle = '#e8912d';
    ctx.strokeRect(x + b.x, y + b.y, b.w, b.h);
    const word = regions[i].word;
    ctx.fillStyle = '#e8912d';
    ctx.fillRect(x + b.x, y + b.y, ctx.measureText(word).width + 8, 16);
    ctx.fillStyle = '#ffffff';
    ctx.fillText(word, x + b.x + 4, y + b.y + 12);
  });
  ctx.restore();
}

export async function renderGridPng(
  record: RunRecord,
  imageBase: string,
  layout?: Partial<LayoutChoice>,
  tile = 320,
  regions?: ReadonlyMap<string, readonly RatedRegion[]>,
): Promise<Uint8Array> {
  const pic = gridPicture(record, tile, layout);
  const canvas = document.createElement('canvas');
  canvas.width = pic.width;
  canvas.height = pic.height;
  const ctx = canvas.getContext('2d');
  if (!ctx) throw new Error('This webview cannot draw on a canvas.');
  ctx.fillStyle = '#ffffff';
  ctx.fillRect(0, 0, pic.width, pic.height);
  ctx.textBaseline = 'alphabetic';
  ctx.fillStyle = '#1f2328';
  ctx.font = `600 22px ${FONT}`;
  ctx.fillText(fit(ctx, pic.title, pic.width - 48), 24, 24 + 22);
  ctx.fillStyle = '#59636e';
  ctx.font = `13px ${FONT}`;
  ctx.fillText(pic.subtitle, 24, 24 + 42);
  for (const t of pic.texts) {
    ctx.font = t.kind === 'row' ? `13px ${FONT}` : t.kind === 'block' ? `600 18px ${FONT}` : `600 15px ${FONT}`;
    ctx.fillStyle = t.kind === 'row' ? '#59636e' : '#1f2328';
    ctx.fillText(fit(ctx, t.text, t.width), t.x, t.y + 18);
    if (t.kind === 'column' || t.kind === 'group') {
      ctx.fillStyle = t.kind === 'column' ? '#0969da' : '#d0d7de';
      ctx.fillRect(t.x, t.y + 24, t.width, t.kind === 'column' ? 2 : 1);
    }
  }
  const images = await Promise.all(pic.tiles.map((t) => (t.file ? load(imageUrl(imageBase, t.file)) : Promise.resolve(undefined))));
  pic.tiles.forEach((t, i) => {
    const img = images[i];
    ctx.fillStyle = '#f0f2f4';
    ctx.fillRect(t.x, t.y, t.size, t.size);
    if (img) {
      // Contain: a non-square image keeps its shape, centred in its square.
      const s = Math.min(t.size / img.naturalWidth, t.size / img.naturalHeight);
      const w = img.naturalWidth * s;
      const hh = img.naturalHeight * s;
      ctx.drawImage(img, t.x + (t.size - w) / 2, t.y + (t.size - hh) / 2, w, hh);
      drawRegions(ctx, regions?.get(t.key) ?? [], t.x + (t.size - w) / 2, t.y + (t.size - hh) / 2, w, hh);
    } else {
      ctx.fillStyle = '#8c959f';
      ctx.font = `13px ${FONT}`;
      ctx.fillText(fit(ctx, t.missing, t.size - 24), t.x + 12, t.y + t.size / 2);
    }
    t.label.forEach((line, n) => {
      ctx.fillStyle = n === 0 ? '#1f2328' : '#59636e';
      ctx.font = n === 0 ? `600 13px ${FONT}` : `13px ${FONT}`;
      ctx.fillText(fit(ctx, line, t.size), t.x, t.y + t.size + 18 + n * pic.lineHeight);
    });
  });
  ctx.fillStyle = '#59636e';
  ctx.font = `13px ${FONT}`;
  pic.legend.forEach((line, i) => ctx.fillText(fit(ctx, line, pic.width - 48), 24, pic.legendY + (i + 1) * pic.lineHeight));
  // toBlob throws for a tainted canvas: the error reaches the user instead of an empty file.
  const blob = await new Promise<Blob | null>((ok) => canvas.toBlob(ok, 'image/png'));
  if (!blob) throw new Error('The grid could not be encoded as PNG.');
  return new Uint8Array(await blob.arrayBuffer());
}
