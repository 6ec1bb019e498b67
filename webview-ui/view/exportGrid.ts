// Layout of the grid exported as one PNG: pure geometry and text, drawn by render/exportGrid.ts.
import { axisName, planGrid, type LayoutChoice } from '../../src/shared/gridLayout';
import { cellTime, tooLargeToShow } from './cells';
import { cellScoreText } from './convergence';
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
  /** Under the image: its time, then its full seed and scores, so a cropped tile still says what it is. */
  label: string[];
}

/** One piece of text: a grid's title, a column header (underlined over `width`), a row group, a row head. */
export interface GridText {
  text: string;
  x: number;
  /** Top of the text's line. */
  y: number;
  width: number;
  kind: 'block' | 'column' | 'group' | 'row';
}

export interface GridPicture {
  width: number;
  height: number;
  title: string;
  subtitle: string;
  texts: GridText[];
  tiles: GridTile[];
  legend: string[];
  legendY: number;
  lineHeight: number;
}

const PAD = 24;
const ROW_HEAD = 170;
const GAP = 12;
const HEAD = 28;
const LINE = 20;
const LABEL_LINES = 2;

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
  lines.push(seeds.length === 1 ? `Seed ${seeds[0]}` : `Seeds ${seeds.join(', ')}`);
  const prompt = cellSettings(first, record.spec.resolved).find(([k]) => k === 'Prompt')?.[1];
  if (prompt) lines.push(`Prompt: ${prompt.length > 160 ? `${prompt.slice(0, 157)}…` : prompt}`);
  const server = [record.server.gpu, record.server.comfyuiVersion && `ComfyUI ${record.server.comfyuiVersion}`].filter(Boolean).join(' · ');
  lines.push(`${server ? `${server} · ` : ''}run ${record.id}`);
  return lines.filter(Boolean);
}

/** "Across steps · down cfg, seeds · one grid per sampler": how to read the picture. */
export function layoutLine(layout: LayoutChoice): string {
  const names = (l: string[]) => l.map(axisName).join(', ');
  return [
    layout.x.length && `across ${names(layout.x)}`,
    layout.y.length && `down ${names(layout.y)}`,
    layout.z.length && `one grid per ${names(layout.z)}`,
  ]
    .filter(Boolean)
    .join(' · ');
}

/** Tiles of `tile` px for every cell, laid out as the panel's grid: one grid per z value, stacked, with
 * their column headers above, row group headings and row heads on the left, the legend below. */
export function gridPicture(record: RunRecord, tile = 320, choice?: Partial<LayoutChoice>): GridPicture {
  const plan = planGrid(record.cells, choice);
  const byKey = new Map<string, CellRecord>(record.cells.map((c) => [c.key, c]));
  const hasRows = plan.blocks.some((b) => b.rows.some((r) => r.label !== ''));
  const left = PAD + (hasRows ? ROW_HEAD : 0);
  const colX = (i: number) => left + i * (tile + GAP);
  const cellH = tile + 8 + LABEL_LINES * LINE;
  const texts: GridText[] = [];
  const tiles: GridTile[] = [];
  let y = PAD + 56 + LINE;
  for (const block of plan.blocks) {
    if (block.title) {
      texts.push({ text: block.title, x: PAD, y, width: colX(plan.columns) - PAD, kind: 'block' });
      y += HEAD + 4;
    }
    for (const level of block.columnHeads) {
      for (const s of level) texts.push({ text: s.text, x: colX(s.start), y, width: s.span * (tile + GAP) - GAP, kind: 'column' });
      y += HEAD;
    }
    for (const row of block.rows) {
      for (const g of row.groups) {
        texts.push({ text: g, x: PAD, y: y + 4, width: colX(plan.columns) - PAD, kind: 'group' });
        y += HEAD;
      }
      if (row.label) texts.push({ text: row.label, x: PAD, y: y + 4, width: ROW_HEAD - GAP, kind: 'row' });
      row.keys.forEach((key, c) => {
        const cell = key ? byKey.get(key) : undefined;
        if (!cell) return;
        const score = cellScoreText(cell);
        tiles.push({
          key: cell.key,
          file: tooLargeToShow(cell.images[0]) ? undefined : cell.images[0]?.file,
          missing: tooLargeToShow(cell.images[0]) ?? 'no image',
          x: colX(c),
          y,
          size: tile,
          label: [`${cellTime(cell)}`, `seed ${cell.seed}${score ? ` · ${score}` : ''}`],
        });
      });
      y += cellH + GAP;
    }
    y += HEAD;
  }
  const legend = legendLines(record);
  const width = Math.max(colX(plan.columns) - GAP + PAD, 720);
  return {
    width,
    height: y + 8 + legend.length * LINE + PAD,
    title: record.spec.name,
    subtitle: `${new Date(record.createdAt).toISOString().slice(0, 16).replace('T', ' ')} UTC · ${layoutLine(plan.layout)}`,
    texts,
    tiles,
    legend,
    legendY: y + 8,
    lineHeight: LINE,
  };
}
