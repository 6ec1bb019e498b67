import type { JobSettings, Spec } from '../spec/types';
import { DEFAULT_TEMPLATE, TEMPLATES } from './templates';
import type { ApiGraph, BuiltGraph } from './types';
import { fieldPath } from './workflow/fieldPath';
import { GraphMappingError } from './workflow/graphMappingError';
import { applyMappedInputs } from './workflow/mappedInputs';
import { drivenFields, mapUserGraph } from './workflow/userGraph';

export { GraphMappingError, isGraphMappingError } from './workflow/graphMappingError';
export { findSampler, loadUserGraph, SAMPLER_CLASSES } from './workflow/userGraph';

/**
 * The API graph for one job: the spec's built-in template filled with the job's settings, or the
 * user's own graph (when the spec has `workflow`) with the settings mapped onto its nodes.
 * Throws GraphMappingError when a user graph cannot take the spec.
 */
export function buildGraph(spec: Spec, settings: JobSettings, userGraph?: ApiGraph): BuiltGraph {
  if (userGraph) {
    return mapUserGraph(spec, settings, userGraph);
  }
  if (spec.workflow) {
    throw new GraphMappingError('workflow', '', `This spec uses the graph ${spec.workflow}, which was not loaded.`);
  }
  const built = TEMPLATES[spec.model ?? DEFAULT_TEMPLATE].build(spec, settings);
  applyMappedInputs(built.graph, settings.inputs, (key, value) => fieldPath(spec, key, value), built.bindings, drivenFields(spec));
  return built;
}
