import type { ObjectInfo } from '../../objectInfo';
import type { UiWorkflow } from './uiTypes';

/** Legacy group nodes (`extra.groupNodes`, node types `workflow>name`): not expanded yet. */
export function expandGroupNodes(workflow: UiWorkflow, _info: ObjectInfo): { workflow: UiWorkflow; notes: string[] } {
  return { workflow, notes: [] };
}
