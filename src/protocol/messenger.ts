// One small typed message endpoint for both sides of the webview boundary: fire-and-forget messages,
// and request/response by id whose failures reach the caller as rejected promises.
import type { Reply, Request } from './messages';

interface Message {
  type: string;
}

type RequestBody<T> = T extends Request<infer B> ? B : never;
type EventOf<T> = Exclude<T, Request<unknown> | Reply>;

export interface MessengerOptions<TIn> {
  /** Delivers one message to the other side (webview.postMessage / vscode.postMessage). */
  post(message: unknown): void;
  /** Guard for incoming messages; anything it refuses is dropped. */
  isMessage(message: unknown): message is TIn;
  /** Told about dropped messages (for the log). */
  onDropped?(message: unknown): void;
}

export class Messenger<TOut extends Message, TIn extends Message> {
  #nextId = 1;
  #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #listeners = new Map<string, Set<(m: never) => void>>();
  #requestHandler: ((body: RequestBody<TIn>) => unknown) | undefined;
  #disposed = false;
  readonly #opts: MessengerOptions<TIn>;

  constructor(opts: MessengerOptions<TIn>) {
    this.#opts = opts;
  }

  /** Sends a message that expects no answer. */
  send(message: EventOf<TOut>): void {
    if (!this.#disposed) this.#opts.post(message);
  }

  /** Sends a request; resolves with the handler's value or rejects with its error message. */
  request(body: RequestBody<TOut>): Promise<unknown> {
    if (this.#disposed) return Promise.reject(new Error('The panel is closed.'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#opts.post({ type: 'request', id, body } satisfies Request<RequestBody<TOut>>);
    });
  }

  /** Sets the one handler for incoming requests; what it returns or throws becomes the reply. */
  onRequest(handler: (body: RequestBody<TIn>) => unknown): void {
    this.#requestHandler = handler;
  }

  /** Listens for one message type; returns a function that stops listening. */
  on<K extends EventOf<TIn>['type']>(type: K, listener: (m: Extract<TIn, { type: K }>) => void): () => void {
    let set = this.#listeners.get(type);
    if (!set) this.#listeners.set(type, (set = new Set()));
    const l = listener as (m: never) => void;
    set.add(l);
    return () => set.delete(l);
  }

  /** Feeds one raw incoming message. Returns false when the guard dropped it. */
  receive(raw: unknown): boolean {
    if (this.#disposed) return false;
    if (!this.#opts.isMessage(raw)) {
      this.#opts.onDropped?.(raw);
      return false;
    }
    const type: string = raw.type;
    if (type === 'reply') {
      const reply = raw as unknown as Reply;
      const p = this.#pending.get(reply.id);
      if (p) {
        this.#pending.delete(reply.id);
        if (reply.ok) p.resolve(reply.value);
        else p.reject(new Error(reply.error));
      }
    } else if (type === 'request') {
      void this.#answer(raw as unknown as Request<RequestBody<TIn>>);
    } else {
      for (const l of [...(this.#listeners.get(type) ?? [])]) l(raw as never);
    }
    return true;
  }

  async #answer(req: Request<RequestBody<TIn>>): Promise<void> {
    let reply: Reply;
    try {
      if (!this.#requestHandler) throw new Error('No handler for requests.');
      reply = { type: 'reply', id: req.id, ok: true, value: await this.#requestHandler(req.body) };
    } catch (e) {
      reply = { type: 'reply', id: req.id, ok: false, error: e instanceof Error ? e.message : String(e) };
    }
    if (!this.#disposed) this.#opts.post(reply);
  }

  /** Rejects pending requests and ignores everything afterwards. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const p of this.#pending.values()) p.reject(new Error('The panel is closed.'));
    this.#pending.clear();
    this.#listeners.clear();
  }
}
