import type { ApiGraph, JobOutcome, TimedMessage } from '../comfy/types';
import type { JobTimings, NodeTiming, SamplerTiming } from '../../shared/runRecord';
import { isSamplerClass, neededNodes } from '../comfy/workflow/graphCache';

export interface MeasureContext {
  /** The sampler node whose `progress` gives the steps. */
  samplerNode: string;
  /** Model loader nodes: if one executes, the job was cold. */
  loaderNodes: string[];
  /** Node id → class type, for the per-node breakdown. */
  classOf?: (node: string) => string | undefined;
  /** The graph sent and its output nodes: a job is cached only when every node they need was. */
  graph?: ApiGraph;
  outputNodes?: string[];
}

const TERMINAL = ['execution_success', 'execution_error', 'execution_interrupted'];

/**
 * Derives a job's measures from ComfyUI's own messages:
 * execution time from the server's timestamps, queue wait from `create_time`, sampling time and it/s
 * between the sampler's first and last `progress`, per-node times from `executing` arrivals,
 * cold/warm from whether a loader ran, cached only when nothing ran (every node the outputs need was
 * served from cache). Sampling time covers every sampler node that ran (a two-stage pair, a refiner).
 * History status messages are preferred (they survive a dropped socket); live messages fill gaps.
 */
export function measureJob(outcome: JobOutcome, ctx: MeasureContext): JobTimings | undefined {
  const statusMsgs = outcome.history?.status?.messages ?? [];
  const find = (type: string | string[]): Record<string, any> | undefined => {
    const types = Array.isArray(type) ? type : [type];
    const fromHistory = statusMsgs.find(([t]) => types.includes(t));
    if (fromHistory) return fromHistory[1];
    return outcome.messages.find((m) => types.includes(m.msg.type))?.msg.data;
  };
  const start = find('execution_start');
  const end = find(TERMINAL);
  const startTs = num(start?.timestamp);
  const endTs = num(end?.timestamp);
  if (startTs === undefined || endTs === undefined) return undefined;

  const cachedNodes: string[] = (find('execution_cached')?.nodes as string[] | undefined) ?? [];
  const needed = ctx.graph ? neededNodes(ctx.graph, ctx.outputNodes) : [ctx.samplerNode];
  const cached = needed.length > 0 && needed.every((n) => cachedNodes.includes(n));
  // Every node of the graph is either served from cache or executed: a loader not in the cached
  // list ran, so the job paid for loading a model.
  const cold = ctx.loaderNodes.some((n) => !cachedNodes.includes(n));

  const t: JobTimings = {
    executionMs: endTs - startTs,
    nodes: nodeTimings(outcome.messages, ctx),
    cachedNodes,
    cold,
    cached,
    executionStart: startTs,
    executionEnd: endTs,
  };
  const createTime = num(outcome.history?.prompt?.[3]?.create_time);
  if (createTime !== undefined) t.queueWaitMs = Math.max(0, startTs - createTime);

  const samplers = samplerTimings(outcome.messages, ctx);
  // Each sampler's first and last steps were heard: the time between them is whole, whatever was missed between.
  const wholeSampling = samplers.length > 0 && samplers.every((x) => x.whole);
  if (samplers.length) {
    t.samplers = samplers.map(({ whole: _, ...x }) => x);
    const ms = samplers.reduce((a, x) => a + x.ms, 0);
    const steps = samplers.reduce((a, x) => a + x.steps, 0);
    t.samplingMs = ms;
    if (ms > 0 && steps > 0) t.itPerSec = steps / (ms / 1000);
  }
  const live = outcome.live;
  if (live && live.heard !== 'all') {
    // What the client missed is unknown, not zero: say so rather than record a short, wrong figure.
    const sampling = live.heard === 'none' || t.samplingMs === undefined ? 'unknown' : wholeSampling ? 'whole' : 'partial';
    t.live = { heard: live.heard, sampling, ...(live.reason ? { reason: live.reason } : {}) };
    t.nodes = [];
    if (sampling === 'unknown') {
      delete t.samplingMs;
      delete t.itPerSec;
      delete t.samplers;
    }
  }
  return t;
}

/**
 * Each sampler node's time between its first and last `progress` (client clock) and the steps between
 * them. A node counts as a sampler by its class (KSampler, KSamplerAdvanced, SamplerCustom…), or as
 * the driven sampler; a tiled decode or an upscaler also reports progress and is not sampling.
 */
function samplerTimings(messages: TimedMessage[], ctx: MeasureContext): (SamplerTiming & { whole: boolean })[] {
  const byNode = new Map<string, TimedMessage[]>();
  for (const m of messages) {
    if (m.msg.type !== 'progress') continue;
    const node = String(m.msg.data?.node ?? '');
    if (node !== ctx.samplerNode && !isSamplerClass(ctx.classOf?.(node))) continue;
    const list = byNode.get(node);
    if (list) list.push(m);
    else byNode.set(node, [m]);
  }
  const out: (SamplerTiming & { whole: boolean })[] = [];
  for (const [node, progress] of byNode) {
    if (progress.length < 2) continue;
    const first = progress[0];
    const last = progress[progress.length - 1];
    const steps = (num(last.msg.data.value) ?? 0) - (num(first.msg.data.value) ?? 0);
    const whole = (num(first.msg.data.value) ?? 0) <= 1 && num(last.msg.data.value) === num(last.msg.data.max);
    out.push({ node, classType: ctx.classOf?.(node) ?? '', ms: last.at - first.at, steps, whole });
  }
  return out;
}

/** Time from each node's `executing` to the next node's (or to the job's end), client clock. */
function nodeTimings(messages: TimedMessage[], ctx: MeasureContext): NodeTiming[] {
  const out: NodeTiming[] = [];
  let current: { node: string; at: number } | undefined;
  for (const m of messages) {
    const isExecuting = m.msg.type === 'executing';
    if (isExecuting || TERMINAL.includes(m.msg.type)) {
      if (current) {
        out.push({ node: current.node, classType: ctx.classOf?.(current.node) ?? '', ms: m.at - current.at });
      }
      current = isExecuting && m.msg.data?.node ? { node: String(m.msg.data.node), at: m.at } : undefined;
    }
  }
  return out;
}

function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
