/**
 * HTTP to ComfyUI over Node's global fetch (undici). Node sends neither `Origin` nor `Sec-Fetch-Site`,
 * so ComfyUI's origin guard lets every request through (it only refuses a browser's cross-site or foreign-origin request). Every request has a deadline
 * that also covers reading the body, and bodies are read with a size cap.
 */
import type { ILogger } from '../logger';
import { abortedError, ComfyError, httpError, isComfyError, networkCode, unreachableError } from './errors';

export interface HttpOptions {
  baseUrl: string;
  token?: string;
  timeoutMs: number;
  /** Cap for JSON bodies. */
  maxJsonBytes: number;
  logger: ILogger;
}

export interface RequestOptions {
  query?: Record<string, string | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as multipart/form-data (fetch writes the boundary), as ComfyUI's /upload routes take it. */
  form?: FormData;
  signal?: AbortSignal;
}

/** Error bodies are only read for their message; a short prefix is enough. */
const MAX_ERROR_BODY = 64 * 1024;

/** Normalises a base URL: http(s) only, no query or hash, no trailing slash; a path prefix is kept. */
export function normalizeBaseUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw new ComfyError(
      'unreachable',
      `'${raw}' is not a valid ComfyUI URL (expected e.g. http://127.0.0.1:8188). Change qwenprompt.comfy.url / --server.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ComfyError(
      'unreachable',
      `'${raw}' is not an http(s) URL. Change qwenprompt.comfy.url / --server to e.g. http://127.0.0.1:8188.`,
    );
  }
  url.search = '';
  url.hash = '';
  url.pathname = url.pathname.replace(/\/+$/, '');
  return url;
}

/** `base` + `path` (which starts with '/'), keeping the base's path prefix. */
export function joinUrl(base: URL, path: string, query?: Record<string, string | undefined>): URL {
  const url = new URL(base.href);
  url.pathname = base.pathname.replace(/\/+$/, '') + path;
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v !== undefined) url.searchParams.set(k, v);
  }
  return url;
}

export class HttpClient {
  readonly base: URL;
  /** The base URL as users see it in messages. */
  readonly baseUrl: string;
  private readonly opts: HttpOptions;

  constructor(opts: HttpOptions) {
    this.opts = opts;
    this.base = normalizeBaseUrl(opts.baseUrl);
    this.baseUrl = this.base.href.replace(/\/+$/, '');
  }

  /** Headers for every request and the WebSocket upgrade. */
  authHeaders(): Record<string, string> {
    return this.opts.token ? { Authorization: `Bearer ${this.opts.token}` } : {};
  }

  /** A JSON request; an empty 2xx body gives undefined. */
  async json<T>(method: 'GET' | 'POST', path: string, ro: RequestOptions = {}): Promise<T> {
    return this.send(method, path, ro, async (res, abort) => {
      const bytes = await readLimited(res, this.opts.maxJsonBytes, abort, () => this.tooLarge(method, path, this.opts.maxJsonBytes));
      if (bytes.byteLength === 0) return undefined as T;
      const text = new TextDecoder().decode(bytes);
      try {
        return JSON.parse(text) as T;
      } catch {
        throw new ComfyError(
          'badResponse',
          `${method} ${path} at ${this.baseUrl} did not answer JSON (it starts with ${JSON.stringify(text.slice(0, 40))}). ` +
            'Is qwenprompt.comfy.url the address of a ComfyUI server?',
          { url: this.baseUrl, body: text.slice(0, 1000) },
        );
      }
    });
  }

  /** A GET whose body is bytes, aborted as soon as it passes `maxBytes`. */
  async bytes(path: string, ro: RequestOptions & { maxBytes: number }): Promise<{ data: Uint8Array; contentType: string }> {
    return this.send('GET', path, ro, async (res, abort) => {
      const data = await readLimited(res, ro.maxBytes, abort, () => this.tooLarge('GET', path, ro.maxBytes));
      return { data, contentType: res.headers.get('content-type') ?? '' };
    });
  }

  /**
   * A GET whose body is handed to `onChunk` as it arrives (each call awaited, so a slow consumer slows
   * the read), aborted as soon as it passes `maxBytes`. Nothing of the body is kept here.
   */
  async stream(
    path: string,
    ro: RequestOptions & { maxBytes: number },
    onChunk: (chunk: Uint8Array, contentType: string) => Promise<void> | void,
  ): Promise<{ total: number; contentType: string }> {
    return this.send('GET', path, ro, async (res, abort) => {
      const contentType = res.headers.get('content-type') ?? '';
      const declared = Number(res.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > ro.maxBytes) {
        abort();
        throw this.tooLarge('GET', path, ro.maxBytes);
      }
      let total = 0;
      if (!res.body) return { total, contentType };
      const reader = res.body.getReader();
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        total += value.byteLength;
        if (total > ro.maxBytes) {
          abort();
          throw this.tooLarge('GET', path, ro.maxBytes);
        }
        try {
          await onChunk(value, contentType);
        } catch (e) {
          abort();
          // The consumer's own failure (a full disk, a refused body): not a network error.
          return { total, contentType, failed: { e } };
        }
      }
      return { total, contentType };
    }).then((r: { total: number; contentType: string; failed?: { e: unknown } }) => {
      if (r.failed) throw r.failed.e;
      return r;
    });
  }

  private tooLarge(method: string, path: string, max: number): ComfyError {
    return new ComfyError('badResponse', `${method} ${path} at ${this.baseUrl} answered more than ${formatBytes(max)}; stopped reading.`, {
      url: this.baseUrl,
    });
  }

  private async send<T>(
    method: 'GET' | 'POST',
    path: string,
    ro: RequestOptions,
    consume: (res: Response, abort: () => void) => Promise<T>,
  ): Promise<T> {
    const what = `${method} ${path}`;
    if (ro.signal?.aborted) throw abortedError(what, this.baseUrl);
    const ctrl = new AbortController();
    let timedOut = false;
    let answered = false;
    const timer = setTimeout(() => {
      timedOut = true;
      ctrl.abort();
    }, this.opts.timeoutMs);
    const onAbort = () => ctrl.abort();
    ro.signal?.addEventListener('abort', onAbort, { once: true });
    const url = joinUrl(this.base, path, ro.query);
    const headers: Record<string, string> = { ...this.authHeaders() };
    if (ro.body !== undefined) headers['Content-Type'] = 'application/json';
    try {
      const res = await fetch(url, {
        method,
        headers,
        body: ro.form ?? (ro.body === undefined ? undefined : JSON.stringify(ro.body)),
        signal: ctrl.signal,
      });
      answered = true;
      if (!res.ok) {
        const raw = new TextDecoder().decode(await readLimited(res, MAX_ERROR_BODY, () => ctrl.abort(), undefined));
        throw httpError(res.status, parseMaybeJson(raw), this.baseUrl, what);
      }
      return await consume(res, () => ctrl.abort());
    } catch (e) {
      if (ro.signal?.aborted) throw abortedError(what, this.baseUrl);
      if (timedOut) {
        // A hung proxy sends a status line and then nothing: the headers deadline is this one too.
        const within = `within ${Math.round(this.opts.timeoutMs / 100) / 10} s`;
        throw new ComfyError(
          'timeout',
          `${what} at ${this.baseUrl} ${answered ? `did not finish ${within}` : `sent no answer ${within} (its response headers never completed)`}. ` +
            'ComfyUI may be overloaded or a proxy may be holding the request.',
          { url: this.baseUrl, cause: e },
        );
      }
      if (isComfyError(e)) throw e;
      this.opts.logger.debug(`${what} failed: ${String(e)} (${networkCode(e) ?? 'no code'})`);
      throw unreachableError(this.baseUrl, e);
    } finally {
      clearTimeout(timer);
      ro.signal?.removeEventListener('abort', onAbort);
    }
  }
}

function formatBytes(n: number): string {
  if (n >= 1048576) return `${Math.round((n / 1048576) * 10) / 10} MiB`;
  if (n >= 1024) return `${Math.round((n / 1024) * 10) / 10} KiB`;
  return `${n} bytes`;
}

function parseMaybeJson(text: string): unknown {
  const t = text.trim();
  if (t.startsWith('{') || t.startsWith('[')) {
    try {
      return JSON.parse(t);
    } catch {
      return text;
    }
  }
  return text;
}

/**
 * Reads a body up to `max` bytes. Past it: with `tooLarge`, aborts the request and throws; without, returns
 * the prefix (for error bodies).
 */
async function readLimited(res: Response, max: number, abort: () => void, tooLarge: (() => ComfyError) | undefined): Promise<Uint8Array> {
  const declared = Number(res.headers.get('content-length'));
  if (tooLarge && Number.isFinite(declared) && declared > max) {
    abort();
    throw tooLarge();
  }
  if (!res.body) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (total + value.byteLength > max) {
      if (tooLarge) {
        abort();
        throw tooLarge();
      }
      chunks.push(value.subarray(0, max - total));
      total = max;
      abort();
      break;
    }
    chunks.push(value);
    total += value.byteLength;
  }
  return concat(chunks, total);
}

function concat(chunks: Uint8Array[], total: number): Uint8Array {
  if (chunks.length === 1) return chunks[0];
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}
