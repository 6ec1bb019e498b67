// Stands in for the VS Code executable that @vscode/test-electron's runTests() launches, where no
// VS Code can be downloaded: it takes the same flags, runs the extension tests in a private
// code-server through headless chromium, prints the extension host's console, and exits with the
// tests' code. Entry point: test/host/code-shim.js.
import { resolve } from 'node:path';
import { startCodeServer, type CodeServer } from './codeServer';
import { extensionHostText, openWorkbench, type Workbench } from './workbench';

export interface ShimArgs {
  extensionDevelopmentPaths: string[];
  extensionTestsPath?: string;
  extensionsDir?: string;
  folder?: string;
}

/** Reads the flags runTests passes (`--name=value`, or `--name value`) and the folder to open. */
export function parseShimArgs(argv: readonly string[]): ShimArgs {
  const out: ShimArgs = { extensionDevelopmentPaths: [] };
  const valued = new Set(['extensionDevelopmentPath', 'extensionTestsPath', 'extensions-dir', 'user-data-dir']);
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    let name: string | undefined;
    let value: string | undefined;
    const m = /^--([^=]+)(?:=(.*))?$/.exec(arg);
    if (m) {
      name = m[1];
      value = m[2];
      if (value === undefined && valued.has(name)) value = argv[++i];
    }
    if (!m) out.folder = resolve(arg);
    else if (name === 'extensionDevelopmentPath' && value) out.extensionDevelopmentPaths.push(resolve(value));
    else if (name === 'extensionTestsPath' && value) out.extensionTestsPath = resolve(value);
    else if (name === 'extensions-dir' && value) out.extensionsDir = resolve(value);
    // --user-data-dir, --no-sandbox, --disable-updates, ...: a fresh private server makes them moot.
  }
  return out;
}

/** Runs the tests; resolves to the exit code the workbench reported (1 on any harness failure). */
export async function runShim(argv: readonly string[]): Promise<number> {
  const args = parseShimArgs(argv);
  if (!args.extensionTestsPath || args.extensionDevelopmentPaths.length === 0) {
    console.error('code-shim: expected --extensionDevelopmentPath=... and --extensionTestsPath=...');
    return 2;
  }
  const timeoutMs = Number(process.env.QWENPROMPT_HOST_TIMEOUT_MS ?? 5 * 60_000);
  const settings = process.env.QWENPROMPT_HOST_SETTINGS
    ? (JSON.parse(process.env.QWENPROMPT_HOST_SETTINGS) as Record<string, unknown>)
    : {};
  const verbose = process.env.QWENPROMPT_HOST_VERBOSE === '1';

  let server: CodeServer | undefined;
  let bench: Promise<Workbench> | undefined;
  let timer: NodeJS.Timeout | undefined;
  try {
    server = await startCodeServer({
      settings,
      extensionsDir: args.extensionsDir,
      onOutput: verbose ? (l) => console.error(`[code-server] ${l}`) : undefined,
    });
    const s = server;
    const payload: Array<[string, string]> = [
      ...args.extensionDevelopmentPaths.map((p): [string, string] => ['extensionDevelopmentPath', s.remoteUri(p)]),
      ['extensionTestsPath', s.remoteUri(args.extensionTestsPath)],
      ['skipWelcome', 'true'],
      ['skipReleaseNotes', 'true'],
    ];
    let reportExit: (code: number) => void = () => undefined;
    const exitCode = new Promise<number>((ok) => (reportExit = ok));
    const timedOut = new Promise<number>((ok) => {
      timer = setTimeout(() => {
        console.error(`code-shim: no result from the extension tests after ${timeoutMs / 1000} s; giving up`);
        ok(1);
      }, timeoutMs);
    });
    // Keeps the host's lines in their order even though each needs an async look at its arguments.
    let printed = Promise.resolve();
    bench = openWorkbench(s, args.folder ?? s.runDir, {
      payload,
      waitForExplorer: false,
      timeoutMs,
      beforeGoto: (page) =>
        page.exposeFunction('codeAutomationExit', (code: number) => {
          reportExit(typeof code === 'number' ? code : 1);
        }),
      onConsole: (msg) => {
        printed = printed.then(async () => {
          const text = await extensionHostText(msg);
          if (text !== undefined) console.log(text);
          else if (verbose) console.error(`[workbench ${msg.type()}] ${msg.text()}`);
        });
      },
    });
    const code = await Promise.race([bench.then(() => Promise.race([exitCode, timedOut])), timedOut]);
    await printed;
    return code;
  } catch (e) {
    console.error(`code-shim: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    clearTimeout(timer);
    // Also after a timeout while the workbench was still opening: the browser must not outlive us.
    await bench?.then(
      (b) => b.close(),
      () => undefined,
    );
    await server?.stop();
  }
}
