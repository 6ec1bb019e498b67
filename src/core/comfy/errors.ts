/**
 * Typed errors of the ComfyUI client. Every failure the client can meet (network, HTTP status, a 400's
 * validation body, a dead socket, a stuck job) becomes one `ComfyError` whose message names the fix.
 * Recognise one with `isComfyError`, never `instanceof`: it may come from another bundle's copy.
 */
import { brandClass } from './brand';

export type ComfyErrorKind =
  | 'unreachable'
  | 'timeout'
  | 'forbidden'
  | 'unauthorized'
  /** 400 prompt_outputs_failed_validation: `nodeErrors` says which input is wrong. */
  | 'validation'
  /** 400 of another kind: missing_node_type, prompt_no_outputs, invalid_prompt_id, no_prompt. */
  | 'invalidPrompt'
  /** 404: e.g. an image /view no longer finds (additive to the brief's list). */
  | 'notFound'
  /** Another 4xx outside POST /prompt (additive). */
  | 'badRequest'
  | 'server'
  /** Not JSON, not an image, or too large. */
  | 'badResponse'
  | 'socketClosed'
  | 'watchdog'
  | 'aborted';

/** One failed check of a 400 validation body, flattened for mapping back to spec fields. */
export interface NodeErrorItem {
  node: string;
  classType: string;
  input?: string;
  /** ComfyUI's error type, e.g. 'value_not_in_list'. */
  type: string;
  /** What is wrong, in words (no node/input prefix). */
  message: string;
  received?: unknown;
}

export interface ComfyErrorInit {
  status?: number;
  body?: unknown;
  nodeErrors?: NodeErrorItem[];
  url?: string;
  cause?: unknown;
}

export class ComfyError extends Error {
  readonly kind: ComfyErrorKind;
  readonly status?: number;
  /** Parsed body of the failed response (JSON object or text). */
  readonly body?: unknown;
  readonly nodeErrors?: NodeErrorItem[];
  readonly url?: string;

  constructor(kind: ComfyErrorKind, message: string, init: ComfyErrorInit = {}) {
    super(message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'ComfyError';
    this.kind = kind;
    this.status = init.status;
    this.body = init.body;
    this.nodeErrors = init.nodeErrors;
    this.url = init.url;
  }
}

const isBrandedComfyError = brandClass(ComfyError, 'ComfyError');

/** A ComfyError (of `kind`, when given), whichever copy of this module made it. */
export function isComfyError(e: unknown, kind?: ComfyErrorKind): e is ComfyError {
  return isBrandedComfyError(e) && (kind === undefined || e.kind === kind);
}

/** Text for a notification: a ComfyError's message already names the fix. */
export function userMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}

export function unreachableError(url: string, cause?: unknown): ComfyError {
  return new ComfyError(
    'unreachable',
    `No ComfyUI server answers at ${url}. Is ComfyUI running? Start it or change qwenprompt.comfy.url / --server.`,
    { url, cause },
  );
}

export function abortedError(what: string, url?: string): ComfyError {
  return new ComfyError('aborted', `${what} was cancelled.`, { url });
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ECONNRESET',
  'EAI_AGAIN',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
]);

/** The first Node error code found in an error's cause chain (undici nests it; dual-stack gives an AggregateError). */
export function networkCode(e: unknown): string | undefined {
  const seen = new Set<unknown>();
  const stack: unknown[] = [e];
  while (stack.length) {
    const cur = stack.pop();
    if (!cur || typeof cur !== 'object' || seen.has(cur)) continue;
    seen.add(cur);
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return code;
    stack.push((cur as { cause?: unknown }).cause);
    const errors = (cur as { errors?: unknown }).errors;
    if (Array.isArray(errors)) stack.push(...errors);
  }
  return undefined;
}

function firstLine(text: string): string {
  return (
    text
      .split(/\r?\n/)
      .find((l) => l.trim() !== '')
      ?.trim()
      .slice(0, 300) ?? ''
  );
}

function describeValue(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function record(v: unknown): Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function str(v: unknown): string {
  return typeof v === 'string' ? v : '';
}

/** Allowed values of a combo input from `extra_info.input_config` (classic list or V3 `options`), or its bounds. */
function allowedText(inputConfig: unknown, details: string): string | undefined {
  if (Array.isArray(inputConfig)) {
    const [first, opts] = inputConfig;
    const list = Array.isArray(first) ? first : Array.isArray(record(opts).options) ? (record(opts).options as unknown[]) : undefined;
    if (list) {
      if (list.length === 0) return 'none: the server has no such files installed';
      const shown = list.slice(0, 12).map(describeValue).join(', ');
      return list.length > 12 ? `${shown}, … (${list.length} values)` : shown;
    }
  }
  // Lists over 20 entries come without input_config; details then reads "(list of length N)".
  const m = /\(list of length (\d+)\)/.exec(details);
  return m ? `one of ${m[1]} values the server lists` : undefined;
}

/** Words for one per-input error; built from ComfyUI's fields, falling back to its own text. */
function describeNodeError(type: string, message: string, details: string, extra: Record<string, unknown>): string {
  const received = 'received_value' in extra ? describeValue(extra.received_value) : undefined;
  switch (type) {
    case 'value_not_in_list': {
      const allowed = allowedText(extra.input_config, details);
      return `${received ?? 'the value'} is not an allowed value${allowed ? ` (allowed: ${allowed})` : ''}`;
    }
    case 'value_smaller_than_min':
    case 'value_bigger_than_max':
      return message;
    case 'invalid_input_type':
      return `${received ?? 'the value'} has the wrong type: ${message}`;
    case 'required_input_missing':
      return 'required input is missing';
    case 'return_type_mismatch': {
      const m = /received_type\(([^)]*)\) mismatch input_type\(([^)]*)\)/.exec(details);
      return m ? `is linked to a ${m[1]} output but needs ${m[2]}` : `${message}: ${details}`;
    }
    case 'exception_during_inner_validation':
    case 'exception_during_validation':
      return `links to a node that is missing or invalid (${str(extra.exception_type) || 'error'}: ${str(extra.exception_message) || details})`;
    default:
      return details ? `${message}: ${details}` : message || type;
  }
}

/** Flattens a 400 body's `node_errors` into one item per failed check. Pure; tolerant of odd shapes. */
export function nodeErrorsList(body: unknown): NodeErrorItem[] {
  const out: NodeErrorItem[] = [];
  for (const [node, ne] of Object.entries(record(record(body).node_errors))) {
    const classType = str(record(ne).class_type);
    const errors = record(ne).errors;
    for (const err of Array.isArray(errors) ? errors : []) {
      const e = record(err);
      const extra = record(e.extra_info);
      const type = str(e.type) || 'unknown';
      const item: NodeErrorItem = {
        node,
        classType,
        type,
        message: describeNodeError(type, str(e.message), str(e.details), extra),
      };
      if (typeof extra.input_name === 'string') item.input = extra.input_name;
      if ('received_value' in extra) item.received = extra.received_value;
      out.push(item);
    }
  }
  return out;
}

function nodeErrorLine(i: NodeErrorItem): string {
  const where = `node ${i.node}${i.classType ? ` (${i.classType})` : ''}${i.input ? `, input ${i.input}` : ''}`;
  return `${where}: ${i.message}`;
}

/** The message of a 'validation' error: one line per failed input. */
export function validationMessage(items: NodeErrorItem[], fallback: string): string {
  if (items.length === 0) return `ComfyUI rejected the prompt: ${fallback}`;
  return `ComfyUI rejected the prompt:\n${items.map((i) => `- ${nodeErrorLine(i)}`).join('\n')}`;
}

function invalidPromptMessage(error: Record<string, unknown>): string {
  const type = str(error.type);
  const extra = record(error.extra_info);
  switch (type) {
    case 'missing_node_type': {
      const cls = str(extra.class_type) || 'unknown';
      const node = str(extra.node_id);
      return (
        `Node ${node ? `${node} ` : ''}(${cls}) is not installed on the server: install the custom node pack ` +
        `that provides ${cls} (e.g. with ComfyUI-Manager) and restart ComfyUI, or use a graph without it.`
      );
    }
    case 'prompt_no_outputs':
      return 'The graph has no output node (such as SaveImage), so ComfyUI has nothing to run.';
    case 'invalid_prompt_id':
      return `ComfyUI rejected the prompt id: ${str(error.details) || str(error.message)}`;
    case 'no_prompt':
      return 'ComfyUI received no prompt in the request.';
    default:
      return `ComfyUI rejected the prompt: ${[str(error.message), str(error.details)].filter(Boolean).join(': ') || type}`;
  }
}

/**
 * Maps a non-2xx HTTP answer to a ComfyError. `body` is the parsed JSON when the body was JSON, else its text.
 * `what` names the request ("POST /prompt") for messages.
 */
export function httpError(status: number, body: unknown, url: string, what: string): ComfyError {
  const init = { status, body, url };
  const text = typeof body === 'string' ? body : '';
  if (status === 400 && record(body).error !== undefined) {
    const error = record(record(body).error);
    const items = nodeErrorsList(body);
    if (items.length > 0 || str(error.type) === 'prompt_outputs_failed_validation') {
      const fallback = [str(error.message), str(error.details)].filter(Boolean).join(': ');
      return new ComfyError('validation', validationMessage(items, fallback), { ...init, nodeErrors: items });
    }
    return new ComfyError('invalidPrompt', invalidPromptMessage(error), init);
  }
  if (status === 401) {
    return new ComfyError(
      'unauthorized',
      `${what} at ${url} needs credentials (HTTP 401): check the bearer token QwenPrompt sends to this server, or the proxy in front of ComfyUI.`,
      init,
    );
  }
  if (status === 403) {
    return new ComfyError(
      'forbidden',
      `${what} at ${url} was refused (HTTP 403). If a proxy guards the server, check the token; ` +
        'if ComfyUI guards its origin, run it with --enable-cors-header, or use the exact URL it listens on.',
      init,
    );
  }
  if (status === 404) return new ComfyError('notFound', `${what}: not found on the server (HTTP 404).`, init);
  if (status >= 500) {
    const line = firstLine(text);
    return new ComfyError(
      'server',
      `ComfyUI failed on ${what} (HTTP ${status})${line ? `: ${line}` : ''}. See the ComfyUI console for the traceback.`,
      init,
    );
  }
  const line = firstLine(text) || (typeof body === 'object' ? JSON.stringify(body).slice(0, 200) : '');
  return new ComfyError('badRequest', `${what} was rejected (HTTP ${status})${line ? `: ${line}` : ''}.`, init);
}
