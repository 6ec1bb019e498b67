import type { TemplateId } from '../../spec/types';
import { QWEN_IMAGE, QWEN_IMAGE_2512, QWEN_IMAGE_GGUF } from './qwenImage';
import { SD_CHECKPOINT } from './sdCheckpoint';
import type { WorkflowTemplate } from './templateTypes';

export type { TemplateDefaults, WorkflowTemplate } from './templateTypes';
export { DEFAULT_TEMPLATE, isTemplateId, QWEN_2512_NEGATIVE } from '../../spec/templateFacts';

/** The built-in workflow templates a spec's `model` names, with the graphs they build. */
export const TEMPLATES: Readonly<Record<TemplateId, WorkflowTemplate>> = {
  'qwen-image-2512': QWEN_IMAGE_2512,
  'qwen-image': QWEN_IMAGE,
  'qwen-image-gguf': QWEN_IMAGE_GGUF,
  'sd-checkpoint': SD_CHECKPOINT,
};
