// `qwenprompt redo RUN_DIR --cell KEY --mask MASK.png [--steps N]`: the panel's "Redo this region" from
// the command line. The redo goes to the server that made the image (its cache still holds the loaded
// models and the encoded prompt), lands in the run folder and in run.json beside the image it redoes.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { PNG } from 'pngjs';
import { ComfyClient } from '../core/comfy/client';
import { readRunRecord } from '../core/runs/record';
import { redoRegion } from '../core/quality/redoRegion';
import { runDirOfArg } from '../core/runs/runFolders';
import { formatMs, redoMs } from '../shared/format';
import type { RunRecord } from '../shared/runRecord';
import { EXIT, parsePositiveInt, UsageError, type CliIo } from './usage';

const HOW = 'qwenprompt redo RUN_DIR --cell KEY --mask MASK.png [--steps N] [--server URL]';

/**
 * The mask as the redo sends it (alpha 0 where the image is redrawn, as ComfyUI's mask editor saves
 * it). A mask with transparency is taken as it is; an opaque one is read as black and white, white
 * (light) where the image is redrawn, as most painting programs save a mask.
 */
export function maskFromFile(bytes: Uint8Array): Uint8Array {
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes));
  } catch (e) {
    throw new UsageError(`The mask is not a PNG: ${(e as Error).message}.`);
  }
  let transparent = false;
  for (let i = 3; i < png.data.length; i += 4) if (png.data[i] < 255) transparent = true;
  if (transparent) return bytes;
  for (let i = 0; i < png.data.length; i += 4) {
    const light = (png.data[i] * 299 + png.data[i + 1] * 587 + png.data[i + 2] * 114) / 1000;
    png.data[i + 3] = light >= 128 ? 0 : 255;
  }
  return PNG.sync.write(png);
}

/** The cell a `--cell` names: its key, or its image's file name. */
function cellOf(record: RunRecord, which: string): string {
  const cell = record.cells.find((c) => c.key === which || c.images.some((i) => i.file === which || path.basename(i.file) === which));
  if (cell) return cell.key;
  const some = record.cells
    .filter((c) => c.images.length)
    .slice(0, 6)
    .map((c) => c.key);
  throw new UsageError(
    `The run has no cell "${which}"${some.length ? ` (its cells: ${some.join(', ')}${record.cells.length > 6 ? ', …' : ''})` : ''}.`,
  );
}

/** The server that made the cell (a pool run names it), else the run's. */
function serverOf(record: RunRecord, key: string): string {
  const cell = record.cells.find((c) => c.key === key);
  return record.servers?.find((s) => s.name === cell?.server)?.url ?? record.server.url;
}

export async function redoCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        cell: { type: 'string' },
        mask: { type: 'string' },
        steps: { type: 'string', default: '20' },
        server: { type: 'string' },
        'token-env': { type: 'string', default: 'QWENPROMPT_TOKEN' },
        json: { type: 'boolean', default: false },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values: o, positionals } = parsed;
  if (positionals.length !== 1 || !o.cell || !o.mask) throw new UsageError(`redo needs a run folder, a cell and a mask: ${HOW}.`);
  const steps = parsePositiveInt(o.steps!, '--steps');
  const dir = runDirOfArg(positionals[0]);
  const record = await readRunRecord(dir).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot read the run in ${dir}: ${e.code === 'ENOENT' ? 'no run.json there' : e.message}`);
  });
  if (record.status === 'running') {
    throw new UsageError(
      `The run in ${dir} is not finished (run.json says running): let it end, or finish it with qwenprompt run --resume ${dir}.`,
    );
  }
  const key = cellOf(record, o.cell);
  const maskBytes = await fs.readFile(path.resolve(o.mask)).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot read the mask ${o.mask}: ${e.code === 'ENOENT' ? 'no such file' : e.message}.`);
  });
  const mask = maskFromFile(maskBytes);
  const client = new ComfyClient({ baseUrl: o.server ?? serverOf(record, key), token: process.env[o['token-env']!] || undefined });
  try {
    const { redo } = await redoRegion(client, dir, { cell: key, mask, steps }, { live: false }).catch((e: Error) => {
      if (/covers nothing|mask is \d|no image and graph|Steps must/.test(e.message)) throw new UsageError(e.message);
      throw e;
    });
    const took = redoMs(redo);
    const full = redo.fullMs;
    const r = redo.region;
    io.err.write(
      `Redid ${r.width}×${r.height} px at (${r.x}, ${r.y}) of ${key} at ${steps} steps` +
        (took !== undefined ? ` in ${formatMs(took)}` : '') +
        (took !== undefined && full ? ` (the full image took ${formatMs(full)}: ${Math.round((took / full) * 100)} % of it)` : '') +
        '.\n',
    );
    io.out.write(o.json ? `${JSON.stringify({ ...redo, graph: undefined })}\n` : `${path.join(dir, redo.image.file)}\n`);
    return EXIT.ok;
  } finally {
    client.close();
  }
}
