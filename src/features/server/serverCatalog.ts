import vscode = require('vscode');
import type { ILogger } from '../../core/logger';
import { userMessage } from '../../core/comfy/errors';
import { comboValues, type ObjectInfo } from '../../core/comfy/objectInfo';
import { VALUE_SOURCES as SOURCES, type ValueKind } from '../../core/runs/serverNames';
import { KNOWN_SAMPLERS, KNOWN_SCHEDULERS } from '../../core/spec/knownNames';
import { Disposable } from '../../platform/dispose';
import type { ComfyConnections } from './comfyConnections';

const TTL_MS = 60_000;
const FETCH_TIMEOUT_MS = 2500;

export type { ValueKind };

/** Allowed values per kind, and where they came from. */
export interface ValueLists {
  source: 'server' | 'builtin';
  values: Record<ValueKind, readonly string[]>;
}

export const BUILTIN_LISTS: ValueLists = {
  source: 'builtin',
  values: {
    sampler: KNOWN_SAMPLERS,
    scheduler: KNOWN_SCHEDULERS,
    unet: [],
    clip: [],
    vae: [],
    checkpoint: [],
    lora: [],
    weightDtype: ['default', 'fp8_e4m3fn', 'fp8_e4m3fn_fast', 'fp8_e5m2'],
  },
};

/** Value lists from a whole /object_info answer; kinds it lacks keep the built-in list. */
export function listsFromObjectInfo(objectInfo: ObjectInfo): ValueLists {
  const values = { ...BUILTIN_LISTS.values };
  for (const kind of Object.keys(SOURCES) as ValueKind[]) {
    for (const [cls, input] of SOURCES[kind]) {
      const found = comboValues(objectInfo, cls, input);
      if (found) {
        values[kind] = found;
        break;
      }
    }
  }
  return { source: 'server', values };
}

/**
 * The live server's value lists for completions and hovers, cached per URL for a minute and fetched with a
 * short timeout; the built-in lists when the server does not answer or the workspace is untrusted.
 */
export class ServerCatalog extends Disposable {
  readonly #connections: ComfyConnections;
  readonly #log: ILogger;
  readonly #cache = new Map<string, { at: number; fetched: Promise<Fetched> }>();

  constructor(connections: ComfyConnections, log: ILogger) {
    super();
    this.#connections = connections;
    this.#log = log;
    this._register(connections.onDidChange(() => this.#cache.clear()));
  }

  async lists(): Promise<ValueLists> {
    return (await this.#fetched())?.lists ?? BUILTIN_LISTS;
  }

  /** The server's /object_info (one request shared with the lists), or undefined when it does not
   * answer or the folder is untrusted: a UI workflow then converts against the recorded one. */
  async objectInfo(): Promise<ObjectInfo | undefined> {
    return (await this.#fetched())?.info;
  }

  #fetched(): Promise<Fetched | undefined> {
    if (!this.#connections.isTrusted) {
      return Promise.resolve(undefined);
    }
    const url = this.#connections.url;
    const hit = this.#cache.get(url);
    if (hit && Date.now() - hit.at < TTL_MS) {
      return hit.fetched;
    }
    const fetched = this.#fetch(url);
    this.#cache.set(url, { at: Date.now(), fetched });
    return fetched;
  }

  async #fetch(url: string): Promise<Fetched> {
    try {
      const client = await this.#connections.client(url);
      const info = (await client.objectInfo(AbortSignal.timeout(FETCH_TIMEOUT_MS))) as ObjectInfo;
      return { lists: listsFromObjectInfo(info), info };
    } catch (e) {
      this.#log.debug(`Completions use the built-in lists: /object_info of ${url} failed: ${userMessage(e)}`);
      return { lists: BUILTIN_LISTS };
    }
  }
}

interface Fetched {
  lists: ValueLists;
  info?: ObjectInfo;
}

/** A hint for a value the lists do not hold. */
export function listSourceText(lists: ValueLists): string {
  return lists.source === 'server' ? vscode.l10n.t('from the server') : vscode.l10n.t('built-in list (the server did not answer)');
}
