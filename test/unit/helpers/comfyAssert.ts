import assert from 'node:assert/strict';
import { isComfyError, type ComfyError } from '../../../src/core/comfy/errors';
import type { JobEvent } from '../../../src/core/comfy/types';

/** Awaits `p` and returns the ComfyError it rejects with; fails if it resolves or rejects with something else. */
export async function rejection(p: Promise<unknown>): Promise<ComfyError> {
  try {
    await p;
  } catch (e) {
    assert.ok(isComfyError(e), `expected a ComfyError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a rejection');
}

/** A job event listener that runs `fn` once, on the first `progress`. */
export function onFirstProgress(fn: () => void): (e: JobEvent) => void {
  let done = false;
  return (e) => {
    if (e.type === 'progress' && !done) {
      done = true;
      fn();
    }
  };
}
