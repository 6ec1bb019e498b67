import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { HistoryEntry, ImageRef, JobOutcome, TimedMessage } from '../../../src/core/comfy/types';

export const FIXTURES = path.resolve(__dirname, '../../../../test/fixtures');

export interface TranscriptRow {
  kind: 'http' | 'ws' | 'ws_binary' | 'timeout';
  t_ms: number;
  [key: string]: any;
}

export function readTranscript(name: string): TranscriptRow[] {
  return readFileSync(path.join(FIXTURES, 'comfy', `${name}.jsonl`), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as TranscriptRow);
}

/** Prompt ids of the successful POST /prompt rows, in posting order. */
export function postedPromptIds(rows: TranscriptRow[]): string[] {
  return rows
    .filter((r) => r.kind === 'http' && r.method === 'POST' && r.path === '/prompt' && r.status === 200)
    .map((r) => r.body.prompt_id);
}

/** What a client would have collected for one prompt of a real transcript: its WS messages with the
 * recording client's receive times, and the /history entry it fetched. */
export function transcriptOutcome(rows: TranscriptRow[], promptId: string): JobOutcome {
  const post = rows.find((r) => r.kind === 'http' && r.method === 'POST' && r.path === '/prompt' && r.body?.prompt_id === promptId)!;
  const messages: TimedMessage[] = rows
    .filter((r) => r.kind === 'ws' && r.msg.data?.prompt_id === promptId)
    .map((r) => ({ at: r.t_ms, msg: r.msg }));
  const hist = rows.find((r) => r.kind === 'http' && r.path === `/history/${promptId}`);
  const history = hist?.body?.[promptId] as HistoryEntry | undefined;
  const images: ImageRef[] = Object.values(history?.outputs ?? {})
    .flatMap((o) => o.images ?? [])
    .filter((i) => i.type === 'output');
  const last = history?.status.messages.at(-1)?.[0];
  const out: JobOutcome = {
    promptId,
    number: post.body.number,
    status: last === 'execution_success' ? 'success' : last === 'execution_interrupted' ? 'interrupted' : 'error',
    postedAt: post.t_ms,
    acceptedAt: post.t_ms,
    messages,
    images,
  };
  if (history) out.history = history;
  return out;
}
