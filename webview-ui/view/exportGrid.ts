// Layout of the grid exported as one PNG: pure geometry and text, drawn by render/exportGrid.ts.
import { cellTime, gridLayout, rowLabel, tooLargeToShow } from './cells';
import { cellSettings } from './settings';
import type { CellRecord, RunRecord } from '../../src/shared/runRecord';

export interface GridTile {
  key: string;
  /** The image to draw; undefined when there is none or it is too large to load (`missing` says so). */
  file?: string;
  /** Drawn in place of a missing image. */
  missing: string;
  x: number;
  y: number;
  size: number;
  /** Under the image: the setting and the time, so a cropped tile still says what it is. */
  label: string;
}

export interface GridPicture {
  width: number;
  height: number;
  title: string;
  subtitle: string;
  columns: { text: string; x: number; y: number; width: number }[];
  rows: { text: string; x: number; y: number; width: number }[];
  tiles: GridTile[];
  legend: string[];
  legendY: number;
  lineHeight: number;
}

const PAD = 24;
const ROW_HEAD = 150;
const GAP = 12;
const HEAD = 28;
const LABEL = 26;
const LINE = 20;

/** The settings every image shares, in words: what the axis headers leave out. */
export function legendLines(record: RunRecord): string[] {
  const first = record.cells[0];
  if (!first) return [];
  const swept = new Set(record.cells.flatMap((c) => Object.keys(c.axes)).map((k) => k.toLowerCase()));
  const fixed = cellSettings(first, record.spec.resolved).filter(
    ([label]) => !swept.has(label.toLowerCase()) && !['Seed', 'Prompt', 'Negative'].includes(label),
  );
  const seeds = [...new Set(record.cells.map((c) => c.seed))];
  const lines = [fixed.map(([k, v]) => `${k} ${v}`).join(' · ')];
  lines.push(seeds.length === 1 ? `Seed ${seeds[0]}` : `Seeds ${seeds.join(', ')} (one per row)`);
  const prompt = cellSettings(first, record.spec.resolved).find(([k]) => k === 'Prompt')?.[1];
  if (prompt) lines.push(`Prompt: ${prompt.length > 160 ? `${prompt.slice(0, 157)}…` : prompt}`);
  const server = [record.server.gpu, record.server.comfyuiVersion && `ComfyUI ${record.server.comfyuiVersion}`].filter(Boolean).join(' · ');
  lines.push(`${server ? `${server} · ` : ''}run ${record.id}`);
  return lines.filter(Boolean);
}

/** Tiles of `tile` px for every cell, axis headers above and left, the legend below. */
export function gridPicture(record: RunRecord, tile = 320): GridPicture {
  const layout = gridLayout(record.cells);
  const byKey = new Map<string, CellRecord>(record.cells.map((c) => [c.key, c]));
  const top = PAD + 56;
  const left = PAD + ROW_HEAD;
  const cellH = tile + LABEL;
  const columns = layout.columns.map((c, i) => ({ text: c.column, x: left + i * (tile + GAP), y: top, width: tile }));
  const rows = layout.rows.map((r, i) => ({ text: rowLabel(r), x: PAD, y: top + HEAD + i * (cellH + GAP), width: ROW_HEAD - GAP }));
  const tiles: GridTile[] = [];
  layout.keys.forEach((keys, r) =>
    keys.forEach((key, c) => {
      const cell = key ? byKey.get(key) : undefined;
      if (!cell) return;
      tiles.push({
        key: cell.key,
        file: tooLargeToShow(cell.images[0]) ? undefined : cell.images[0]?.file,
        missing: tooLargeToShow(cell.images[0]) ?? 'no image',
        x: left + c * (tile + GAP),
        y: top + HEAD + r * (cellH + GAP),
        size: tile,
        label: `${cell.column} · ${cellTime(cell)}`,
      });
    }),
  );
  const legend = legendLines(record);
  const gridBottom = top + HEAD + layout.rows.length * (cellH + GAP);
  const width = Math.max(left + layout.columns.length * (tile + GAP) - GAP + PAD, 720);
  return {
    width,
    height: gridBottom + 8 + legend.length * LINE + PAD,
    title: record.spec.name,
    subtitle: new Date(record.createdAt).toISOString().slice(0, 16).replace('T', ' ') + ' UTC',
    columns,
    rows,
    tiles,
    legend,
    legendY: gridBottom + 8,
    lineHeight: LINE,
  };
}
