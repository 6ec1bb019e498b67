// `npm run test:integration`: runs test/integration/**/*.test.ts inside an extension host with the
// standard @vscode/test-electron runner. Where VS Code can't be downloaded (these machines) its
// "executable" is test/host/code-shim.js, a private code-server driven by headless chromium; set
// QWENPROMPT_VSCODE=download to let test-electron fetch a real VS Code instead.
import { join, resolve } from 'node:path';
import { runTests } from '@vscode/test-electron';

async function main(): Promise<void> {
  const repo = resolve(__dirname, '../../..');
  const useShim = process.env.QWENPROMPT_VSCODE !== 'download';
  try {
    await runTests({
      vscodeExecutablePath: useShim ? join(repo, 'test/host/code-shim.js') : undefined,
      extensionDevelopmentPath: repo,
      extensionTestsPath: join(repo, 'out/test/integration/index'),
      launchArgs: [join(repo, 'test/fixtures/workspace'), '--disable-extensions'],
    });
  } catch (e) {
    console.error(`integration tests failed: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  }
}

void main();
