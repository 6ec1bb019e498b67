/**
 * `npm run comfy:test-server`: the ComfyUI test server on 127.0.0.1 for trying qwenprompt without a GPU.
 * Usage: node out/test/fakes/main.js [--port 8188] [--ms-per-step 5]
 */
import { startFakeComfy } from './comfyServer';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function main(): Promise<void> {
  if (process.argv.includes('--help')) {
    process.stdout.write('Usage: main.js [--port N] [--ms-per-step N] [--gpu NAME]   (always listens on 127.0.0.1)\n');
    return;
  }
  const host = arg('--host');
  if (host !== undefined && host !== '127.0.0.1') {
    process.stderr.write('The test server only listens on 127.0.0.1.\n');
    process.exitCode = 2;
    return;
  }
  const port = Number(arg('--port') ?? 8188);
  const msPerStep = arg('--ms-per-step') !== undefined ? Number(arg('--ms-per-step')) : undefined;
  if (!Number.isInteger(port) || port < 0 || port > 65535 || (msPerStep !== undefined && !(msPerStep >= 0))) {
    process.stderr.write('Bad --port or --ms-per-step value.\n');
    process.exitCode = 2;
    return;
  }
  const gpu = arg('--gpu');
  const server = await startFakeComfy({ port, msPerStep, ...(gpu ? { gpu } : {}) });
  process.stdout.write(`ComfyUI test server listening on ${server.url} (Ctrl+C to stop)\n`);
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
