/**
 * `npm run demo`: the whole flow without a GPU. Starts the ComfyUI test server on a free port and runs
 * the study example through the real CLI against it, printing the live progress and the table.
 * Against a real ComfyUI, run the CLI directly: `npx qwenprompt run examples/steps-study.qwenprompt --server URL`.
 */
import * as path from 'node:path';
import { main } from '../src/cli/main';
import { startFakeComfy } from './fakes/comfyServer';

async function demo(): Promise<number> {
  const fake = await startFakeComfy({ msPerStep: Number(process.env.QWENPROMPT_DEMO_MS_PER_STEP ?? 8) });
  process.stderr.write(`ComfyUI test server (no GPU, synthetic images) at ${fake.url}\n\n`);
  try {
    const spec = process.argv[2] ?? path.resolve(__dirname, '../../examples/steps-study.qwenprompt');
    return await main(['run', spec, '--server', fake.url, ...process.argv.slice(3)]);
  } finally {
    await fake.close();
  }
}

demo().then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    console.error(e);
    process.exitCode = 1;
  },
);
