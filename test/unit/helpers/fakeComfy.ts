/** Driving the ComfyUI test server from its own tests: the recorded SD1.5 graph, a server per test, posts and runs. */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FakeComfy, FakeComfyOptions, startFakeComfy } from '../../fakes/comfyServer';
import { fixturesDir } from '../../fakes/objectInfo';
import { RawSocket, request } from '../../fakes/rawClient';

export type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

/** The recorded workflow (checkpoint 4, latent 5, sampler 3, save 9), edited. */
export function sd15(edit: (g: Graph) => void = () => undefined): Graph {
  const g = JSON.parse(fs.readFileSync(path.join(fixturesDir(), 'workflow.api.json'), 'utf8')) as Graph;
  edit(g);
  return g;
}

export async function withServer(opts: FakeComfyOptions, fn: (s: FakeComfy) => Promise<void>): Promise<void> {
  const s = await startFakeComfy({ msPerStep: 1, loadMs: 5, nodeMs: 1, maxImageSide: 128, ...opts });
  try {
    await fn(s);
  } finally {
    await s.close();
  }
}

export async function post(s: FakeComfy, graph: unknown, more: Record<string, unknown> = {}) {
  return request(s.url, 'POST', '/prompt', { prompt: graph, ...more });
}

/** Posts for this socket and waits until the prompt is over; returns its id and its text messages. */
export async function run(s: FakeComfy, sock: RawSocket, graph: Graph, extra: Record<string, unknown> = {}) {
  const res = await post(s, graph, { client_id: sock.sid, extra_data: extra });
  assert.equal(res.status, 200, res.text);
  const id = res.json.prompt_id as string;
  await sock.waitDone(id);
  const msgs = sock.texts().filter((m) => m.data?.prompt_id === id);
  return { id, msgs, executing: msgs.filter((m) => m.type === 'executing' && m.data.node !== null).map((m) => m.data.node as string) };
}
