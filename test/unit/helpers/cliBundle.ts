import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { buildSync } from 'esbuild';

let bundle: string | undefined;

/** The CLI as one bundle, built fresh from the sources (a bundle starts in half the time of the
 * compiled modules, and process starts are most of the cost of CLI tests). */
export function cliBundle(): string {
  if (!bundle) {
    bundle = path.join(mkdtempSync(path.join(tmpdir(), 'qp-cli-')), 'cli.js');
    buildSync({
      entryPoints: [path.resolve(__dirname, '../../../../src/cli/main.ts')],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      target: 'node20',
      outfile: bundle,
      logLevel: 'error',
    });
  }
  return bundle;
}

export interface CliResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** Starts the CLI as a user would, with no token in the environment (in `cwd`, default this process's). */
export function spawnCli(args: string[], env: Record<string, string> = {}, cwd?: string) {
  const child = spawn(process.execPath, [cliBundle(), ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, QWENPROMPT_TOKEN: '', ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const done = new Promise<CliResult>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, done, stderr: () => stderr };
}
