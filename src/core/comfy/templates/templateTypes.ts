import type { TemplateFacts } from '../../spec/templateFacts';
import type { JobSettings, Spec } from '../../spec/types';
import type { BuiltGraph } from '../types';

export type { TemplateDefaults } from '../../spec/templateFacts';

/** A built-in template: the spec language's facts about it, and the API graph it builds. */
export interface WorkflowTemplate extends TemplateFacts {
  build(spec: Spec, settings: JobSettings): BuiltGraph;
}
