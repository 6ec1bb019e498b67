// One small typed message endpoint for both sides of the webview boundary: fire-and-forget messages,
// and request/response by id whose failures reach the caller as rejected promises. Requests are typed
// by a map of kind -> { params, reply }, so what a request resolves with is a compile-time fact.

interface Message {
  type: string;
}

/** Reply to a request, carrying either a value or the error's message. */
export type Reply = { type: 'reply'; id: number; ok: true; value: unknown } | { type: 'reply'; id: number; ok: false; error: string };

/** A request that expects a `Reply` with the same id. */
export interface Request<B> {
  type: 'request';
  id: number;
  body: B;
}

/** What one side can be asked: each request kind's parameters and the reply it gets. */
export type RequestMap<M> = { [K in keyof M]: { params: object; reply: unknown } };

/** A request body as it travels: `{ kind, ...params }`, for one kind or (by default) any. */
export type RequestBody<M extends RequestMap<M>, K extends keyof M = keyof M> = { [P in K]: { kind: P } & M[P]['params'] }[K];

/** One handler per request kind; what it returns (or throws) becomes the reply. */
export type RequestHandlers<M extends RequestMap<M>> = {
  [K in keyof M]: (body: RequestBody<M, K>) => M[K]['reply'] | Promise<M[K]['reply']>;
};

/** The parameters after a request's kind: none for a kind without any (`request('cancel')`). */
export type RequestParams<M extends RequestMap<M>, K extends keyof M> = {} extends M[K]['params']
  ? [params?: M[K]['params']]
  : [params: M[K]['params']];

/** Asks the other side: the reply's type follows from the kind. */
export type Ask<M extends RequestMap<M>> = <K extends keyof M & string>(kind: K, ...params: RequestParams<M, K>) => Promise<M[K]['reply']>;

type EventOf<T> = Exclude<T, Request<unknown> | Reply>;

export interface MessengerOptions<TIn, M extends RequestMap<M>> {
  /** Delivers one message to the other side (webview.postMessage / vscode.postMessage). */
  post(message: unknown): void;
  /** Guard for incoming messages; anything it refuses is dropped. */
  isMessage(message: unknown): message is TIn;
  /** Checks a reply's value against its request's kind; a refused one rejects the request. */
  isReply?(kind: keyof M, value: unknown): boolean;
  /** Told about dropped messages (for the log). */
  onDropped?(message: unknown): void;
}

export class Messenger<TOut extends Message, TIn extends Message, M extends RequestMap<M>> {
  #nextId = 1;
  #pending = new Map<number, { kind: keyof M; resolve(v: unknown): void; reject(e: Error): void }>();
  #listeners = new Map<string, Set<(m: never) => void>>();
  #handlers: RequestHandlers<M> | undefined;
  #disposed = false;
  readonly #opts: MessengerOptions<TIn, M>;

  constructor(opts: MessengerOptions<TIn, M>) {
    this.#opts = opts;
  }

  /** Sends a message that expects no answer. */
  send(message: EventOf<TOut>): void {
    if (!this.#disposed) this.#opts.post(message);
  }

  /** Sends a request; resolves with the handler's value or rejects with its error message. */
  request<K extends keyof M & string>(kind: K, ...[params]: RequestParams<M, K>): Promise<M[K]['reply']> {
    if (this.#disposed) return Promise.reject(new Error('The panel is closed.'));
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { kind, resolve: resolve as (v: unknown) => void, reject });
      this.#opts.post({ type: 'request', id, body: { kind, ...params } } satisfies Request<unknown>);
    });
  }

  /** Sets the handlers for incoming requests, one per kind. */
  onRequest(handlers: RequestHandlers<M>): void {
    this.#handlers = handlers;
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
        if (!reply.ok) p.reject(new Error(reply.error));
        else if (this.#opts.isReply && !this.#opts.isReply(p.kind, reply.value))
          p.reject(new Error(`The host's reply to ${String(p.kind)} is not what the panel expects.`));
        else p.resolve(reply.value);
      }
    } else if (type === 'request') {
      void this.#answer(raw as unknown as Request<RequestBody<M>>);
    } else {
      for (const l of [...(this.#listeners.get(type) ?? [])]) l(raw as never);
    }
    return true;
  }

  async #answer(req: Request<RequestBody<M>>): Promise<void> {
    let reply: Reply;
    try {
      const handler = this.#handlers?.[req.body.kind] as ((body: RequestBody<M>) => unknown) | undefined;
      if (!handler) throw new Error('No handler for requests.');
      reply = { type: 'reply', id: req.id, ok: true, value: await handler(req.body) };
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
