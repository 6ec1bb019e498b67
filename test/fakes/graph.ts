/**
 * Graph bookkeeping that ComfyUI makes visible to clients: node order as posted, cache signatures,
 * and the order in which nodes execute (its TopologicalSort + "ux friendly" pick).
 */
import { createHash } from 'node:crypto';
import { ApiGraph } from '../../src/core/comfy/types';
import { isLink } from './validate';

/**
 * Keys of the object at `body.prompt` in the order of the JSON text. JSON.parse puts integer-like keys
 * first in ascending order, but ComfyUI (Python dicts) keeps the posted order, e.g. in execution_cached.
 */
export function promptKeyOrder(raw: string): string[] | undefined {
  let i = 0;
  const ws = () => {
    while (i < raw.length && ' \t\r\n'.includes(raw[i])) {
      i++;
    }
  };
  const str = (): string => {
    const start = i;
    i++;
    while (i < raw.length && raw[i] !== '"') {
      i += raw[i] === '\\' ? 2 : 1;
    }
    i++;
    return JSON.parse(raw.slice(start, i)) as string;
  };
  const skip = (): void => {
    ws();
    const c = raw[i];
    if (c === '"') {
      str();
      return;
    }
    if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      i++;
      ws();
      if (raw[i] === close) {
        i++;
        return;
      }
      for (;;) {
        if (c === '{') {
          ws();
          str();
          ws();
          i++;
        }
        skip();
        ws();
        if (raw[i++] === close) {
          return;
        }
      }
    }
    while (i < raw.length && !',}] \t\r\n'.includes(raw[i])) {
      i++;
    }
  };
  const keysOf = (): string[] => {
    const keys: string[] = [];
    ws();
    if (raw[i] !== '{') {
      return keys;
    }
    i++;
    ws();
    if (raw[i] === '}') {
      return keys;
    }
    for (;;) {
      ws();
      keys.push(str());
      ws();
      i++;
      skip();
      ws();
      if (raw[i++] === '}') {
        return keys;
      }
    }
  };
  try {
    ws();
    if (raw[i] !== '{') {
      return undefined;
    }
    i++;
    for (;;) {
      ws();
      if (raw[i] === '}') {
        return undefined;
      }
      const key = str();
      ws();
      i++;
      if (key === 'prompt') {
        return keysOf();
      }
      skip();
      ws();
      if (raw[i++] === '}') {
        return undefined;
      }
    }
  } catch {
    return undefined;
  }
}

/** Cache key of every node: class + literal inputs + the keys of linked ancestors (ComfyUI's input signature). */
export function signatures(prompt: ApiGraph): Map<string, string> {
  const sigs = new Map<string, string>();
  const sig = (id: string): string => {
    const known = sigs.get(id);
    if (known) {
      return known;
    }
    const node = prompt[id];
    const parts = Object.keys(node.inputs)
      .sort()
      .map((k) => {
        const v = node.inputs[k];
        return isLink(v) ? [k, 'LINK', sig(String(v[0])), v[1]] : [k, v];
      });
    const s = createHash('sha1')
      .update(JSON.stringify([node.class_type, parts]))
      .digest('hex');
    sigs.set(id, s);
    return s;
  };
  for (const id of Object.keys(prompt)) {
    sig(id);
  }
  return sigs;
}

/**
 * Whether `input` of node `id` is a ComfySwitchNode branch that its switch does not select. Its
 * on_false/on_true are lazy: ComfyUI runs only the branch check_lazy_status asks for, so the other
 * branch's nodes never execute. The switch must be known without running anything: written in place,
 * or linked from a Primitive* node.
 */
function unselectedBranch(prompt: ApiGraph, id: string, input: string): boolean {
  const node = prompt[id];
  if (node.class_type !== 'ComfySwitchNode' || (input !== 'on_true' && input !== 'on_false')) {
    return false;
  }
  let value = node.inputs.switch;
  if (isLink(value)) {
    const from = prompt[String(value[0])];
    value = from && /^Primitive/.test(from.class_type) ? from.inputs.value : undefined;
  }
  return typeof value === 'boolean' && (input === 'on_true') !== value;
}

/**
 * Execution order for the given output nodes, skipping cached nodes' ancestors, exactly as ComfyUI picks:
 * nodes staged by a depth-first stack walk; among ready nodes prefer an output node, then a node that
 * feeds an output node, then one two steps away, else the first staged.
 */
export function executionOrder(
  prompt: ApiGraph,
  outputs: string[],
  isCached: (id: string) => boolean,
  isOutput: (id: string) => boolean,
): string[] {
  const pending: string[] = [];
  const blockCount = new Map<string, number>();
  const blocking = new Map<string, Set<string>>();
  for (const out of outputs) {
    const stack = [out];
    const links: [string, string][] = [];
    while (stack.length) {
      const id = stack.pop()!;
      if (blockCount.has(id)) {
        continue;
      }
      pending.push(id);
      blockCount.set(id, 0);
      blocking.set(id, new Set());
      for (const [name, v] of Object.entries(prompt[id].inputs)) {
        if (!isLink(v) || unselectedBranch(prompt, id, name)) {
          continue;
        }
        const from = String(v[0]);
        if (!isCached(from)) {
          stack.push(from);
        }
        links.push([from, id]);
      }
    }
    for (const [from, to] of links) {
      if (!blockCount.has(from) || blocking.get(from)!.has(to)) {
        continue;
      }
      blocking.get(from)!.add(to);
      blockCount.set(to, blockCount.get(to)! + 1);
    }
  }
  const order: string[] = [];
  const done = new Set<string>();
  while (order.length < pending.length) {
    const ready = pending.filter((id) => !done.has(id) && blockCount.get(id) === 0);
    if (ready.length === 0) {
      break;
    }
    const feeds = (id: string, depth: number): boolean =>
      [...blocking.get(id)!].some((b) => (depth === 1 ? isOutput(b) : feeds(b, depth - 1)));
    const pick = ready.find(isOutput) ?? ready.find((id) => feeds(id, 1)) ?? ready.find((id) => feeds(id, 2)) ?? ready[0];
    order.push(pick);
    done.add(pick);
    for (const b of blocking.get(pick)!) {
      blockCount.set(b, blockCount.get(b)! - 1);
    }
  }
  return order;
}
