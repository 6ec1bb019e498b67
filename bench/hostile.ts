/**
 * `node out/bench/hostile.js [--wait=S] [--only=NAME] [--cli=PATH]`: a CLI run (dist/cli.js, a child process, as a
 * user starts it) against each hostile payload the test server offers, with the child's peak RSS read
 * from /proc/<pid>/status (VmHWM), whether run.json ended valid, and whether the run hung (no exit
 * within the bounded wait, then killed). A child past MEMORY_CAP is killed too, to spare the shared
 * machine; its row says so. Needs `npm run build` (dist/cli.js and dist/thumbnailWorker.js).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import * as path from 'node:path';
import { startFakeComfy, type FakeComfy, type FaultSwitches } from '../test/fakes/comfyServer';
import { fmt, printTable, verdict } from './table';

interface Payload {
  name: string;
  faults: FaultSwitches;
}

const MiB = 2 ** 20;
/** The target for each payload: peak RSS of the run. */
const TARGET = 300 * MiB;
/** A child past this is killed by the bench (the client had reached 4.4–12.5 GB against some payloads). */
const MEMORY_CAP = 6 * 1024 * MiB;

export const PAYLOADS: Payload[] = [
  { name: 'none (a normal run)', faults: {} },
  { name: 'hugePng 30000² (header only)', faults: { hugePng: { width: 30000, height: 30000 } } },
  { name: 'hugePng 30000² complete', faults: { hugePng: { width: 30000, height: 30000, complete: true } } },
  {
    name: 'hugePng 32768² interlaced complete (4 GiB)',
    faults: { hugePng: { width: 32768, height: 32768, interlaced: true, complete: true } },
  },
  { name: 'hugePng 16384² complete', faults: { hugePng: { width: 16384, height: 16384, complete: true } } },
  { name: 'binaryFlood 60 × 60 MB', faults: { binaryFlood: { bytes: 60_000_000, count: 60 } } },
  { name: 'outputCount 100000', faults: { outputCount: 100_000 } },
  { name: 'textFlood 300 × 1 MB foreign messages', faults: { textFlood: { bytes: 1_000_000, count: 300 } } },
  { name: 'hangHeaders /history', faults: { hangHeaders: ['/history'] } },
];

const SPEC = [
  'name: hostile',
  'model: qwen-image-2512',
  'prompt: a lighthouse at dusk',
  'seed: 7',
  'size: 64x64',
  'steps: [1, 2]',
  'repeats: 1',
  '',
].join('\n');

interface Row {
  name: string;
  peak: number | undefined;
  end: string;
  record: string;
  hung: boolean;
  seconds: number;
  load: string;
}

/** VmHWM / VmRSS of a process in bytes, or undefined once it is gone. */
function memoryOf(pid: number): { hwm: number; rss: number } | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { hwm: kb('VmHWM'), rss: kb('VmRSS') };
  } catch {
    return undefined;
  }
}

/** What the run folder's run.json says at the end: its status, or why it is not a valid record. */
function recordState(runsRoot: string): string {
  const specDir = path.join(runsRoot, 'hostile');
  const runs = existsSync(specDir) ? readdirSync(specDir) : [];
  if (!runs.length) return 'no run folder';
  try {
    const r = JSON.parse(readFileSync(path.join(specDir, runs.sort().at(-1)!, 'run.json'), 'utf8')) as {
      format?: string;
      status?: string;
      cells?: { status: string }[];
    };
    if (r.format !== 'qwenprompt-run') return 'not a run record';
    const cells = (r.cells ?? []).map((c) => c.status).join('/');
    return r.status === 'running' ? `stale: "running" (${cells})` : `valid: ${r.status} (${cells})`;
  } catch (e) {
    return `unreadable: ${(e as Error).message.slice(0, 40)}`;
  }
}

async function runAgainst(cli: string, p: Payload, waitMs: number): Promise<Row> {
  const fake: FakeComfy = await startFakeComfy({ msPerStep: 5, loadMs: 5 });
  Object.assign(fake.faults, p.faults);
  const dir = mkdtempSync(path.join(tmpdir(), 'qp-hostile-'));
  const spec = path.join(dir, 'hostile.qwenprompt');
  writeFileSync(spec, SPEC);
  const runsRoot = path.join(dir, 'runs');
  const started = Date.now();
  const child = spawn(process.execPath, [cli, 'run', spec, '--server', fake.url, '--out', runsRoot, '--watchdog', '1'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, QWENPROMPT_TOKEN: '' },
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr = (stderr + d).slice(-4000)));
  let peak: number | undefined;
  let capped = false;
  let hung = false;
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  const sampler = setInterval(() => {
    const m = memoryOf(child.pid!);
    if (!m) return;
    // An exiting process's status has no memory lines any more.
    if (Number.isFinite(m.hwm)) peak = Math.max(peak ?? 0, m.hwm);
    if (Number.isFinite(m.rss) && m.rss > MEMORY_CAP && !capped) {
      capped = true;
      child.kill('SIGKILL');
    }
  }, 20);
  const timer = setTimeout(() => {
    hung = true;
    child.kill('SIGKILL');
  }, waitMs);
  const { code, signal } = await exited;
  clearTimeout(timer);
  clearInterval(sampler);
  const seconds = (Date.now() - started) / 1000;
  await fake.close();
  const end = capped
    ? `killed by the bench at > ${MEMORY_CAP / 1024 / MiB} GiB`
    : hung
      ? `killed after ${waitMs / 1000} s`
      : signal
        ? `signal ${signal}`
        : `exit ${code}`;
  if (process.env.QWENPROMPT_BENCH_DEBUG) console.error(`--- ${p.name}\n${stderr}`);
  return { name: p.name, peak, end, record: recordState(runsRoot), hung, seconds, load: loadavg()[0].toFixed(1) };
}

export async function benchHostile(opts: { waitMs?: number; only?: string; cli?: string } = {}): Promise<void> {
  // --cli=PATH: another build of the CLI (e.g. an older commit's), to compare.
  const cli = path.resolve(opts.cli ?? path.join(__dirname, '../../dist/cli.js'));
  if (!existsSync(cli)) throw new Error(`${cli} is missing: npm run build first.`);
  const waitMs = opts.waitMs ?? 60_000;
  const rows: Row[] = [];
  for (const p of PAYLOADS.filter((x) => !opts.only || x.name.includes(opts.only))) rows.push(await runAgainst(cli, p, waitMs));
  printTable(
    `Hostile payloads: a CLI run's peak RSS (VmHWM), target ≤ ${TARGET / MiB} MB; bounded wait ${waitMs / 1000} s`,
    ['payload', 'peak RSS, MB', '≤ 300 MB', 'how it ended', 'run.json', 'hung', 'wall, s', 'load avg'],
    rows.map((r) => [
      r.name,
      r.peak === undefined ? '–' : fmt(r.peak / MiB, 0),
      r.peak === undefined ? '–' : verdict(r.peak <= TARGET),
      r.end,
      r.record,
      r.hung ? 'yes' : 'no',
      fmt(r.seconds, 1),
      r.load,
    ]),
  );
}

if (require.main === module) {
  const arg = (k: string) => process.argv.find((a) => a.startsWith(`--${k}=`))?.split('=')[1];
  benchHostile({ waitMs: arg('wait') ? Number(arg('wait')) * 1000 : undefined, only: arg('only'), cli: arg('cli') }).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
