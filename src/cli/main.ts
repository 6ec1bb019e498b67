import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ComfyClient } from '../core/comfy/client';
import { parseArgs } from 'node:util';
import { isComfyError, userMessage } from '../core/comfy/errors';
import { describeLoaded, loadWorkflow, objectInfoProvider, type ObjectInfoProvider } from '../core/comfy/workflow/loadWorkflow';
import { stderrLogger } from './stderrLogger';
import { graphProblems, openWorkflow, type GraphCheck } from '../core/runs/graphProblems';
import type { SessionRequest } from '../core/runs/options';
import { readRunRecord } from '../core/runs/record';
import { findResumable, openedRun } from '../core/runs/resume';
import { DEFAULT_RUNS_FOLDER, listRuns, runDirOfArg, runsRootFor } from '../core/runs/runFolders';
import { runSession } from '../core/runs/session';
import { isSpecRejectedError } from '../core/runs/specRejected';
import { DEFAULT_THRESHOLD } from '../core/convergence/analyse';
import { decisionLines } from '../shared/decisionText';
import { compareRuns } from '../core/convergence/compare';
import { scoreRun } from '../core/convergence/scoreRun';
import { parseSpecs } from '../core/spec/parse';
import type { Spec, SpecDiagnostic } from '../core/spec/types';
import { ProgressView } from './progressView';
import { summaryTables } from './poolSummary';
import { chooseServers, poolClients } from './servers';
import { timeSamples } from '../core/runs/estimate';
import { importRatingsCommand, ratePackCommand, ratingsCommand, reportCommand } from './studyCommands';
import { redoCommand } from './redoCommand';
import { EXIT, parseIntList, parsePositiveInt, parseThreshold, UsageError } from './usage';
import { chosenVariants } from '../core/runs/plan';
import { FRESH_COST_LEGEND, vramLegend } from '../shared/format';
import type { RunRecord } from '../shared/runRecord';

const USAGE = `qwenprompt — run .qwenprompt specs on a ComfyUI server and measure them

Usage:
  qwenprompt run SPEC [options]        run a spec file (every spec in it, or --spec NAME)
  qwenprompt run --resume RUN_DIR      finish an interrupted run: only its missing images are made
  qwenprompt run SPEC --resume         the same for the newest unfinished run of each spec in SPEC
  qwenprompt validate SPEC [SPEC…]     check spec files; prints problems as file:line:col
  qwenprompt compare RUN_A RUN_B       how times and convergence changed between two runs (Markdown)
  qwenprompt ratings RUN_DIR           scores per setting and per rater, with the raters' agreement (Markdown)
  qwenprompt rate-pack RUN_DIR [--out FILE]
                                       one self-contained HTML page to rate the run blind in a browser
  qwenprompt import-ratings FILE RUN_DIR [--rater NAME]
                                       add a ratings file the rate pack downloaded to the run
  qwenprompt report RUN_DIR [RUN_DIR…] --out DIR
                                       the study written out: DIR/report.md and DIR/report.html (images beside)
  qwenprompt redo RUN_DIR --cell KEY --mask MASK.png [--steps N] [--server URL] [--json]
                                       inpaint one image's region at N steps (default 20); white (or transparent) = redo
  qwenprompt --help | --version

Options for run:
  --server URL       ComfyUI server (default $QWENPROMPT_SERVER or http://127.0.0.1:8188); repeat it to
                     spread the sweep over several servers (each image records the server and GPU)
  --pool NAME        the servers of pool NAME in .vscode/settings.json (qwenprompt.comfy.servers entries
                     with "pools": [NAME]; "all" for every one); a token key K is read from QWENPROMPT_TOKEN_K
  --steps 20,40,60   only these step counts (default: the spec's steps)
  --repeats N        repeats per setting (repeat k uses seed + k)
  --sweep            cross the steps with the spec's sweep axes
  --spec NAME|N      run only this spec of a multi-spec file (name, id or 1-based index)
  --variant NAME     run only this variant of a spec with variants (repeat it, or NAME,NAME; default all)
  --out DIR          runs folder (default: ${DEFAULT_RUNS_FOLDER} next to the spec)
  --json             print the run record(s) as JSON on stdout (progress goes to stderr)
  --no-preview       accepted for old scripts: the CLI never asks for live previews (nothing here shows them,
                     and they cost the server GPU time inside the jobs it times)
  --token-env VAR    read a bearer token for a proxied server from this variable (default QWENPROMPT_TOKEN)
  --watchdog MIN     give up on a job that shows no sign of life for MIN minutes (default 10)
  --resume           continue an interrupted run in its own folder (see above)
  --threshold X      mean SSIM to the top step count a recommended step count must reach (default 0.95)

Exit codes: 0 all images made; 1 a run failed or was partial; 2 bad usage or spec; 3 server problem; 130 cancelled.`;

export async function main(argv: string[], io = { out: process.stdout, err: process.stderr }): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    io.out.write(USAGE + '\n');
    return command ? EXIT.ok : EXIT.usage;
  }
  if (command === '--version' || command === '-v') {
    io.out.write(`${VERSION}\n`);
    return EXIT.ok;
  }
  try {
    if (command === 'run') return await runCommand(rest, io);
    if (command === 'validate') return await validateCommand(rest, io);
    if (command === 'compare') return await compareCommand(rest, io);
    if (command === 'ratings') return await ratingsCommand(rest, io);
    if (command === 'rate-pack') return await ratePackCommand(rest, io);
    if (command === 'import-ratings') return await importRatingsCommand(rest, io);
    if (command === 'report') return await reportCommand(rest, io);
    if (command === 'redo') return await redoCommand(rest, io);
    throw new UsageError(`Unknown command "${command}".`);
  } catch (e) {
    if (e instanceof UsageError) {
      io.err.write(`qwenprompt: ${e.message}\nRun "qwenprompt --help" for usage.\n`);
      return EXIT.usage;
    }
    io.err.write(`qwenprompt: ${userMessage(e)}\n`);
    return isComfyError(e) ? EXIT.server : EXIT.runFailed;
  }
}

declare const __VERSION__: string | undefined;
const VERSION = typeof __VERSION__ === 'string' ? __VERSION__ : '0.0.0-dev';

async function readSpecs(file: string): Promise<{ text: string; specs: Spec[]; diagnostics: SpecDiagnostic[] }> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    throw new UsageError(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`);
  }
  return { text, ...parseSpecs(text) };
}

function formatDiagnostic(file: string, d: SpecDiagnostic): string {
  return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${d.severity}: ${d.message}`;
}

async function validateCommand(args: string[], io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }): Promise<number> {
  if (!args.length) throw new UsageError('validate needs at least one spec file.');
  let errors = 0;
  // A UI workflow converts against QWENPROMPT_SERVER's /object_info when it is set and answers, else the recorded one.
  const info = objectInfoOf(process.env.QWENPROMPT_SERVER);
  for (const file of args) {
    const { specs, diagnostics: parsed } = await readSpecs(file);
    const diagnostics = [...parsed];
    // The graphs each spec would send: its workflow file opened and mapped, as a run would.
    for (const spec of specs.filter((s) => s.errorCount === 0))
      diagnostics.push(...(await checkGraphs(file, spec, info, io.err)).diagnostics);
    diagnostics.sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
    for (const d of diagnostics) io.out.write(formatDiagnostic(file, d) + '\n');
    const n = diagnostics.filter((d) => d.severity === 'error').length;
    errors += n;
    io.err.write(`${file}: ${specs.length} spec(s), ${n} error(s), ${diagnostics.length - n} other problem(s)\n`);
  }
  return errors ? EXIT.usage : EXIT.ok;
}

async function runCommand(
  args: string[],
  io: { out: NodeJS.WritableStream & { isTTY?: boolean }; err: NodeJS.WritableStream & { isTTY?: boolean; columns?: number } },
): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      allowPositionals: true,
      options: {
        server: { type: 'string', multiple: true },
        pool: { type: 'string' },
        steps: { type: 'string' },
        repeats: { type: 'string' },
        sweep: { type: 'boolean', default: false },
        spec: { type: 'string' },
        variant: { type: 'string', multiple: true },
        out: { type: 'string' },
        json: { type: 'boolean', default: false },
        'no-preview': { type: 'boolean', default: false },
        'token-env': { type: 'string', default: 'QWENPROMPT_TOKEN' },
        watchdog: { type: 'string' },
        resume: { type: 'boolean', default: false },
        threshold: { type: 'string' },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const { values: o, positionals } = parsed;
  if (positionals.length !== 1)
    throw new UsageError(o.resume ? 'run --resume needs a run folder or a spec file.' : 'run needs exactly one spec file.');
  const file = path.resolve(positionals[0]);
  // `--resume RUN_DIR`: the spec is the one recorded in the run folder.
  const resumeDir = o.resume && (await fs.stat(file).catch(() => undefined))?.isDirectory() ? file : undefined;
  const steps = o.steps !== undefined ? parseIntList(o.steps, '--steps') : undefined;
  const repeats = o.repeats !== undefined ? parsePositiveInt(o.repeats, '--repeats') : undefined;
  const watchdogMin = o.watchdog !== undefined ? parsePositiveInt(o.watchdog, '--watchdog') : 10;
  const threshold = o.threshold !== undefined ? parseThreshold(o.threshold) : DEFAULT_THRESHOLD;
  const servers = await chooseServers({ urls: o.server, pool: o.pool, tokenEnv: o['token-env']! }, path.dirname(file)).catch((e: Error) => {
    throw new UsageError(e.message);
  });
  const server = servers.length > 1 ? servers.map((s) => s.name).join(', ') : servers[0].url;
  const info = objectInfoOf(servers[0].url, (servers[0].tokenEnv && process.env[servers[0].tokenEnv]) || undefined);

  const resumeRecord = resumeDir
    ? await readRunRecord(resumeDir).catch((e: Error) => {
        throw new UsageError(
          `Cannot resume ${resumeDir}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'it holds no run.json' : e.message}`,
        );
      })
    : undefined;
  // Read once: the record and the spec it holds go to the session as they are.
  const opened = resumeDir && resumeRecord ? openedRun(resumeDir, resumeRecord) : undefined;
  const { specs, diagnostics } = opened ? { specs: [opened.spec], diagnostics: [] } : await readSpecs(file);
  const rel = resumeRecord ? resumeRecord.spec.file : path.relative(process.cwd(), file) || file;
  const chosen = chooseSpecs(specs, o.spec);
  const errors = diagnostics.filter(
    (d) => d.severity === 'error' && (d.specIndex === undefined || chosen.some((s) => s.index === d.specIndex)),
  );
  // Nothing is sent for a spec whose graphs cannot be made: a missing or unconvertible workflow, a clash.
  const graphs = new Map<Spec, GraphCheck>();
  if (!opened && !o.resume) {
    for (const spec of chosen.filter((s) => s.errorCount === 0)) {
      const check = await checkGraphs(file, spec, info, io.err);
      graphs.set(spec, check);
      errors.push(...check.diagnostics);
    }
  }
  if (errors.length) {
    for (const d of errors) io.err.write(formatDiagnostic(rel, d) + '\n');
    io.err.write(`qwenprompt: ${rel} has ${errors.length} error(s); nothing was sent to the server.\n`);
    return EXIT.usage;
  }
  if (!chosen.length) throw new UsageError(`${rel} holds no spec.`);
  const variants = o.variant?.flatMap((v) => v.split(',').map((x) => x.trim())).filter(Boolean);
  if (variants?.length && !resumeDir) {
    for (const spec of chosen) {
      try {
        chosenVariants(spec, variants);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
    }
  }

  const log = stderrLogger(io.err, !!process.env.QWENPROMPT_DEBUG);
  const pool = poolClients(servers, { logger: log, watchdogMs: watchdogMin * 60_000 });
  const client = pool[0].client;
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      io.err.write('\nCancelling: interrupting the running prompt and removing the queued ones… (Ctrl-C again to quit at once)\n');
      controller.abort();
    } else {
      process.exit(EXIT.cancelled);
    }
  };
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  const records: RunRecord[] = [];
  let code: number = EXIT.ok;
  try {
    for (const spec of chosen) {
      if (controller.signal.aborted) break;
      const runsRoot = o.out ? path.resolve(o.out) : runsRootFor(file);
      const toResume = opened ?? (o.resume ? await findResumable(runsRoot, spec.id, file) : undefined);
      if (o.resume && !toResume) {
        io.err.write(`${spec.name}: no unfinished run under ${path.relative(process.cwd(), runsRoot) || runsRoot}; nothing to resume.\n`);
        continue;
      }
      const userGraph =
        spec.workflow && !toResume
          ? (graphs.get(spec)?.graph ?? (await checkGraphs(file, spec, info, io.err)).graph ?? failGraph(file, spec.workflow))
          : undefined;
      // Earlier runs of this spec say how long this one will take on the same GPU kind.
      const past = (await listRuns(runsRoot, spec.id, file)).flatMap((r) => timeSamples(r.record));
      const view = new ProgressView(io.err, { tty: !!io.err.isTTY && !o.json, columns: io.err.columns, past });
      view.title(`${spec.name} → ${server}${toResume ? ' (resumed)' : ''}`);
      const common = {
        client,
        ...(pool.length > 1 ? { pool } : {}),
        // Nothing in the CLI shows previews, so it asks for none (run.json records it); --no-preview is a no-op.
        previewMethod: 'none' as const,
        signal: controller.signal,
        onUpdate: (u: Parameters<ProgressView['update']>[0]) => view.update(u),
        logger: log,
        convergence: { threshold },
        past,
      };
      let result;
      try {
        const request: SessionRequest = toResume
          ? { ...common, resume: toResume }
          : { ...common, spec, specFile: file, runsRoot, steps, repeats, includeSweep: o.sweep, variants, userGraph };
        result = await runSession(request);
      } catch (e) {
        view.close();
        if (isSpecRejectedError(e)) {
          for (const p of e.problems) {
            const r = p.field ? spec.fieldRanges[p.field] : undefined;
            const where = r ? `${rel}:${r.start.line + 1}:${r.start.character + 1}` : rel;
            io.err.write(`${where}: error: ${p.field ? `${p.field}: ` : ''}${p.message} (node ${p.node} ${p.classType})\n`);
          }
          io.err.write(`qwenprompt: ComfyUI rejected "${spec.name}"; nothing ran. Fix the spec and run again.\n`);
          code = EXIT.usage;
          continue;
        }
        throw e;
      }
      view.close();
      records.push(result.record);
      io.err.write(
        `\n${spec.name} — ${result.record.server.gpu ?? 'unknown GPU'}, ComfyUI ${result.record.server.comfyuiVersion ?? '?'}\n`,
      );
      io.err.write(summaryTables(result.record) + '\n');
      // What each VRAM column counts (1 GiB = 1024³ bytes), when the run measured any.
      if (result.record.stats.some((s) => s.peakDeviceVramBytes !== undefined || s.peakTorchVramBytes !== undefined))
        for (const line of vramLegend()) io.err.write(`${line}\n`);
      if (result.record.stats.some((s) => s.measured)) io.err.write(`${FRESH_COST_LEGEND}\n`);
      for (const line of decisionLines(result.record)) io.err.write(`${line}\n`);
      for (const c of result.record.cells.filter((c) => c.error)) io.err.write(`  ${c.column} #${c.repeat + 1}: ${c.status}: ${c.error}\n`);
      io.err.write(`Run ${result.record.status}: ${path.relative(process.cwd(), result.runDir) || result.runDir}\n`);
      if (result.record.status === 'cancelled') code = EXIT.cancelled;
      else if (result.record.status !== 'complete' && code === EXIT.ok) code = EXIT.runFailed;
    }
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
    for (const s of pool) s.client.close();
  }
  if (o.json) io.out.write(JSON.stringify(records.length === 1 ? records[0] : records, null, 2) + '\n');
  return code;
}

/** `compare RUN_A RUN_B`: run folders (or their run.json). Runs scored before scoring existed are scored now, in memory. */
async function compareCommand(args: string[], io: { out: NodeJS.WritableStream; err: NodeJS.WritableStream }): Promise<number> {
  if (args.length !== 2 || args.some((a) => a.startsWith('-')))
    throw new UsageError('compare needs two run folders: qwenprompt compare RUN_A RUN_B.');
  const [a, b] = await Promise.all(
    args.map(async (arg) => {
      const dir = runDirOfArg(arg);
      const record = await readRunRecord(dir).catch((e: NodeJS.ErrnoException) => {
        throw new UsageError(`Cannot read the run in ${dir}: ${e.code === 'ENOENT' ? 'no run.json there' : e.message}`);
      });
      if (!record.convergence)
        await scoreRun(dir, record, {}, (file, e) => io.err.write(`qwenprompt: cannot score ${file}: ${userMessage(e)}\n`));
      return record;
    }),
  );
  io.out.write(compareRuns(a, b));
  return EXIT.ok;
}

function chooseSpecs(specs: Spec[], which: string | undefined): Spec[] {
  if (which === undefined) return specs;
  const n = /^\d+$/.test(which) ? Number(which) : NaN;
  const found = specs.filter((s) => s.name === which || s.id === which || s.index + 1 === n);
  if (!found.length) {
    throw new UsageError(`No spec "${which}" in the file. It has: ${specs.map((s, i) => `${i + 1}. ${s.name}`).join(', ')}.`);
  }
  return found;
}

/** The graphs `spec` would send, with its workflow file read from beside the spec file: an API graph,
 * or a UI workflow converted against `info`; a converted one says so on `err`, with its notes. */
async function checkGraphs(specFile: string, spec: Spec, info: ObjectInfoProvider, err: NodeJS.WritableStream): Promise<GraphCheck> {
  if (!spec.workflow) return graphProblems(spec);
  const file = path.resolve(path.dirname(specFile), spec.workflow);
  const label = path.relative(process.cwd(), file) || file;
  const load = async (text: string) => {
    const loaded = await loadWorkflow(text, label, info);
    if (loaded.format === 'ui') {
      err.write(describeLoaded(loaded, label) + '\n');
      for (const note of loaded.notes) err.write(`  note: ${note}\n`);
    }
    return loaded.graph;
  };
  return graphProblems(spec, await openWorkflow(file, (f) => fs.readFile(f, 'utf8'), load));
}

/** The /object_info a UI workflow converts against: the server's when it answers (asked once), else the recorded one. */
function objectInfoOf(server: string | undefined, token?: string): ObjectInfoProvider {
  let answer: ReturnType<ObjectInfoProvider> | undefined;
  const fetchInfo = server
    ? async () => {
        const client = new ComfyClient({ baseUrl: server, token, requestTimeoutMs: 15_000 });
        try {
          return await client.objectInfo();
        } finally {
          client.close();
        }
      }
    : undefined;
  const provider = objectInfoProvider(fetchInfo);
  return () => (answer ??= provider());
}

function failGraph(specFile: string, workflow: string): never {
  throw new UsageError(`The workflow ${workflow} of ${specFile} could not be loaded.`);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`qwenprompt: ${userMessage(e)}\n`);
      process.exitCode = EXIT.runFailed;
    },
  );
}
