/** Reading valid values out of GET /object_info. Two combo encodings coexist: classic nodes give
 * `[[...values], opts]`, V3 nodes `["COMBO", {options: [...]}]`; both are handled everywhere. */

/** One input's spec: `[type or value list, options]`. */
export type InputSpec = [unknown, Record<string, unknown>?];

export interface NodeInfo {
  input: {
    required?: Record<string, InputSpec>;
    optional?: Record<string, InputSpec>;
    hidden?: Record<string, unknown>;
  };
  output: string[];
  output_node?: boolean;
  name?: string;
  display_name?: string;
  [key: string]: unknown;
}

export type ObjectInfo = Record<string, NodeInfo>;

/** An input's spec from `required` or `optional`, or undefined when the class or input is unknown. */
export function inputSpec(info: ObjectInfo, classType: string, input: string): InputSpec | undefined {
  const node = info[classType];
  const spec = node?.input?.required?.[input] ?? node?.input?.optional?.[input];
  return Array.isArray(spec) ? spec : undefined;
}

/** The input's type: 'COMBO' for both combo encodings, else 'INT', 'FLOAT', 'STRING', 'MODEL', … */
export function inputType(spec: InputSpec): string {
  return Array.isArray(spec[0]) ? 'COMBO' : String(spec[0]);
}

/** The allowed values of a combo input, or undefined when it is not a combo (or unknown). */
export function comboValues(info: ObjectInfo, classType: string, input: string): string[] | undefined {
  const spec = inputSpec(info, classType, input);
  if (!spec) {
    return undefined;
  }
  if (Array.isArray(spec[0])) {
    return spec[0].map(String);
  }
  const options = spec[1]?.options;
  return spec[0] === 'COMBO' && Array.isArray(options) ? options.map(String) : undefined;
}

export interface InputRange {
  type: string;
  min?: number;
  max?: number;
  step?: number;
  default?: unknown;
}

/** Type, bounds, step and default of an input (numbers have min/max/step; combos may have a default). */
export function inputRange(info: ObjectInfo, classType: string, input: string): InputRange | undefined {
  const spec = inputSpec(info, classType, input);
  if (!spec) {
    return undefined;
  }
  const o = spec[1] ?? {};
  const num = (k: string) => (typeof o[k] === 'number' ? { [k]: o[k] as number } : {});
  return { type: inputType(spec), ...num('min'), ...num('max'), ...num('step'), ...('default' in o ? { default: o.default } : {}) };
}

/** Model files the server offers, per loader; empty lists when a loader (e.g. GGUF) is not installed. */
export interface ModelLists {
  checkpoints: string[];
  unets: string[];
  clips: string[];
  vaes: string[];
  loras: string[];
  ggufUnets: string[];
  ggufClips: string[];
}

export function modelLists(info: ObjectInfo): ModelLists {
  const values = (cls: string, input: string) => comboValues(info, cls, input) ?? [];
  return {
    checkpoints: values('CheckpointLoaderSimple', 'ckpt_name'),
    unets: values('UNETLoader', 'unet_name'),
    clips: values('CLIPLoader', 'clip_name'),
    vaes: values('VAELoader', 'vae_name'),
    loras: comboValues(info, 'LoraLoaderModelOnly', 'lora_name') ?? values('LoraLoader', 'lora_name'),
    ggufUnets: values('UnetLoaderGGUF', 'unet_name'),
    ggufClips: values('CLIPLoaderGGUF', 'clip_name'),
  };
}
