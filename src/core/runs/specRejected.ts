import type { GraphBinding } from '../comfy/types';
import { isComfyError, nodeErrorsList } from '../comfy/errors';

/** One problem of a rejected prompt, placed on the spec field that caused it where that is known. */
export interface SpecProblem {
  /** Spec field path (a key of Spec.fieldRanges), when the failing node input came from the spec. */
  field?: string;
  node: string;
  classType: string;
  input?: string;
  message: string;
}

// A brand, not `instanceof`: the extension's bundles each hold their own copy of this class.
const BRAND = Symbol.for('qwenprompt.SpecRejectedError');

/** ComfyUI refused the spec's graph (HTTP 400): nothing ran and no run folder was made. */
export class SpecRejectedError extends Error {
  readonly [BRAND] = true;
  readonly problems: SpecProblem[];
  override readonly cause: unknown;
  constructor(message: string, problems: SpecProblem[], cause: unknown) {
    super(message);
    this.name = 'SpecRejectedError';
    this.problems = problems;
    this.cause = cause;
  }
}

/** True for a SpecRejectedError made by any copy of this module. */
export function isSpecRejectedError(e: unknown): e is SpecRejectedError {
  return (
    typeof e === 'object' && e !== null && (e as { [BRAND]?: unknown })[BRAND] === true && Array.isArray((e as SpecRejectedError).problems)
  );
}

/** Maps a 400's node errors onto the spec fields that were written into the failing inputs. */
export function specProblems(error: unknown, bindings: GraphBinding[]): SpecProblem[] {
  if (!isComfyError(error) || !error.body) return [];
  return nodeErrorsList(error.body).map((e) => {
    const b = bindings.find((x) => x.node === e.node && (e.input === undefined || x.input === e.input));
    const p: SpecProblem = { node: e.node, classType: e.classType, message: e.message };
    if (e.input !== undefined) p.input = e.input;
    if (b) p.field = b.field;
    return p;
  });
}

/** The error a failed first prompt becomes: SpecRejectedError when the server named spec problems, else itself. */
export function rejection(specName: string, error: unknown, bindings: GraphBinding[]): unknown {
  const problems = specProblems(error, bindings);
  if (!problems.length) return error;
  const lines = problems.map((p) => `${p.field ? `${p.field}: ` : ''}${p.message}`);
  return new SpecRejectedError(`ComfyUI rejected "${specName}":\n${lines.join('\n')}`, problems, error);
}
