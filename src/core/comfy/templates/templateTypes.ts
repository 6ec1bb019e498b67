import type { JobSettings, Spec, SpecModels, TemplateId } from '../../spec/types';
import type { BuiltGraph } from '../types';

/** Sampling defaults a template fills in for fields a spec leaves out. */
export type TemplateDefaults = Pick<
  JobSettings,
  'negative' | 'cfg' | 'sampler' | 'scheduler' | 'width' | 'height' | 'shift' | 'denoise'
> & {
  /** Step counts, as a spec's `steps` would list them. */
};

export interface WorkflowTemplate {
  id: TemplateId;
  description: string;
  defaults: TemplateDefaults;
  /** Default model file names; `models` keys this template has no node for are absent. */
  models: SpecModels;
  /** The model keys a spec may set for this template (others would be silently ignored). */
  modelKeys: readonly (keyof SpecModels)[];
  /** Width and height must be multiples of this (the latent node's `step`). */
  sizeStep: number;
  /** Sizes the model was trained at, as `WxH`; others work but are worth a hint. */
  nativeSizes?: readonly string[];
  build(spec: Spec, settings: JobSettings): BuiltGraph;
}
