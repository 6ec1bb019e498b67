// A private code-server (a real VS Code workbench and Node extension host, served to a browser) for
// the integration and e2e tests. Everything it and its children write goes into a fresh run folder,
// and it is always stopped by process group: after the browser leaves, the server would otherwise
// keep the extension host alive for hours waiting for a reconnect.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync, createWriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CODE_SERVER_VERSION = '4.100.3';
/** The repository root (this module runs compiled, from out/test/host/). */
export const REPO_ROOT = resolve(__dirname, '../../..');
/** Where test/host/setup.sh installs code-server; QWENPROMPT_CODE_SERVER_DIR overrides it for both. */
export const CODE_SERVER_DIR = process.env.QWENPROMPT_CODE_SERVER_DIR ?? join(REPO_ROOT, '.vscode-test', 'code-server');

/** Settings every test workbench starts with: no welcome page, no trust prompt, no telemetry. */
export const BASE_SETTINGS: Readonly<Record<string, unknown>> = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'security.workspace.trust.enabled': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'git.enabled': false,
  'window.commandCenter': false,
  'chat.commandCenter.enabled': false,
};

export interface CodeServerOptions {
  /** Added to BASE_SETTINGS in User/settings.json, e.g. `{ 'qwenprompt.comfy.url': fake.url }`. */
  settings?: Record<string, unknown>;
  /** Extensions folder; defaults to one inside the run folder (so no extension is installed). */
  extensionsDir?: string;
  /** Receives each line the server prints (it also goes to `<runDir>/server.log`). */
  onOutput?: (line: string) => void;
  /** How long to wait for /healthz. */
  startTimeoutMs?: number;
}

export interface CodeServer {
  readonly port: number;
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  /** The fresh folder holding user data, XDG folders, TMPDIR, logs; removed by stop(). */
  readonly runDir: string;
  /** The environment the server runs with (XDG_* and TMPDIR inside runDir): give it to the browser. */
  readonly env: NodeJS.ProcessEnv;
  /** The workbench address for `folder`; `payload` entries are passed as VS Code's `payload` query. */
  workbenchUrl(folder: string, payload?: ReadonlyArray<readonly [string, string]>): string;
  /** A `vscode-remote://` URI for a local path, as the workbench's payload needs. */
  remoteUri(path: string): string;
  /** Stops the server and everything it started; keeps the run folder when `keepRunDir`. */
  stop(keepRunDir?: boolean): Promise<void>;
}

/** The code-server launcher, or an error that says how to install it. */
export function codeServerBin(): string {
  const bin = join(CODE_SERVER_DIR, 'node_modules', '.bin', 'code-server');
  if (!existsSync(join(CODE_SERVER_DIR, `.installed-${CODE_SERVER_VERSION}`)) || !existsSync(bin)) {
    throw new Error(
      `code-server ${CODE_SERVER_VERSION} is not installed in ${CODE_SERVER_DIR}. ` +
        "Run `npm run setup:host` (test/host/setup.sh) once; it also installs Debian's chromium.",
    );
  }
  return bin;
}

/** A port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer();
    s.on('error', fail);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => ok(port));
    });
  });
}

/** Every process group we started, killed on any exit so no server or browser outlives a run. */
const liveGroups = new Set<number>();
let exitHooked = false;
function trackGroup(pid: number): void {
  liveGroups.add(pid);
  if (exitHooked) return;
  exitHooked = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => {
      for (const pgid of liveGroups) killGroup(pgid, 'SIGKILL');
      process.exit(128 + (sig === 'SIGINT' ? 2 : sig === 'SIGTERM' ? 15 : 1));
    });
  }
}
function killGroup(pgid: number, signal: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, signal);
    return true;
  } catch {
    return false; // already gone
  }
}

/** A fresh run folder under the system temp dir; short, because unix socket paths must be < 108 chars. */
export function makeRunDir(prefix = 'qp-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** Starts code-server on a free 127.0.0.1 port and resolves once /healthz answers. */
export async function startCodeServer(opts: CodeServerOptions = {}): Promise<CodeServer> {
  const bin = codeServerBin();
  const runDir = makeRunDir();
  const dirs = {
    config: join(runDir, 'xdg-config'),
    data: join(runDir, 'xdg-data'),
    cache: join(runDir, 'xdg-cache'),
    rt: join(runDir, 'rt'),
    udd: join(runDir, 'udd'),
    ext: opts.extensionsDir ?? join(runDir, 'ext'),
  };
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true, mode: 0o700 });
  mkdirSync(join(dirs.udd, 'User'), { recursive: true });
  writeFileSync(join(dirs.udd, 'User', 'settings.json'), JSON.stringify({ ...BASE_SETTINGS, ...opts.settings }, null, 2));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    XDG_CONFIG_HOME: dirs.config,
    XDG_DATA_HOME: dirs.data,
    XDG_CACHE_HOME: dirs.cache,
    XDG_RUNTIME_DIR: dirs.rt,
    TMPDIR: dirs.rt,
  };
  // The extension host inherits this environment: our own test runner's hooks must not leak into it.
  delete env.NODE_OPTIONS;
  delete env.ELECTRON_RUN_AS_NODE;
  delete env.VSCODE_IPC_HOOK_CLI;

  const port = await freePort();
  const child: ChildProcess = spawn(
    bin,
    [
      '--auth',
      'none',
      '--bind-addr',
      `127.0.0.1:${port}`,
      '--user-data-dir',
      dirs.udd,
      '--extensions-dir',
      dirs.ext,
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--disable-getting-started-override',
      '--ignore-last-opened',
    ],
    // detached: a new process group (setsid), so one kill reaches the extension host and its children.
    { env, cwd: runDir, detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const pgid = child.pid;
  if (pgid === undefined) throw new Error(`could not start ${bin}`);
  trackGroup(pgid);

  const logFile = createWriteStream(join(runDir, 'server.log'));
  let tail = '';
  const onData = (chunk: Buffer): void => {
    logFile.write(chunk);
    const text = chunk.toString();
    tail = (tail + text).slice(-4000);
    if (opts.onOutput) for (const line of text.split('\n')) if (line.trim()) opts.onOutput(line);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited: string | undefined;
  const exitedPromise = new Promise<void>((ok) =>
    child.once('exit', (code, sig) => {
      exited = `exited with ${code ?? sig}`;
      ok();
    }),
  );

  const stop = async (keepRunDir = false): Promise<void> => {
    if (liveGroups.has(pgid)) {
      killGroup(pgid, 'SIGTERM');
      const timer = setTimeout(() => killGroup(pgid, 'SIGKILL'), 3000);
      await Promise.race([exitedPromise, new Promise((ok) => setTimeout(ok, 5000))]);
      clearTimeout(timer);
      killGroup(pgid, 'SIGKILL'); // children (extension host) that ignored TERM
      liveGroups.delete(pgid);
    }
    await new Promise((ok) => logFile.end(ok));
    if (!keepRunDir) rmSync(runDir, { recursive: true, force: true });
  };

  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (opts.startTimeoutMs ?? 30_000);
  for (;;) {
    if (exited) {
      await stop(true);
      throw new Error(`code-server ${exited} before it was ready (log: ${runDir}/server.log):\n${tail}`);
    }
    try {
      const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop(true);
      throw new Error(`code-server did not answer ${url}/healthz in time (log: ${runDir}/server.log):\n${tail}`);
    }
    await new Promise((ok) => setTimeout(ok, 200));
  }

  const remoteUri = (path: string): string => `vscode-remote://127.0.0.1:${port}${resolve(path)}`;
  return {
    port,
    url,
    runDir,
    env,
    remoteUri,
    workbenchUrl(folder, payload) {
      const q = new URLSearchParams({ folder: resolve(folder) });
      if (payload) q.set('payload', JSON.stringify(payload));
      return `${url}/?${q.toString()}`;
    },
    stop,
  };
}
