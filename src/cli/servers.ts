// Which servers a CLI run uses: `--server URL` (repeatable: a pool of those), or `--pool NAME`, the servers of
// that pool in the workspace's `.vscode/settings.json` (`qwenprompt.comfy.servers`, entries with `pools`).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ComfyClient, type ComfyClientOptions } from '../core/comfy/client';
import type { PoolServer } from '../core/runs/pool';

export interface CliServer {
  url: string;
  name: string;
  /** The variable holding its bearer token, if any. */
  tokenEnv?: string;
}

/** A server entry as settings.json holds it. */
interface ServerSetting {
  url?: unknown;
  name?: unknown;
  tokenKey?: unknown;
  pools?: unknown;
}

/**
 * The servers of a run: `--pool NAME`, else every `--server URL` (default $QWENPROMPT_SERVER or the local
 * ComfyUI). Throws a usage message for a bad URL or both flags given.
 */
export async function chooseServers(o: { urls?: string[]; pool?: string; tokenEnv: string }, specDir: string): Promise<CliServer[]> {
  if (o.pool !== undefined && o.urls?.length) throw new Error('Give --server URL (repeatable) or --pool NAME, not both.');
  if (o.pool !== undefined) return serversOfPool(o.pool, specDir);
  const urls = o.urls?.length ? o.urls : [process.env.QWENPROMPT_SERVER ?? 'http://127.0.0.1:8188'];
  for (const url of urls) {
    try {
      new URL(url);
    } catch {
      throw new Error(`--server "${url}" is not a URL (e.g. http://127.0.0.1:8188).`);
    }
  }
  return serversFromUrls(urls, o.tokenEnv);
}

/** One client per server, each with its own token (read from its variable). */
export function poolClients(servers: CliServer[], opts: Omit<ComfyClientOptions, 'baseUrl' | 'token'>): PoolServer[] {
  return servers.map((s) => ({
    name: s.name,
    client: new ComfyClient({ ...opts, baseUrl: s.url, token: (s.tokenEnv && process.env[s.tokenEnv]) || undefined }),
  }));
}

/** Names a URL by its host:port, numbered when two are alike. */
export function serversFromUrls(urls: string[], tokenEnv: string): CliServer[] {
  const seen = new Map<string, number>();
  return urls.map((url) => {
    const host = new URL(url).host;
    const n = (seen.get(host) ?? 0) + 1;
    seen.set(host, n);
    return { url: url.replace(/\/+$/, ''), name: n > 1 ? `${host}#${n}` : host, tokenEnv };
  });
}

/** The variable a pool server's token is read from: QWENPROMPT_TOKEN_ and its token key in capitals. */
export function tokenVariable(tokenKey: string): string {
  return `QWENPROMPT_TOKEN_${tokenKey.toUpperCase().replace(/[^A-Z0-9]+/g, '_')}`;
}

/** The servers of pool `name` in the nearest `.vscode/settings.json` at or above `from`; throws naming what is missing. */
export async function serversOfPool(name: string, from: string): Promise<CliServer[]> {
  const file = await findSettings(from);
  if (!file) throw new Error(`--pool ${name}: no .vscode/settings.json at or above ${from} lists qwenprompt.comfy.servers.`);
  let settings: Record<string, unknown>;
  try {
    settings = JSON.parse(stripJsonc(await fs.readFile(file, 'utf8'))) as Record<string, unknown>;
  } catch (e) {
    throw new Error(`--pool ${name}: ${file} is not valid JSON (${(e as Error).message}).`);
  }
  const entries = Array.isArray(settings['qwenprompt.comfy.servers']) ? (settings['qwenprompt.comfy.servers'] as ServerSetting[]) : [];
  const inPool = entries.filter(
    (e) => e && typeof e.url === 'string' && (name === 'all' || (Array.isArray(e.pools) && e.pools.includes(name))),
  );
  if (!inPool.length) throw new Error(`--pool ${name}: ${file} lists no server in pool "${name}" (give entries "pools": ["${name}"]).`);
  const named = serversFromUrls(
    inPool.map((e) => e.url as string),
    '',
  );
  return inPool.map((e, i) => ({
    url: named[i].url,
    name: typeof e.name === 'string' && e.name ? e.name : named[i].name,
    ...(typeof e.tokenKey === 'string' && e.tokenKey ? { tokenEnv: tokenVariable(e.tokenKey) } : {}),
  }));
}

async function findSettings(from: string): Promise<string | undefined> {
  let dir = path.resolve(from);
  for (;;) {
    const file = path.join(dir, '.vscode', 'settings.json');
    if (
      await fs.stat(file).then(
        (s) => s.isFile(),
        () => false,
      )
    )
      return file;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** JSON with comments and trailing commas (as VS Code writes settings.json) to plain JSON. */
export function stripJsonc(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      const start = i;
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === '\\') i++;
      out += text.slice(start, i + 1);
    } else if (c === '/' && text[i + 1] === '/') {
      while (i < text.length && text[i] !== '\n') i++;
      out += '\n';
    } else if (c === '/' && text[i + 1] === '*') {
      i = text.indexOf('*/', i + 2);
      if (i < 0) break;
      i++;
    } else out += c;
  }
  return out.replace(/,(\s*[}\]])/g, '$1');
}
