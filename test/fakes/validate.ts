/**
 * POST /prompt validation with the exact error bodies of ComfyUI 0.33 (execution.validate_prompt /
 * validate_inputs, re-implemented from their observable behaviour and the recorded 400 bodies).
 * Validation coerces values in place (int()/float()/str()), as ComfyUI does before queueing.
 */
import { ApiGraph } from '../../src/core/comfy/types';
import { InputSpec, NodeSchema, ObjectInfo } from './objectInfo';
import { PyError, pyBool, pyFloat, pyInt, pyRepr, pyStr, pyToFloat } from './pyFormat';

export interface ComfyErrorBody {
  type: string;
  message: string;
  details: string;
  extra_info: Record<string, unknown>;
}
export interface NodeErrorBody {
  errors: ComfyErrorBody[];
  dependent_outputs: string[];
  class_type: string;
}
export type Validation =
  | { ok: true; outputs: string[]; nodeErrors: Record<string, NodeErrorBody> }
  | { ok: false; error: ComfyErrorBody; nodeErrors: Record<string, NodeErrorBody> };

type Result = [boolean, ComfyErrorBody[]];

/** Frames of the Python traceback that ComfyUI reports for an exception in a linked node. */
const INNER_TRACEBACK = [
  '  File "/opt/ComfyUI/execution.py", line 955, in validate_inputs\n    r = await validate_inputs(prompt_id, prompt, o_id, validated, visiting)\n        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^\n',
  '  File "/opt/ComfyUI/execution.py", line 933, in validate_inputs\n    o_class_type = prompt[o_id][\'class_type\']\n                   ~~~~~~^^^^^^\n',
];

export function isLink(v: unknown): v is [string, number] {
  return Array.isArray(v);
}

function inputSpec(schema: NodeSchema, name: string): { spec: InputSpec; required: boolean } | undefined {
  const req = schema.input.required?.[name];
  if (req) {
    return { spec: req, required: true };
  }
  const opt = schema.input.optional?.[name];
  return opt ? { spec: opt, required: false } : undefined;
}

function convert(inputType: unknown, val: unknown): unknown {
  switch (inputType) {
    case 'INT':
      return pyInt(val);
    case 'FLOAT':
      return pyToFloat(val);
    case 'STRING':
      return pyStr(val);
    case 'BOOLEAN':
      return pyBool(val);
    default:
      return val;
  }
}

function fmtNumber(inputType: unknown, n: unknown): string {
  return inputType === 'FLOAT' && typeof n === 'number' ? pyFloat(n) : pyStr(n);
}

/** A V3 node's match type (ComfySwitchNode's on_false/on_true/output, ResizeImageMaskNode, CreateList):
 * the frontend narrows it to one concrete type, so the server accepts any link to or from it. */
export const MATCH_TYPE = 'COMFY_MATCHTYPE_V3';

/** ComfyUI's validate_node_input (comfy_execution/validation.py, non-strict): equal types match; a match
 * type on either side matches; else the comma-separated type sets (trimmed) must overlap. '*' (AnyType)
 * matches anything. */
export function typesMatch(received: unknown, wanted: unknown): boolean {
  if (received === wanted) {
    return true;
  }
  if (received === MATCH_TYPE || wanted === MATCH_TYPE) {
    return true;
  }
  if (typeof received !== 'string' || typeof wanted !== 'string') {
    return false;
  }
  const a = new Set(received.split(',').map((t) => t.trim()));
  const b = new Set(wanted.split(',').map((t) => t.trim()));
  if (a.has('*') || b.has('*')) {
    return true;
  }
  return [...a].some((t) => b.has(t));
}

/** A node's VALIDATE_INPUTS: the inputs it checks itself (their combo list is then not checked), and
 * its answer per input, true or the reason (ComfyUI: LoadImage's 'Invalid image file: …'). */
export type CustomValidators = Record<string, { inputs: string[]; check(inputs: Record<string, unknown>): Record<string, true | string> }>;

class Validator {
  readonly validated = new Map<string, Result>();
  constructor(
    private readonly prompt: ApiGraph,
    private readonly info: ObjectInfo,
    private readonly custom: CustomValidators = {},
  ) {}

  /** Throws PyError like the Python code would (a link to an absent node, a bad slot index). */
  validateInputs(id: string, visiting: string[] = []): Result {
    const done = this.validated.get(id);
    if (done) {
      return done;
    }
    if (visiting.includes(id)) {
      return this.cycle(id, visiting);
    }
    const node = this.prompt[id];
    const schema = this.info[node.class_type];
    const inputs = node.inputs ?? (node.inputs = {});
    const errors: ComfyErrorBody[] = [];
    let valid = true;
    const names = [...Object.keys(schema.input.required ?? {}), ...Object.keys(schema.input.optional ?? {})];
    for (const x of names) {
      const { spec, required } = inputSpec(schema, x)!;
      const inputType = spec[0];
      const extra = spec[1] ?? {};
      const config = [inputType, extra];
      if (!(x in inputs)) {
        if (required) {
          errors.push({ type: 'required_input_missing', message: 'Required input is missing', details: x, extra_info: { input_name: x } });
        }
        continue;
      }
      let val = inputs[x];
      if (isLink(val)) {
        if (val.length !== 2) {
          errors.push({
            type: 'bad_linked_input',
            message: 'Bad linked input, must be a length-2 list of [node_id, slot_index]',
            details: x,
            extra_info: { input_name: x, input_config: config, received_value: val },
          });
          continue;
        }
        const [oId, slot] = val;
        const source = typeof oId === 'string' ? this.prompt[oId] : undefined;
        if (!source) {
          throw new PyError('KeyError', pyRepr(oId));
        }
        const returns = this.info[source.class_type].output;
        if (typeof slot !== 'number' || !Number.isInteger(slot)) {
          throw new PyError('TypeError', `tuple indices must be integers or slices, not ${typeof slot === 'string' ? 'str' : 'float'}`);
        }
        const receivedType = returns[slot < 0 ? returns.length + slot : slot];
        if (receivedType === undefined) {
          throw new PyError('IndexError', 'tuple index out of range');
        }
        if (!typesMatch(receivedType, inputType)) {
          errors.push({
            type: 'return_type_mismatch',
            message: 'Return type mismatch between linked nodes',
            details: `${x}, received_type(${receivedType}) mismatch input_type(${pyStr(inputType)})`,
            extra_info: { input_name: x, input_config: config, received_type: receivedType, linked_node: val },
          });
          continue;
        }
        try {
          const r = this.validateInputs(oId, [...visiting, id]);
          if (!r[0]) {
            valid = false;
          }
        } catch (e) {
          const ex = e as PyError;
          valid = false;
          this.validated.set(oId, [
            false,
            [
              {
                type: 'exception_during_inner_validation',
                message: 'Exception when validating inner node',
                details: ex.message,
                extra_info: {
                  input_name: x,
                  input_config: config,
                  exception_message: ex.message,
                  exception_type: ex.pyType,
                  traceback: INNER_TRACEBACK,
                  linked_node: val,
                },
              },
            ],
          ]);
        }
        continue;
      }
      try {
        if (val && typeof val === 'object' && '__value__' in val) {
          val = (val as { __value__: unknown }).__value__;
          inputs[x] = val;
        }
        val = convert(inputType, val);
        inputs[x] = val;
      } catch (e) {
        const msg = (e as Error).message;
        errors.push({
          type: 'invalid_input_type',
          message: `Failed to convert an input value to a ${pyStr(inputType)} value`,
          details: `${x}, ${pyStr(val)}, ${msg}`,
          extra_info: { input_name: x, input_config: config, received_value: val, exception_message: msg },
        });
        continue;
      }
      if (typeof extra.min === 'number' && typeof val === 'number' && val < extra.min) {
        errors.push({
          type: 'value_smaller_than_min',
          message: `Value ${fmtNumber(inputType, val)} smaller than min of ${fmtNumber(inputType, extra.min)}`,
          details: x,
          extra_info: { input_name: x, input_config: config, received_value: val },
        });
        continue;
      }
      if (typeof extra.max === 'number' && typeof val === 'number' && val > extra.max) {
        errors.push({
          type: 'value_bigger_than_max',
          message: `Value ${fmtNumber(inputType, val)} bigger than max of ${fmtNumber(inputType, extra.max)}`,
          details: x,
          extra_info: { input_name: x, input_config: config, received_value: val },
        });
        continue;
      }
      if (this.custom[node.class_type]?.inputs.includes(x)) continue;
      const options = Array.isArray(inputType)
        ? inputType
        : inputType === 'COMBO'
          ? ((extra.options as unknown[] | undefined) ?? [])
          : undefined;
      if (options && !options.some((o) => o === val || (typeof o === 'number' && o == val))) {
        const long = options.length > 20;
        errors.push({
          type: 'value_not_in_list',
          message: 'Value not in list',
          details: `${x}: '${pyStr(val)}' not in ${long ? `(list of length ${options.length})` : pyRepr(options)}`,
          extra_info: { input_name: x, input_config: long ? null : config, received_value: val },
        });
        continue;
      }
    }
    const custom = this.custom[node.class_type];
    if (custom) {
      // execution.py: a failed VALIDATE_INPUTS is one error per validated input.
      for (const [x, r] of Object.entries(custom.check(inputs))) {
        if (r === true) continue;
        errors.push({
          type: 'custom_validation_failed',
          message: 'Custom validation failed for node',
          details: `${x} - ${r}`,
          extra_info: { input_name: x },
        });
      }
    }
    const ret: Result = errors.length > 0 || !valid ? [false, errors] : [true, []];
    this.validated.set(id, ret);
    return ret;
  }

  private cycle(id: string, visiting: string[]): Result {
    const path = [...visiting.slice(visiting.indexOf(id)), id];
    const nodes = [...new Set(path)];
    const details = path.map((n) => `${n} (${this.prompt[n].class_type})`).join(' -> ');
    for (const n of nodes) {
      this.validated.set(n, [
        false,
        [{ type: 'dependency_cycle', message: 'Dependency cycle detected', details, extra_info: { node_id: n, cycle_nodes: nodes } }],
      ]);
    }
    return this.validated.get(id)!;
  }
}

const NO_ERRORS: Record<string, NodeErrorBody> = {};

/** Validates an API prompt. `order` is the prompt's node ids in the order the JSON text had them. */
export function validatePrompt(
  prompt: ApiGraph,
  order: string[],
  info: ObjectInfo,
  targets?: unknown,
  custom?: CustomValidators,
): Validation {
  const outputs: string[] = [];
  for (const x of order) {
    const node = prompt[x];
    const title = node._meta?.title;
    if (typeof node.class_type !== 'string') {
      return {
        ok: false,
        nodeErrors: NO_ERRORS,
        error: {
          type: 'missing_node_type',
          message: `Node '${title ?? '#' + x}' has no class_type. The workflow may be corrupted or a custom node is missing.`,
          details: `Node ID '#${x}'`,
          extra_info: { node_id: x, class_type: null, node_title: title ?? null },
        },
      };
    }
    const schema = info[node.class_type];
    if (!schema) {
      return {
        ok: false,
        nodeErrors: NO_ERRORS,
        error: {
          type: 'missing_node_type',
          message: `Node '${title ?? node.class_type}' not found. The custom node may not be installed.`,
          details: `Node ID '#${x}'`,
          extra_info: { node_id: x, class_type: node.class_type, node_title: title ?? node.class_type },
        },
      };
    }
    if (schema.output_node && (!Array.isArray(targets) || targets.includes(x))) {
      outputs.push(x);
    }
  }
  if (outputs.length === 0) {
    return {
      ok: false,
      nodeErrors: NO_ERRORS,
      error: { type: 'prompt_no_outputs', message: 'Prompt has no outputs', details: '', extra_info: {} },
    };
  }
  const v = new Validator(prompt, info, custom);
  const good: string[] = [];
  const failed: [string, ComfyErrorBody[]][] = [];
  const nodeErrors: Record<string, NodeErrorBody> = {};
  for (const o of outputs) {
    let result: Result;
    try {
      result = v.validateInputs(o);
    } catch (e) {
      const ex = e as PyError;
      result = [
        false,
        [
          {
            type: 'exception_during_validation',
            message: 'Exception when validating node',
            details: ex.message,
            extra_info: { exception_type: ex.pyType, traceback: INNER_TRACEBACK.slice(1) },
          },
        ],
      ];
      v.validated.set(o, result);
    }
    if (result[0]) {
      good.push(o);
      continue;
    }
    failed.push([o, result[1]]);
    // Like ComfyUI: every failed node seen so far is listed, with this output as a dependent.
    for (const [id, [ok, reasons]] of v.validated) {
      if (ok || reasons.length === 0) {
        continue;
      }
      nodeErrors[id] ??= { errors: reasons, dependent_outputs: [], class_type: prompt[id].class_type };
      nodeErrors[id].dependent_outputs.push(o);
    }
  }
  if (good.length === 0) {
    const details = failed.flatMap(([, errs]) => errs.map((e) => `${e.message}: ${e.details}`)).join('\n');
    return {
      ok: false,
      nodeErrors,
      error: { type: 'prompt_outputs_failed_validation', message: 'Prompt outputs failed validation', details, extra_info: {} },
    };
  }
  return { ok: true, outputs: good, nodeErrors };
}
