import type { JobOutcome, TimedMessage } from '../comfy/types';
import type { JobTimings, NodeTiming } from '../../shared/runRecord';

export interface MeasureContext {
  /** The sampler node whose `progress` gives the steps. */
  samplerNode: string;
  /** Model loader nodes: if one executes, the job was cold. */
  loaderNodes: string[];
  /** Node id → class type, for the per-node breakdown. */
  classOf?: (node: string) => string | undefined;
}

const TERMINAL = ['execution_success', 'execution_error', 'execution_interrupted'];

/**
 * Derives a job's measures from ComfyUI's own messages:
 * execution time from the server's timestamps, queue wait from `create_time`, sampling time and it/s
 * between the sampler's first and last `progress`, per-node times from `executing` arrivals,
 * cold/warm from whether a loader ran, cached from whether the sampler ran at all.
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
  const cached = cachedNodes.includes(ctx.samplerNode);
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

  const progress = outcome.messages.filter((m) => m.msg.type === 'progress' && String(m.msg.data?.node) === ctx.samplerNode);
  let wholeSampling = false;
  if (progress.length >= 2) {
    const first = progress[0];
    const last = progress[progress.length - 1];
    const ms = last.at - first.at;
    const steps = num(last.msg.data.value)! - num(first.msg.data.value)!;
    t.samplingMs = ms;
    if (ms > 0 && steps > 0) t.itPerSec = steps / (ms / 1000);
    // Its first and last steps were heard: the time between them is whole, whatever was missed between.
    wholeSampling = (num(first.msg.data.value) ?? 0) <= 1 && num(last.msg.data.value) === num(last.msg.data.max);
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
    }
  }
  return t;
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
