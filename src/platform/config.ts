import * as path from 'node:path';
import vscode = require('vscode');
import { clampThreshold } from '../core/convergence/analyse';
import { DEFAULT_RUNS_FOLDER } from '../core/runs/runFolders';
import { parseScenarioLayer, type ScenarioLayer } from '../shared/scenarios';
import { Disposable } from './dispose';

/** A ComfyUI server the user listed in `qwenprompt.comfy.servers`. */
export interface ServerEntry {
  url: string;
  name?: string;
  /** Pools it belongs to (`qwenprompt.comfy.pool` picks one). */
  pools?: readonly string[];
}

/** Every `qwenprompt.*` setting, validated and defaulted. Immutable: a change makes a new snapshot. */
export interface QwenConfig {
  readonly comfyUrl: string;
  readonly servers: readonly ServerEntry[];
  /** The pool runs spread over ('' = the one server of comfyUrl; 'all' = every listed server). */
  readonly pool: string;
  /** Step counts for a spec that names none. */
  readonly defaultSteps: readonly number[];
  /** Overrides every spec's `repeats` when > 0. */
  readonly repeats: number;
  /** Relative to the spec's folder unless absolute. */
  readonly runsFolder: string;
  readonly previews: boolean;
  readonly codeLensEnabled: boolean;
  /** How long a job may stay silent before the client gives up on it. */
  readonly watchdogMinutes: number;
  /** Mean SSIM a step count must reach to be recommended after a steps sweep. */
  readonly convergenceThreshold: number;
  /** Who the panel's rating rounds are saved as; empty: git's user.name. */
  readonly rater: string;
  /** Scenarios laid over the presets (a spec's `scenarios:` goes over these). */
  readonly scenarios: Readonly<ScenarioLayer>;
}

export const DEFAULT_COMFY_URL = 'http://127.0.0.1:8188';

/** Reads the settings through `get` (so it can be fed plain data) and repairs what is out of range. */
export function readQwenConfig(get: (key: string) => unknown): QwenConfig {
  const steps = asArray(get('defaultSteps'))
    .map((s) => (typeof s === 'number' && Number.isFinite(s) ? Math.round(s) : NaN))
    .filter((s) => s >= 1 && s <= 10000);
  const runsFolder = asString(get('runsFolder')).trim();
  return Object.freeze({
    comfyUrl: normalizeServerUrl(asString(get('comfy.url'))) ?? DEFAULT_COMFY_URL,
    servers: Object.freeze(readServers(get('comfy.servers'))),
    pool: asString(get('comfy.pool')).trim(),
    defaultSteps: Object.freeze(steps.length ? [...new Set(steps)] : [20, 40, 60]),
    repeats: clampInt(get('repeats'), 0, 100, 0),
    runsFolder: runsFolder || DEFAULT_RUNS_FOLDER,
    previews: get('previews') !== false,
    codeLensEnabled: get('codeLens.enabled') !== false,
    watchdogMinutes: clampInt(get('watchdogMinutes'), 1, 24 * 60, 10),
    convergenceThreshold: clampThreshold(get('convergence.threshold')),
    rater: asString(get('rater')).trim().slice(0, 80),
    scenarios: Object.freeze(parseScenarioLayer(get('scenarios')).layer),
  });
}

/** `http(s)://host[:port][/prefix]` without a trailing slash, or undefined when it is not such a URL. */
export function normalizeServerUrl(raw: string): string | undefined {
  const text = raw.trim();
  if (!text) {
    return undefined;
  }
  try {
    const url = new URL(/^[a-z]+:\/\//i.test(text) ? text : `http://${text}`);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      return undefined;
    }
    return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  } catch {
    return undefined;
  }
}

function readServers(value: unknown): ServerEntry[] {
  const out: ServerEntry[] = [];
  for (const item of asArray(value)) {
    const raw = typeof item === 'string' ? { url: item } : item;
    if (raw && typeof raw === 'object' && typeof (raw as ServerEntry).url === 'string') {
      const url = normalizeServerUrl((raw as ServerEntry).url);
      const name = (raw as ServerEntry).name;
      const pools = asArray((raw as ServerEntry).pools).filter((p): p is string => typeof p === 'string' && p !== '');
      if (url) {
        out.push({ url, ...(typeof name === 'string' && name ? { name } : {}), ...(pools.length ? { pools } : {}) });
      }
    }
  }
  return out;
}

/** The servers of the configured pool (none when no pool is chosen): throws when the pool names no listed server. */
export function poolServers(config: Pick<QwenConfig, 'pool' | 'servers'>): ServerEntry[] {
  if (!config.pool) return [];
  const members = config.servers.filter((s) => config.pool === 'all' || s.pools?.includes(config.pool));
  if (!members.length) {
    throw new Error(
      `qwenprompt.comfy.pool is "${config.pool}", but no entry of qwenprompt.comfy.servers is in that pool (give entries "pools": ["${config.pool}"]).`,
    );
  }
  return members;
}

function asArray(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

function asString(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

function clampInt(v: unknown, min: number, max: number, fallback: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    return fallback;
  }
  return Math.min(max, Math.max(min, Math.round(v)));
}

/** Holds the current `qwenprompt.*` snapshot; nothing else reads the configuration. */
export class ConfigService extends Disposable {
  #current: QwenConfig;
  readonly #onDidChange = this._register(new vscode.EventEmitter<vscode.ConfigurationChangeEvent>());
  /** Fires after `current` was replaced; check `affectsConfiguration('qwenprompt.x')` for details. */
  readonly onDidChange = this.#onDidChange.event;

  constructor() {
    super();
    this.#current = ConfigService.#read();
    this._register(
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('qwenprompt')) {
          this.#current = ConfigService.#read();
          this.#onDidChange.fire(e);
        }
      }),
    );
  }

  get current(): QwenConfig {
    return this.#current;
  }

  /** Writes the server URL where the user keeps it (workspace if set there, else user settings). */
  async setServerUrl(url: string): Promise<void> {
    const section = vscode.workspace.getConfiguration('qwenprompt');
    const inspected = section.inspect<string>('comfy.url');
    const target =
      inspected?.workspaceValue !== undefined && vscode.workspace.isTrusted
        ? vscode.ConfigurationTarget.Workspace
        : vscode.ConfigurationTarget.Global;
    await section.update('comfy.url', url, target);
  }

  static #read(): QwenConfig {
    const section = vscode.workspace.getConfiguration('qwenprompt');
    return readQwenConfig((key) => section.get(key));
  }
}
