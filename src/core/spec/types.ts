// A swept value is recorded in every run.json cell, so its type lives with the record.
import type { LayoutChoice } from '../../shared/gridLayout';
import type { ScenarioLayer } from '../../shared/scenarios';
import type { AxisValue } from '../../shared/runRecord';
export type { AxisValue };

/** Zero-based position, as VS Code and LSP count. */
export interface Position {
  line: number;
  character: number;
}

export interface Range {
  start: Position;
  end: Position;
}

export type Severity = 'error' | 'warning' | 'information' | 'hint';

/** One problem in a .qwenprompt file, placed on the text that caused it. */
export interface SpecDiagnostic {
  range: Range;
  message: string;
  severity: Severity;
  /** Stable machine code, e.g. 'yaml-syntax', 'unknown-key', 'wrong-type', 'out-of-range', 'empty-prompt'. */
  code: string;
  /** Index of the YAML document the problem is in, when known. */
  specIndex?: number;
  /** What a Quick Fix may write instead (the first one is preferred). */
  fixes?: SpecFix[];
}

/** One Quick Fix: replacements, each of the diagnostic's own text or of a field's value. */
export interface SpecFix {
  title: string;
  /** `field` (a fieldRanges path) names the value to replace; without it, the diagnostic's range.
   * Text is written in the quotes the old value had; `literal` text (a number) as it is. */
  edits: { field?: string; newText: string; literal?: boolean }[];
}

/** Built-in workflow templates (see src/core/comfy/templates). */
export type TemplateId = 'qwen-image-2512' | 'qwen-image' | 'qwen-image-gguf' | 'sd-checkpoint';

/** Model file names; each one overrides the template's default. */
export interface SpecModels {
  unet?: string;
  clip?: string;
  vae?: string;
  checkpoint?: string;
  lora?: string;
  loraStrength?: number;
  weightDtype?: string;
}

/** Stage 2 of two-stage sampling: its own sampler, scheduler or cfg (absent = stage 1's). */
export interface RefineStage {
  sampler?: string;
  scheduler?: string;
  cfg?: number;
}

/** A LoRA on the diffusion model (LoraLoaderModelOnly). */
export interface LoraChoice {
  name: string;
  strength: number;
}

/** An extra axis crossed with steps. `name` is a spec field (cfg, sampler, scheduler, size, shift,
 * denoise) or a mapped node input written `NodeTitleOrClass.input`. */
export interface SweepAxis {
  name: string;
  values: AxisValue[];
}

/** One spec (one YAML document of a .qwenprompt file) with every default filled in. */
export interface Spec {
  /** 0-based index of the YAML document in the file. */
  index: number;
  /** Stable within a file: a slug of the name, made unique; used in CodeLens arguments and run folders. */
  id: string;
  name: string;
  /** The whole YAML document. */
  range: Range;
  /** 0-based line where this spec's CodeLens row belongs (its first non-comment line). */
  lensLine: number;
  /** Built-in template; absent when `workflow` is given. */
  model?: TemplateId;
  /** The user's API-format graph, as written in the spec (relative to the spec file). */
  workflow?: string;
  models: SpecModels;
  prompt: string;
  negative: string;
  seed: number;
  /** Explicit seed list; when present, repeat k uses seeds[k] and repeats = seeds.length. */
  seeds?: number[];
  width: number;
  height: number;
  sampler: string;
  scheduler: string;
  cfg: number;
  /** ModelSamplingAuraFlow shift (Qwen-Image templates); absent = template default. */
  shift?: number;
  denoise: number;
  /** Two-stage sampling: stage 1 runs steps 0..split, stage 2 split..steps (a KSamplerAdvanced pair). */
  split?: number;
  refine?: RefineStage;
  /** The decoding VAE: 'vae' (absent: the model's own), a tiny decoder name or a VAE file. */
  decoder?: string;
  /** The LoRA (top-level `lora:`, or the older `models.lora`); absent or `off` = no LoRA node. */
  lora?: LoraChoice;
  /** Step counts, at least one; a CodeLens each. */
  steps: number[];
  repeats: number;
  sweep: SweepAxis[];
  /** Which axes the results grid puts across, down and into separate grids (as written; the panel
   * places the others and drops names that are not axes of the run). */
  layout?: Partial<LayoutChoice>;
  /** Axes whose values move together (row k of every axis goes together), crossed with the sweep;
   * every axis has the same number of values. A `steps` axis here replaces `steps`. */
  pair?: SweepAxis[];
  /** Named bundles of settings compared with each other; absent when the spec has none. */
  variants?: SpecVariant[];
  /** The setting every image is scored against: a variant name or axis values (`{variant: base, steps: 50}`). */
  reference?: string | Record<string, AxisValue>;
  /** `scenarios:` as far as the schema accepted it: laid over the presets and the qwenprompt.scenarios setting. */
  scenarios?: ScenarioLayer;
  /** Extra mapped node inputs, `NodeTitleOrClass.input: value`. */
  inputs: Record<string, AxisValue>;
  /** Range of each field's value, keyed by path: 'prompt', 'steps', 'steps.1', 'sweep.cfg', 'models.unet', … */
  fieldRanges: Record<string, Range>;
  /** Number of error diagnostics in this document; a spec with errors must not be run. */
  errorCount: number;
}

/** A spec's own settings, without what only the editor needs. */
export type SpecSettings = Omit<Spec, 'index' | 'id' | 'range' | 'lensLine' | 'fieldRanges' | 'errorCount' | 'variants'>;

/** One variant: the spec with the variant's fields laid over it. */
export interface SpecVariant {
  name: string;
  /** 0-based line of the variant's first key (its CodeLens sits above it). */
  line: number;
  /** The spec as this variant runs it (models and inputs merged, every other field replaced). */
  spec: SpecSettings;
}

export interface ParseResult {
  specs: Spec[];
  diagnostics: SpecDiagnostic[];
}

/** The concrete settings of one job (one image). */
export interface JobSettings {
  prompt: string;
  negative: string;
  seed: number;
  steps: number;
  cfg: number;
  sampler: string;
  scheduler: string;
  width: number;
  height: number;
  shift?: number;
  denoise: number;
  split?: number;
  refine?: RefineStage;
  decoder?: string;
  lora?: LoraChoice;
  /** Mapped node inputs, `NodeTitleOrClass.input: value` (from `inputs` and sweep axes). */
  inputs: Record<string, AxisValue>;
}
