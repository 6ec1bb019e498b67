// The thumbnail worker thread (started by thumbnail.ts): makes one thumbnail at a time, in the order the
// jobs come, and answers each with its name (or error) and this thread's id. esbuild bundles it as
// dist/thumbnailWorker.js beside dist/engine.js and dist/cli.js.
import { parentPort, threadId } from 'node:worker_threads';
import { makeThumbnail, type ThumbnailAnswer, type ThumbnailJob } from './thumbnail';

const port = parentPort;
if (port) {
  let queue: Promise<void> = Promise.resolve();
  port.on('message', (job: ThumbnailJob) => {
    queue = queue.then(async () => {
      let answer: ThumbnailAnswer;
      try {
        answer = { id: job.id, threadId, name: await makeThumbnail(job.runDir, job.file, job.side) };
      } catch (e) {
        answer = { id: job.id, threadId, error: e instanceof Error ? e.message : String(e) };
      }
      port.postMessage(answer);
    });
  });
  port.postMessage({ ready: true } satisfies ThumbnailAnswer);
}
