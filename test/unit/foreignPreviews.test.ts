/**
 * Legacy (type 1) preview frames carry no prompt id, and a prompt posted without client_id sends them
 * to every socket. Ours are shown only while our prompt is known to run; another client's never reach
 * our cells, neither while one of ours waits for its history nor after a reconnect under a new id.
 * (Test server: `legacyPreviews`, a server without preview metadata; `holdHistory` keeps our finished
 * prompt waiting while the foreign one runs, so its frames would have somewhere to go.)
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JobEvent } from '../../src/core/comfy/types';
import { RawSocket, request } from '../fakes/rawClient';
import { comfyFixture, freshGraph } from './helpers/comfyPieces';

const fx = comfyFixture();
const MINUTES = 10 * 60_000;

/** Counts the preview events each of our prompts got, and those that came after `cut()` was called. */
function previewCounter() {
  const counts = new Map<string, number>();
  let cut = false;
  let afterCut = 0;
  return {
    onEvent: (e: JobEvent) => {
      if (e.type !== 'preview') return;
      counts.set(e.promptId, (counts.get(e.promptId) ?? 0) + 1);
      if (cut) afterCut++;
    },
    of: (id: string) => counts.get(id) ?? 0,
    cut: () => {
      cut = true;
    },
    afterCut: () => afterCut,
  };
}

/** Posts a prompt without client_id (another client's, or a script's): its legacy previews go to every socket. */
async function postForeign(url: string, steps: number): Promise<string> {
  const res = await request(url, 'POST', '/prompt', { prompt: freshGraph(steps), extra_data: { preview_method: 'auto' } });
  assert.equal(res.status, 200, res.text);
  return res.json.prompt_id as string;
}

/** Waits until the watcher socket got `n` legacy frames (the foreign prompt's, sent to everyone). */
async function framesSeen(watcher: RawSocket, n: number): Promise<void> {
  await watcher.waitFor(() => watcher.events.filter((e) => e.kind === 'binary' && e.event === 1).length >= n, 20_000);
}

describe('legacy previews without a prompt id', () => {
  it("ours show in our cells; a foreign prompt's, run between two of ours, never do", { timeout: 30_000 }, async () => {
    const fake = await fx.server({ msPerStep: 10 });
    fake.faults.legacyPreviews = true;
    fake.faults.holdHistory = true;
    const watcher = await RawSocket.open(fake.url, { clientId: 'watcher' });
    try {
      const client = fx.client(fake, { watchdogMs: MINUTES });
      const seen = previewCounter();
      const a = await client.submit(freshGraph(4), { previewMethod: 'auto', onEvent: seen.onEvent });
      await postForeign(fake.url, 6);
      const b = await client.submit(freshGraph(3), { previewMethod: 'auto', onEvent: seen.onEvent });
      // Ours finished but cannot settle (history held) while the foreign prompt sends its frames to everyone.
      await framesSeen(watcher, 6);
      await new Promise<void>((resolve) => {
        const d = client.onEvent(
          (e) => e.type === 'progress' && e.promptId === b.promptId && e.value === e.max && (d.dispose(), resolve()),
        );
      });
      fake.faults.holdHistory = false;
      assert.equal((await a.done).status, 'success');
      assert.equal((await b.done).status, 'success');
      assert.equal(seen.of(a.promptId), 4, 'one preview per step of ours, none of the foreign prompt');
      assert.equal(seen.of(b.promptId), 3, 'our next prompt shows its own legacy previews again');
    } finally {
      watcher.close();
    }
  });

  it("after a reconnect under a new socket id, a foreign prompt's frames are not taken for ours", { timeout: 30_000 }, async () => {
    const fake = await fx.server({ msPerStep: 10 });
    fake.faults.legacyPreviews = true;
    const client = fx.client(fake, { watchdogMs: MINUTES, reconnect: { maxAttempts: 5, baseDelayMs: 20, maxDelayMs: 50 } });
    const seen = previewCounter();
    let drops = 0;
    // From the reconnect on, no frame of ours can reach the new socket: any preview then is foreign.
    const reconnected = new Promise<void>((resolve) =>
      client.onEvent((e) => e.type === 'connection' && e.state === 'connected' && drops > 0 && (seen.cut(), resolve())),
    );
    const a = await client.submit(freshGraph(40), {
      previewMethod: 'auto',
      onEvent: (e) => {
        seen.onEvent(e);
        if (e.type !== 'progress' || e.value < 2 || drops++) return;
        // Routing is lost from here: every reconnect gets a fresh id, and our prompt cannot settle yet.
        fake.faults.ignoreClientId = true;
        fake.faults.holdHistory = true;
        fake.dropSockets();
      },
    });
    await reconnected;
    const watcher = await RawSocket.open(fake.url);
    try {
      await postForeign(fake.url, 6);
      await framesSeen(watcher, 6);
      // The same frames reach our new socket; give them the moment the watcher's took.
      await new Promise((r) => setTimeout(r, 300));
      fake.faults.holdHistory = false;
      const outcome = await a.done;
      assert.equal(outcome.status, 'success', outcome.error);
      assert.equal(outcome.live?.heard, 'partial');
      assert.equal(seen.afterCut(), 0, "no foreign frame shown as our prompt's preview");
      assert.ok(seen.of(a.promptId) >= 1, 'ours showed before the drop');
    } finally {
      watcher.close();
    }
  });
});
