// The CLI run in this process (its main() with captured streams), on a spec file written to a temp folder.
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PassThrough } from 'node:stream';
import { main } from '../../../src/cli/main';
import { ROOT } from './specJobs';

/** A folder with `study.qwenprompt` (the lines given) and any graph files copied beside it. */
export function workspace(spec: string[], graphs: Record<string, string> = {}): { dir: string; file: string } {
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-workflow-'));
  for (const [name, from] of Object.entries(graphs)) copyFileSync(path.join(ROOT, from), path.join(dir, name));
  const file = path.join(dir, 'study.qwenprompt');
  writeFileSync(file, spec.join('\n') + '\n');
  return { dir, file };
}

export async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let o = '';
  let e = '';
  out.on('data', (d) => (o += d));
  err.on('data', (d) => (e += d));
  const code = await main(args, { out: out as never, err: err as never });
  return { code, out: o, err: e };
}
