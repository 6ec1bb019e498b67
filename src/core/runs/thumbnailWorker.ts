// The image worker thread (started by thumbnail.ts): does one image's work (thumbnail, reduction for
// scoring, a score) at a time, in the order the jobs come, and answers each with its result (or error) and this
// thread's id; the reduced image's buffers are moved, not copied. esbuild bundles it as
// dist/thumbnailWorker.js beside dist/engine.js and dist/cli.js.
import { parentPort, threadId } from 'node:worker_threads';
import { decodePng } from '../convergence/score';
import { doImageWork, transferList, type ImageAnswer, type ImageJob } from './thumbnail';

const port = parentPort;
if (port) {
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (job: ImageJob) => {
    queue = queue.then(async () => {
      try {
        const result = await doImageWork(job, decodePng);
        port.postMessage({ id: job.id, threadId, result } satisfies ImageAnswer, transferList(result));
      } catch (e) {
        port.postMessage({ id: job.id, threadId, error: e instanceof Error ? e.message : String(e) } satisfies ImageAnswer);
      }
    });
  });
  port.postMessage({ ready: true } satisfies ImageAnswer);
}
