/**
 * Fresh cost: what each setting would cost if ComfyUI had run it from scratch (models loaded). ComfyUI
 * reuses a node's cached output when its cache key is unchanged from an earlier prompt, so a second
 * decoder on the same latent runs only the decode, and its execution time says nothing of the
 * sampling it depends on. A reused node is priced at its time in the job of this run that ran it.
 */
import type { CellRecord, FreshCost, ReusedNode, SamplerTiming } from '../../shared/runRecord';
import { isDecodeClass, isLoaderClass, nodeSignatures } from '../comfy/workflow/graphCache';

/** A node one job ran, with what it took. */
interface Ran {
  cell: CellRecord;
  node: string;
  ms: number;
  sampler?: SamplerTiming;
  order: number;
}

/** Whether a cell's job ran and its timings are there to price (not served wholly from cache). */
function priceable(c: CellRecord): boolean {
  return !!c.timings && !c.timings.cached && !!c.graph && ['success', 'error', 'interrupted', 'cancelled'].includes(c.status);
}

/**
 * Sets `timings.fresh` on every cell whose job ran: its execution time plus, for each node it took
 * from the cache (model loaders aside), that node's time in the latest earlier job of these cells
 * on the same server that ran the same node (same cache key). Reused nodes no job here ran are listed as unpriced.
 */
export function priceCells(cells: CellRecord[]): void {
  const ordered = cells
    .map((cell, i) => ({ cell, i }))
    .filter(({ cell }) => priceable(cell))
    .sort((a, b) => (a.cell.timings!.executionStart ?? a.i) - (b.cell.timings!.executionStart ?? b.i) || a.i - b.i);
  const ran = new Map<string, Ran[]>();
  ordered.forEach(({ cell }, order) => {
    const t = cell.timings!;
    // Each server keeps its own cache: a node one server reused was run by a job on that server.
    const where = `${cell.server ?? ''}\u0000`;
    const sigs = new Map([...nodeSignatures(cell.graph!)].map(([id, sig]) => [id, where + sig]));
    const classOf = (n: string) => cell.graph![n]?.class_type;
    const own = new Map(t.nodes.map((n) => [n.node, n.ms]));
    const reused: ReusedNode[] = [];
    const unpriced: string[] = [];
    const samplers: SamplerTiming[] = [...(t.samplers ?? [])];
    let decodeMs: number | undefined;
    for (const [node, ms] of own) {
      if (isDecodeClass(classOf(node))) decodeMs = (decodeMs ?? 0) + ms;
    }
    for (const node of t.cachedNodes) {
      if (!cell.graph![node] || isLoaderClass(classOf(node))) continue;
      const source = latest(ran.get(sigs.get(node)!), order);
      if (!source) {
        unpriced.push(node);
        continue;
      }
      reused.push({ node, classType: classOf(node) ?? '', ms: source.ms, from: source.cell.key });
      if (source.sampler) samplers.push(source.sampler);
      if (isDecodeClass(classOf(node))) decodeMs = (decodeMs ?? 0) + source.ms;
    }
    const reusedMs = reused.reduce((a, r) => a + r.ms, 0);
    const fresh: FreshCost = { ms: t.executionMs + reusedMs, measuredMs: t.executionMs, reused, unpriced };
    if (samplers.length) {
      // A reused sampler (stage 1 under a new stage 2, a latent under a new decoder) is still sampling the setting pays for.
      const ms = samplers.reduce((a, x) => a + x.ms, 0);
      const steps = samplers.reduce((a, x) => a + x.steps, 0);
      fresh.samplingMs = ms;
      if (ms > 0 && steps > 0) fresh.itPerSec = steps / (ms / 1000);
    }
    if (decodeMs !== undefined && !t.live) fresh.decodeMs = decodeMs;
    t.fresh = fresh;
    // Per-node times are unknown when the job's live messages were lost: it can price nothing for later jobs.
    if (t.live) return;
    for (const [node, ms] of own) {
      const sig = sigs.get(node);
      if (sig === undefined) continue;
      const entry: Ran = { cell, node, ms, order };
      const sampler = t.samplers?.find((s) => s.node === node);
      if (sampler) entry.sampler = sampler;
      const list = ran.get(sig);
      if (list) list.push(entry);
      else ran.set(sig, [entry]);
    }
  });
}

/** The latest job before `order` that ran the node. */
function latest(list: Ran[] | undefined, order: number): Ran | undefined {
  let best: Ran | undefined;
  for (const r of list ?? []) if (r.order < order && (!best || r.order > best.order)) best = r;
  return best;
}
