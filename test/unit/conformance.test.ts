/**
 * Conformance of the ComfyUI test server with a real ComfyUI 0.33 server: every recorded scenario
 * (test/fixtures/comfy/*.jsonl) is replayed against the fake with the same requests, and the fake must
 * answer with the same statuses and body shapes, the exact 400 bodies, and the same WebSocket messages
 * in the same order with the same keys. Ids, timestamps, sids and file counters are not compared; runs
 * of per-step messages (the recordings keep only some steps) are compared as one step unit.
 */
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomUUID } from 'node:crypto';
import { after, before, test } from 'node:test';
import { PNG } from 'pngjs';
import { FakeComfy, startFakeComfy } from '../fakes/comfyServer';
import { fixturesDir } from '../fakes/objectInfo';
import { RawSocket, request, WsEvent } from '../fakes/rawClient';

interface Row {
  kind: 'http' | 'ws' | 'ws_binary' | 'timeout';
  method?: string;
  path?: string;
  query?: Record<string, string>;
  status?: number;
  body?: any;
  note?: string | null;
  sent?: Record<string, unknown>;
  content_type?: string;
  msg?: { type: string; data: any };
  event?: number;
  metadata?: Record<string, unknown>;
}

type Graph = Record<string, { class_type: string; inputs: Record<string, unknown> }>;

const dir = fixturesDir();
const lines = (name: string): string[] =>
  fs
    .readFileSync(path.join(dir, `${name}.jsonl`), 'utf8')
    .trim()
    .split('\n');
const rows = (name: string): Row[] => lines(name).map((l) => JSON.parse(l) as Row);

/** POST body text with the graph's nodes in the recorded order (JSON.stringify would sort numeric keys first). */
function withPrompt(graph: Graph, order: string[], rest: Record<string, unknown>): string {
  const nodes = order.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(graph[k])}`).join(', ');
  return `{"prompt": {${nodes}}, ${JSON.stringify(rest).slice(1)}`;
}
const workflow = (): Graph => JSON.parse(fs.readFileSync(path.join(dir, 'workflow.api.json'), 'utf8')) as Graph;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

function edit(f: (g: Graph) => void): Graph {
  const g = workflow();
  f(g);
  return g;
}

/** The graphs behind the recorded 400s, rebuilt from each row's note. */
const BAD_GRAPHS: Record<string, () => unknown> = {
  invalid: () => ({ 1: { class_type: 'NoSuchNode', inputs: {} } }),
  'unknown class': () => ({ 1: { class_type: 'NoSuchNode', inputs: {} } }),
  'bad sampler': () =>
    edit((g) => {
      g['3'].inputs.sampler_name = 'not_a_sampler';
    }),
  'unknown sampler': () =>
    edit((g) => {
      g['3'].inputs.sampler_name = 'not_a_sampler';
    }),
  'unknown scheduler': () =>
    edit((g) => {
      g['3'].inputs.scheduler = 'nope';
    }),
  'unknown checkpoint': () =>
    edit((g) => {
      g['4'].inputs.ckpt_name = 'missing.safetensors';
    }),
  'steps zero': () =>
    edit((g) => {
      g['3'].inputs.steps = 0;
    }),
  'cfg too high': () =>
    edit((g) => {
      g['3'].inputs.cfg = 1000;
    }),
  'width not int': () =>
    edit((g) => {
      g['5'].inputs.width = 'wide';
    }),
  'missing input': () =>
    edit((g) => {
      delete g['3'].inputs.seed;
    }),
  'link to absent node': () =>
    edit((g) => {
      g['3'].inputs.model = ['999', 0];
    }),
  'link of wrong type': () =>
    edit((g) => {
      g['3'].inputs.positive = ['5', 0];
    }),
  'no output node': () =>
    edit((g) => {
      delete g['9'];
    }),
  'empty prompt': () => ({}),
  'non-uuid prompt_id': () => workflow(),
  'cross origin': () => workflow(),
  'sec-fetch-site cross-site': () => workflow(),
};
const BAD_HEADERS: Record<string, Record<string, string>> = {
  'cross origin': { Origin: 'http://evil.example' },
  'sec-fetch-site cross-site': { 'Sec-Fetch-Site': 'cross-site' },
};
/** 400s whose text lists the server's model files (ours has more files): only shape and error type are compared. */
const LIST_DEPENDENT = new Set(['unknown checkpoint', 'lightning lora not installed', 'gguf graph without the GGUF node pack']);

/** Differences of structure: same keys (recursively), same JSON types; empty arrays match any array. */
function shapeDiff(a: unknown, b: unknown, at = '$'): string[] {
  const kind = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
  if (kind(a) !== kind(b)) {
    return [`${at}: ${kind(a)} vs ${kind(b)}`];
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    const out: string[] = [];
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      out.push(...shapeDiff(a[i], b[i], `${at}[${i}]`));
    }
    return out;
  }
  if (a && typeof a === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b as object);
    // Maps keyed by prompt id (GET /history): compare entries in order.
    if (ka.length > 0 && ka.every((k) => UUID.test(k)) && kb.every((k) => UUID.test(k))) {
      return shapeDiff(Object.values(a), Object.values(b as object), at);
    }
    const missing = ka.filter((k) => !kb.includes(k)).map((k) => `${at}.${k} missing`);
    const extra = kb.filter((k) => !ka.includes(k)).map((k) => `${at}.${k} unexpected`);
    const both = ka.filter((k) => kb.includes(k)).flatMap((k) => shapeDiff((a as any)[k], (b as any)[k], `${at}.${k}`));
    return [...missing, ...extra, ...both];
  }
  return [];
}

/** A structural fingerprint of a message, for token comparison. */
function shape(v: unknown): string {
  if (v === null) {
    return 'null';
  }
  if (Array.isArray(v)) {
    return v.length ? `[${shape(v[0])}]` : '[]';
  }
  if (typeof v === 'object') {
    return (
      '{' +
      Object.keys(v as object)
        .sort()
        .map((k) => `${k}:${shape((v as any)[k])}`)
        .join(',') +
      '}'
    );
  }
  return typeof v === 'string' ? 's' : typeof v === 'number' ? 'n' : 'b';
}

/**
 * One token per message: type, the node it concerns, and its key structure. A step (progress_state of a
 * running step, optional preview frame, progress) becomes one STEP token, and repeated STEPs collapse.
 */
function tokens(msgs: ({ type: string; data: any } | { binary: number; meta?: Record<string, unknown> })[]): string[] {
  const raw = msgs.map((m) => {
    if ('binary' in m) {
      return `bin${m.binary}` + (m.meta ? shape(m.meta) : '');
    }
    const d = m.data;
    switch (m.type) {
      case 'executing':
        return `executing:${d.node}:${shape(d)}`;
      case 'executed':
        return `executed:${d.node}:${shape(d)}`;
      case 'execution_cached':
        return `execution_cached:${d.nodes.join(',')}`;
      case 'status':
        return `status:${d.status.exec_info.queue_remaining}:${shape(d)}`;
      case 'progress':
        return `progress:${d.node}:${shape(d)}`;
      case 'progress_state': {
        const nodes = Object.values(d.nodes as Record<string, any>);
        const step = nodes.some((n) => n.state === 'running' && n.value > 0);
        return (step ? 'STEPSTATE:' : 'progress_state:') + nodes.map((n) => `${n.node_id}=${n.state}`).join(',') + ':' + shape(nodes[0]);
      }
      default:
        return `${m.type}:${shape(d)}`;
    }
  });
  const out: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i].startsWith('STEPSTATE:')) {
      // sweep: state, frame, progress; legacy sockets: state, progress, frame.
      const parts = [raw[i]];
      let j = i + 1;
      let sawProgress = false;
      while (j < raw.length) {
        const t = raw[j];
        if (t.startsWith('progress:') && !sawProgress) {
          sawProgress = true;
        } else if (!t.startsWith('bin')) {
          break;
        }
        parts.push(t);
        j++;
        if (sawProgress && t.startsWith('bin')) {
          break;
        }
      }
      const unit = 'STEP[' + parts.join(' | ') + ']';
      // Statuses of other prompts' enqueues may fall between steps; they do not split a run of steps.
      if ([...out].reverse().find((t) => !t.startsWith('status:')) !== unit) {
        out.push(unit);
      }
      i = j - 1;
      continue;
    }
    out.push(raw[i]);
  }
  return out;
}

function recordedTokens(r: Row[]): string[] {
  const msgs = r
    .filter((x) => x.kind === 'ws' || x.kind === 'ws_binary')
    .map((x) => (x.kind === 'ws' ? x.msg! : { binary: x.event!, meta: x.metadata }));
  return tokens(msgs);
}

function ourTokens(s: RawSocket): string[] {
  return tokens(s.events.map((e: WsEvent) => (e.kind === 'text' ? { type: e.type, data: e.data } : { binary: e.event, meta: e.meta })));
}

/** Drives the fake with a recording's requests and checks every HTTP answer on the way. */
async function replay(
  server: FakeComfy,
  name: string,
  opts: { featureFlags: boolean; graphFor?: (note: string | null | undefined, recorded: Graph | undefined) => unknown },
): Promise<{ socket: RawSocket; recorded: Row[] }> {
  const recorded = rows(name);
  const socket = await RawSocket.open(server.url, { clientId: randomUUID(), featureFlags: opts.featureFlags });
  const ids = new Map<string, string>();
  const posted: string[] = [];
  const historyGraph = (tid: string): { graph: Graph; extra: Record<string, unknown>; order: string[] } | undefined => {
    for (const [i, r] of recorded.entries()) {
      const entry = r.kind === 'http' && r.status === 200 && r.path === `/history/${tid}` ? r.body?.[tid] : undefined;
      if (entry) {
        const graph = entry.prompt[2] as Graph;
        const at = (k: string) => lines(name)[i].indexOf(`"${k}": {"class_type"`);
        return { graph, extra: entry.prompt[3], order: Object.keys(graph).sort((a, b) => at(a) - at(b)) };
      }
    }
    return undefined;
  };
  for (const [i, r] of recorded.entries()) {
    if (r.kind !== 'http') {
      continue;
    }
    const label = `${name} row ${i} ${r.method} ${r.path} ${r.note ?? ''}`;
    if (r.method === 'POST' && r.path === '/prompt') {
      const note = r.note ?? null;
      let body: unknown;
      let headers: Record<string, string> = {};
      if (note === 'malformed json') {
        body = '{"prompt": ';
      } else if (r.status === 200) {
        const tid = r.body.prompt_id as string;
        const h = historyGraph(tid)!;
        const extra = { ...h.extra };
        delete extra.client_id;
        delete extra.create_time;
        const graph = (opts.graphFor ? opts.graphFor(note, h.graph) : h.graph) as Graph;
        body = withPrompt(graph, h.order, {
          client_id: socket.sid,
          extra_data: extra,
          ...(r.sent?.prompt_id ? { prompt_id: randomUUID() } : {}),
        });
      } else {
        const graph = opts.graphFor?.(note, undefined) ?? BAD_GRAPHS[note ?? '']?.();
        assert.ok(graph !== undefined, `no graph for ${label}`);
        headers = BAD_HEADERS[note ?? ''] ?? {};
        body = { prompt: graph, ...(r.sent ?? {}) };
        if (r.sent?.client_id) {
          (body as Record<string, unknown>).client_id = socket.sid;
        }
      }
      const res = await request(server.url, 'POST', '/prompt', body, headers);
      assert.equal(res.status, r.status, label);
      if (r.status === 200) {
        ids.set(r.body.prompt_id, res.json.prompt_id);
        posted.push(res.json.prompt_id);
        assert.deepEqual(shapeDiff(r.body, res.json), [], label);
      } else if (typeof r.body === 'string') {
        assert.equal(res.text, r.body, label);
      } else if (LIST_DEPENDENT.has(note ?? '')) {
        assert.deepEqual(shapeDiff(r.body, res.json), [], label);
        assert.equal(res.json.error.type, r.body.error.type, label);
      } else {
        assert.deepEqual(res.json, r.body, label);
      }
      continue;
    }
    if (r.method === 'POST' && r.path === '/interrupt') {
      // The recording interrupted after a few steps had been reported.
      const last = recorded
        .slice(0, i)
        .filter((x) => x.kind === 'ws' && x.msg!.type === 'progress')
        .pop()!.msg!.data.value as number;
      const pid = posted[posted.length - 1];
      await socket.waitFor((e) => e.kind === 'text' && e.type === 'progress' && e.data.prompt_id === pid && e.data.value >= last);
      const res = await request(server.url, 'POST', '/interrupt', { prompt_id: pid });
      assert.equal(res.status, r.status, label);
      continue;
    }
    // Reads come after the runs in every recording: wait until each posted prompt has finished.
    for (const pid of posted) {
      await socket.waitDone(pid);
    }
    let p = r.path!;
    for (const [tid, ours] of ids) {
      p = p.replace(tid, ours);
    }
    const query = { ...(r.query ?? {}) };
    if (p === '/view' && r.status === 200) {
      const theirs = recorded
        .filter((x) => x.kind === 'ws' && x.msg!.type === 'executed')
        .map((x) => x.msg!.data.output.images[0].filename);
      const mine = socket
        .texts()
        .filter((m) => m.type === 'executed')
        .map((m) => m.data.output.images[0].filename);
      query.filename = mine[theirs.indexOf(query.filename)];
    }
    const qs = Object.keys(query).length ? '?' + new URLSearchParams(query).toString() : '';
    const res = await request(server.url, r.method!, p + qs);
    assert.equal(res.status, r.status, label);
    if (r.content_type) {
      // Previews are PNG here (no WebP encoder); the type must still describe the bytes.
      assert.equal(res.headers['content-type'], r.content_type === 'image/webp' ? 'image/png' : r.content_type, label);
      const png = PNG.sync.read(res.bytes);
      assert.ok(png.width > 0, label);
    } else if (r.status !== 200 || typeof r.body !== 'object' || r.body === null) {
      assert.equal(res.text === '' ? '' : (res.json ?? res.text), r.body ?? '', label);
    } else {
      assert.deepEqual(shapeDiff(r.body, res.json), [], label);
    }
  }
  for (const pid of posted) {
    await socket.waitDone(pid).catch(() => undefined);
  }
  return { socket, recorded };
}

function assertSameMessages(socket: RawSocket, recorded: Row[]): void {
  const theirs = recordedTokens(recorded);
  let ours = ourTokens(socket);
  // The error recording stops at execution_error; the server goes on (status, executing null).
  if (theirs[theirs.length - 1].startsWith('execution_error')) {
    ours = ours.slice(0, ours.findIndex((t) => t.startsWith('execution_error')) + 1);
  }
  // When a posted prompt's `status` arrives depends on the poster's timing: statuses are compared apart.
  const isStatus = (t: string) => t.startsWith('status:');
  assert.deepEqual(
    ours.filter((t) => !isStatus(t)),
    theirs.filter((t) => !isStatus(t)),
  );
  assert.deepEqual(ours.filter(isStatus), theirs.filter(isStatus));
}

let server: FakeComfy;

before(async () => {
  server = await startFakeComfy({ msPerStep: 1, loadMs: 5, nodeMs: 1, maxImageSide: 128 });
});
after(async () => {
  await server.close();
});

// One server for the scenarios recorded one after another, so the cache holds what it held then.
for (const [name, featureFlags] of [
  ['smoke', true],
  ['cached', true],
  ['interrupt', true],
  ['badinputs', false],
  ['sweep', true],
  ['legacy', false],
] as const) {
  test(`${name}: same answers and the same WebSocket messages as the real server`, async () => {
    const { socket, recorded } = await replay(server, name, { featureFlags });
    try {
      if (name !== 'badinputs') {
        assertSameMessages(socket, recorded);
      }
    } finally {
      socket.close();
    }
  });
}

test('qwen_errors: a graph that validates but fails in its loader gives the real execution_error, history and job', async () => {
  const fresh = await startFakeComfy({ msPerStep: 1, loadMs: 5, nodeMs: 1, maxImageSide: 128 });
  try {
    const { socket, recorded } = await replay(fresh, 'qwen_errors', {
      featureFlags: true,
      graphFor: (note, graph) => {
        if (graph) {
          // The recording's placeholder VAE failed to load; here a "__fail__" file does the same.
          const g = structuredClone(graph);
          g['39'].inputs.vae_name = 'broken__fail__.safetensors';
          return g;
        }
        const base = structuredClone(recorded400Base(fresh));
        if (note === 'gguf graph without the GGUF node pack') {
          // The test server has ComfyUI-GGUF; a class it lacks gives the same error.
          base['37'] = { class_type: 'UnetLoaderGGUF_NotInstalled', inputs: { unet_name: 'qwen-image-Q4_K_M.gguf' } };
        } else {
          base['70'] = {
            class_type: 'LoraLoaderModelOnly',
            inputs: { model: ['37', 0], lora_name: 'Qwen-Image-Lightning-4steps-V1.0.safetensors', strength_model: 1 },
          };
          base['66'].inputs.model = ['70', 0];
        }
        return base;
      },
    });
    try {
      assertSameMessages(socket, recorded);
    } finally {
      socket.close();
    }
  } finally {
    await fresh.close();
  }
});

/** The Qwen-Image graph of the qwen_errors recording (its first /history row). */
function recorded400Base(_s: FakeComfy): Graph {
  const r = rows('qwen_errors').find((x) => x.kind === 'http' && x.path?.startsWith('/history/') && x.status === 200)!;
  return Object.values(r.body as Record<string, { prompt: [number, string, Graph] }>)[0].prompt[2];
}
