// One line per run of a spec for the history list: when, where, what was swept, what it measured.
import { formatMs } from '../../shared/format';
import type { RunHistoryEntry } from '../../shared/history';
import type { RunRecord } from '../../shared/runRecord';
import { fixedSettings } from './exportTable';

/** What the history list shows of one run (figures are warm means where there are any). */
export function historyEntry(runDir: string, record: RunRecord): RunHistoryEntry {
  const images = record.cells.filter((c) => c.images.length > 0).length;
  const first = record.cells.find((c) => c.images.length > 0)?.images[0];
  return {
    ...(first ? { thumb: first.thumb ?? first.file } : {}),
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
