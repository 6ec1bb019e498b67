/**
 * The ComfyUI test server in its own process, so its PNG encoding and timers never share the event
 * loop of the client being measured (in one process a 1.5 MB PNG encode would stall the client's
 * socket for tens of milliseconds and be counted as client overhead).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { startFakeComfy, type FakeComfyOptions } from '../test/fakes/comfyServer';

export interface ServerProcess {
  url: string;
  /** CPU time the server process has used so far, ms (user + system, from /proc; 0 where there is none). */
  cpuMs(): number;
  close(): Promise<void>;
  /** SIGKILL: the process dies at once, its port closed (a crashed ComfyUI). */
  kill(): Promise<void>;
}

/** utime + stime of a process from /proc/PID/stat, ms (fields 14 and 15, in clock ticks of 1/100 s). */
function procCpuMs(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0;
  }
}

/** Starts the test server in a child process with these options; resolves with its URL. */
export function startServerProcess(opts: FakeComfyOptions): Promise<ServerProcess> {
  const child: ChildProcess = fork(__filename, ['--child', JSON.stringify(opts)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`The test server process exited (${code}) before it listened.`)));
    child.once('message', (m) => {
      const url = (m as { url: string }).url;
      resolve({
        url,
        cpuMs: () => procCpuMs(child.pid),
        close: () =>
          new Promise<void>((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
        kill: () =>
          new Promise<void>((done) => {
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.kill('SIGKILL');
          }),
      });
    });
  });
}

if (process.argv[2] === '--child') {
  void startFakeComfy(JSON.parse(process.argv[3]) as FakeComfyOptions).then((fake) => {
    process.send?.({ url: fake.url });
    process.once('SIGTERM', () => void fake.close().then(() => process.exit(0)));
    process.once('disconnect', () => void fake.close().then(() => process.exit(0)));
  });
}
