// The study's commands: ratings per rater with agreement, the rate pack for outside raters,
// importing what they downloaded, and the report.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { ratingsMarkdown } from '../core/quality/agreementText';
import { importRatings } from '../core/quality/importRatings';
import { qualitySummary } from '../core/quality/ratings';
import { readRounds, withRounds } from '../core/quality/rounds';
import { writeRatePack } from '../core/quality/ratePack';
import { writeReport } from '../core/report/writeReport';
import { readRunRecord } from '../core/runs/record';
import { runDirOfArg } from '../core/runs/runFolders';
import type { RunRecord } from '../shared/runRecord';
import { EXIT, UsageError, type CliIo } from './usage';

async function readRun(arg: string): Promise<{ dir: string; record: RunRecord }> {
  const dir = runDirOfArg(arg);
  const record = await readRunRecord(dir).catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`Cannot read the run in ${dir}: ${e.code === 'ENOENT' ? 'no run.json there' : e.message}`);
  });
  return { dir, record };
}

function parse(args: string[], options: Record<string, { type: 'string' }>): ReturnType<typeof parseArgs> {
  try {
    return parseArgs({ args, allowPositionals: true, options });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

/** `ratings RUN_DIR`: pooled and per-rater means with 95 % intervals and Krippendorff's alpha. */
export async function ratingsCommand(args: string[], io: CliIo): Promise<number> {
  if (args.length !== 1 || args[0].startsWith('-')) throw new UsageError('ratings needs one run folder: qwenprompt ratings RUN_DIR.');
  const { dir, record } = await readRun(args[0]);
  const { bad } = await readRounds(dir);
  for (const b of bad) io.err.write(`qwenprompt: ${b.file} left out: ${b.error}\n`);
  io.out.write(ratingsMarkdown(qualitySummary(await withRounds(dir, record))));
  return EXIT.ok;
}

/** `rate-pack RUN_DIR [--out FILE]`: the blind rating page for someone without VS Code. */
export async function ratePackCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: 'string' } });
  if (positionals.length !== 1) throw new UsageError('rate-pack needs one run folder: qwenprompt rate-pack RUN_DIR [--out FILE].');
  const { dir, record } = await readRun(positionals[0]);
  const out = typeof values.out === 'string' ? path.resolve(values.out) : undefined;
  const written = await writeRatePack(dir, record, out);
  io.err.write(`${written.images} image(s), ${(written.bytes / 1e6).toFixed(1)} MB\n`);
  io.out.write(`${written.file}\n`);
  return EXIT.ok;
}

/** `import-ratings FILE RUN_DIR [--rater NAME]`: a downloaded round becomes a round of the run. */
export async function importRatingsCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { rater: { type: 'string' } });
  if (positionals.length !== 2)
    throw new UsageError('import-ratings needs a ratings file and a run folder: qwenprompt import-ratings FILE RUN_DIR.');
  const { dir } = await readRun(positionals[1]);
  const rater = typeof values.rater === 'string' ? values.rater : undefined;
  const done = await importRatings(path.resolve(positionals[0]), dir, rater);
  io.err.write(`${done.round.votes.length} vote(s) by ${done.round.rater} added as ${path.relative(dir, done.file)}\n`);
  io.out.write(ratingsMarkdown(qualitySummary(done.record)));
  return EXIT.ok;
}

/** `report RUN_DIR [RUN_DIR…] --out DIR`: report.md and report.html (the panel, offline) with the images beside them. */
export async function reportCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parse(args, { out: { type: 'string' } });
  if (!positionals.length || typeof values.out !== 'string')
    throw new UsageError('report needs run folders and where to write: qwenprompt report RUN_DIR [RUN_DIR…] --out DIR.');
  const dirs: string[] = [];
  for (const arg of positionals) dirs.push((await readRun(arg)).dir);
  const done = await writeReport(dirs, path.resolve(values.out));
  io.err.write(`${dirs.length} run(s), ${done.images} image(s)\n`);
  io.out.write(`${done.markdown}\n${done.html}\n`);
  return EXIT.ok;
}
