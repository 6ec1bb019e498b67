import type { TemplateId } from '../../spec/types';
import { QWEN_IMAGE, QWEN_IMAGE_2512, QWEN_IMAGE_GGUF } from './qwenImage';
import { SD_CHECKPOINT } from './sdCheckpoint';
import type { WorkflowTemplate } from './templateTypes';

export type { TemplateDefaults, WorkflowTemplate } from './templateTypes';
export { QWEN_2512_NEGATIVE } from './qwenImage';

/** The built-in workflow templates a spec's `model` names. */
export const TEMPLATES: Readonly<Record<TemplateId, WorkflowTemplate>> = {
  'qwen-image-2512': QWEN_IMAGE_2512,
  'qwen-image': QWEN_IMAGE,
  'qwen-image-gguf': QWEN_IMAGE_GGUF,
  'sd-checkpoint': SD_CHECKPOINT,
};

export const DEFAULT_TEMPLATE: TemplateId = 'qwen-image-2512';

export function isTemplateId(id: string): id is TemplateId {
  return Object.prototype.hasOwnProperty.call(TEMPLATES, id);
}
