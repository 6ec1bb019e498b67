// Extension-test entry point: the extension host requires this module and awaits run(), in VS Code
// (@vscode/test-electron) and in code-server (test/host/code-shim.js) alike.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import Mocha from 'mocha';

export async function run(): Promise<void> {
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 60_000 });
  const grep = process.env.QWENPROMPT_TEST_GREP;
  if (grep) mocha.grep(grep);
  const files = readdirSync(__dirname, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  if (files.length === 0) throw new Error(`no *.test.js under ${__dirname}: compile tsconfig.integration.json`);
  for (const f of files) mocha.addFile(join(__dirname, f));
  const failures = await new Promise<number>((ok) => mocha.run(ok));
  if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}
