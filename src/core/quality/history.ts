// One line per run of a spec for the history list: when, where, what was swept, what it measured.
import { formatMs } from '../runs/format';
import type { RunRecord, RunStatus } from '../runs/types';
import { fixedSettings } from './exportTable';

export interface HistoryEntry {
  runDir: string;
  id: string;
  createdAt: string;
  status: RunStatus;
  server: string;
  gpu?: string;
  comfyuiVersion?: string;
  /** Settings every image shared, e.g. 'qwen-image-2512, seed 123456789, 1024×1024, …'. */
  settings: string;
  /** The swept columns, in plan order. */
  columns: string[];
  /** Headline figure per column: '20 steps 58.2 s'. */
  headline: string[];
  images: number;
  votes: number;
}

/** What the history list shows of one run (figures are warm means where there are any). */
export function historyEntry(runDir: string, record: RunRecord): HistoryEntry {
  const images = record.cells.filter((c) => c.images.length > 0).length;
  return {
    runDir,
    id: record.id,
    createdAt: record.createdAt,
    status: record.status,
    server: record.server?.url ?? '',
    ...(record.server?.gpu ? { gpu: record.server.gpu } : {}),
    ...(record.server?.comfyuiVersion ? { comfyuiVersion: record.server.comfyuiVersion } : {}),
    settings: fixedSettings(record).join(', '),
    columns: (record.stats ?? []).map((s) => s.column),
    headline: (record.stats ?? []).flatMap((s) => {
      const t = s.warm ?? s.all;
      return t ? [`${s.column} ${formatMs(t.mean)}`] : [];
    }),
    images,
    votes: record.ratings?.length ?? 0,
  };
}
