/**
 * GET /view: one image ComfyUI named, into memory (`view`) or streamed into a sink (`viewTo`). The ref's
 * parts go only into query parameters; the answer must be a PNG, JPEG or WebP within maxImageBytes.
 * 5xx and network failures are retried with backoff.
 */
import type { ILogger } from '../logger';
import { ComfyError } from './errors';
import { sniffImage } from '../../shared/image';
import type { HttpClient } from './http';
import { isTransient, retry, type RetryPolicy } from './retry';
import type { ByteSink, ImageRef } from './types';

/** Enough of a body's start to tell PNG, JPEG and WebP apart (sniffImage reads 12). */
const SNIFF_BYTES = 16;

export interface ViewOptions {
  http: HttpClient;
  log: ILogger;
  /** Largest image accepted. */
  maxImageBytes: number;
  retry: RetryPolicy;
}

/** A string that may go into a query parameter: no NUL. Throws ComfyError 'badRequest' otherwise. */
export function assertRefPart(name: string, v: unknown): string {
  if (typeof v !== 'string' || v.includes('\u0000')) {
    throw new ComfyError('badRequest', `Invalid image reference: ${name} ${JSON.stringify(v)}.`);
  }
  return v;
}

/** The query of GET /view for an image ComfyUI named: its parts go only into query parameters. */
function viewQuery(ref: ImageRef, preview?: string): { filename: string; subfolder: string; type: string; preview?: string } {
  const filename = assertRefPart('filename', ref.filename);
  if (filename === '') throw new ComfyError('badRequest', 'Invalid image reference: empty filename.');
  return {
    filename,
    subfolder: assertRefPart('subfolder', ref.subfolder ?? ''),
    type: assertRefPart('type', ref.type ?? 'output'),
    ...(preview === undefined ? {} : { preview: assertRefPart('preview', preview) }),
  };
}

export class ImageViews {
  private readonly o: ViewOptions;

  constructor(opts: ViewOptions) {
    this.o = opts;
  }

  /** GET /view of one image into memory; `preview` e.g. 'webp;80' for a thumbnail. */
  async view(ref: ImageRef, opts: { preview?: string; signal?: AbortSignal } = {}): Promise<Uint8Array> {
    const query = viewQuery(ref, opts.preview);
    return this.retried(query.filename, opts.signal, async () => {
      const { data, contentType } = await this.o.http.bytes('/view', { query, signal: opts.signal, maxBytes: this.o.maxImageBytes });
      if (!sniffImage(data)) throw this.notAnImage(contentType, data.byteLength, query.filename);
      return data;
    });
  }

  /** GET /view streamed into a fresh sink per try (a failed one is aborted); no byte reaches it before the body is known to be an image. */
  async viewTo<T>(ref: ImageRef, open: () => Promise<ByteSink<T>>, opts: { signal?: AbortSignal } = {}): Promise<T> {
    const query = viewQuery(ref);
    const { filename } = query;
    return this.retried(filename, opts.signal, async () => {
      const sink = await open();
      try {
        // The first bytes are held until there are enough to tell an image from an error page.
        let head: Uint8Array | undefined = new Uint8Array(0);
        const pass = async (contentType: string, total: number) => {
          if (!head) return;
          if (!sniffImage(head)) throw this.notAnImage(contentType, total, filename);
          const h = head;
          head = undefined;
          await sink.write(h);
        };
        let seen = 0;
        const { total, contentType } = await this.o.http.stream(
          '/view',
          { query, signal: opts.signal, maxBytes: this.o.maxImageBytes },
          async (chunk, type) => {
            seen += chunk.byteLength;
            if (!head) return sink.write(chunk);
            head = head.byteLength ? Buffer.concat([head, chunk]) : chunk;
            if (head.byteLength >= SNIFF_BYTES) await pass(type, seen);
          },
        );
        await pass(contentType, total);
        return await sink.close();
      } catch (e) {
        await sink.abort();
        throw e;
      }
    });
  }

  private retried<T>(filename: string, signal: AbortSignal | undefined, attempt: () => Promise<T>): Promise<T> {
    return retry(attempt, {
      ...this.o.retry,
      signal,
      retryOn: isTransient,
      onRetry: (e, n) => this.o.log.debug(`GET /view ${filename} failed (${String(e)}); retry ${n}`),
    });
  }

  private notAnImage(contentType: string, bytes: number, filename: string): ComfyError {
    return new ComfyError(
      'badResponse',
      `ComfyUI's /view answered ${contentType || 'unknown content'} (${bytes} bytes) for ${filename}, not a PNG, JPEG or WebP image.`,
      { url: this.o.http.baseUrl },
    );
  }
}
