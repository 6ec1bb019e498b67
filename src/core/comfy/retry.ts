/**
 * The client's one retry loop: a request tried up to `attempts` times, with doubling delays from
 * `delayMs`, again on a failure (`retryOn`) or on an answer (`again`) worth another try.
 */
import { abortedError, isComfyError } from './errors';

export interface RetryPolicy {
  /** Tries in all, at least 1. */
  attempts: number;
  /** Delay before the second try; each later one doubles it. */
  delayMs: number;
}

export interface RetryOptions<T> extends RetryPolicy {
  /** Cancels the wait between tries (rejects with ComfyError 'aborted'); the try itself takes its own. */
  signal?: AbortSignal;
  /** A failure worth another try; any other is thrown at once. Default: none. */
  retryOn?(e: unknown): boolean;
  /** An answer worth another try (e.g. a /history still `{}`); the last try's answer is returned as it is. */
  again?(value: T): boolean;
  /** Called before the wait after a failed try that will be retried. */
  onRetry?(e: unknown, attempt: number): void;
}

/** Failures that may pass: the server answered 5xx, or did not answer (in time). */
export function isTransient(e: unknown): boolean {
  return isComfyError(e) && ['server', 'unreachable', 'timeout'].includes(e.kind);
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortedError('Waiting'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(abortedError('Waiting'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export async function retry<T>(attempt: (n: number) => Promise<T>, o: RetryOptions<T>): Promise<T> {
  const attempts = Math.max(1, o.attempts);
  for (let n = 1; ; n++) {
    let value: T;
    try {
      value = await attempt(n);
    } catch (e) {
      if (!o.retryOn?.(e) || n >= attempts) throw e;
      o.onRetry?.(e, n);
      await sleep(o.delayMs * 2 ** (n - 1), o.signal);
      continue;
    }
    if (!o.again?.(value) || n >= attempts) return value;
    await sleep(o.delayMs * 2 ** (n - 1), o.signal);
  }
}
