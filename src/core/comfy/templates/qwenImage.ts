import type { JobSettings, Spec, TemplateId } from '../../spec/types';
import type { BuiltGraph } from '../types';
import { fieldPath } from '../workflow/fieldPath';
import { GraphBuilder } from '../workflow/graphBuilder';
import { addLora, addSamplerTail, vaeChoice } from './samplerTail';
import type { WorkflowTemplate } from './templateTypes';
import { TEMPLATE_FACTS } from '../../spec/templateFacts';

/** The native Qwen-Image graph of ComfyUI's example (the prompt embedded in ComfyUI_examples' qwen_image_basic_example.png), with the same node ids;
 * the GGUF variant swaps only the two loaders. */
function buildQwenGraph(gguf: boolean, tpl: WorkflowTemplate, spec: Spec, settings: JobSettings): BuiltGraph {
  const b = new GraphBuilder();
  const unet = spec.models.unet ?? tpl.models.unet;
  const clip = spec.models.clip ?? tpl.models.clip;
  if (gguf) {
    b.add('37', 'UnetLoaderGGUF', {}, 'Unet Loader (GGUF)');
    b.bind('models.unet', '37', 'unet_name', unet);
    b.add('38', 'CLIPLoaderGGUF', { type: 'qwen_image' }, 'CLIPLoader (GGUF)');
    b.bind('models.clip', '38', 'clip_name', clip);
  } else {
    b.add('37', 'UNETLoader', {}, 'Load Diffusion Model');
    b.bind('models.unet', '37', 'unet_name', unet);
    b.bind('models.weightDtype', '37', 'weight_dtype', spec.models.weightDtype ?? 'default');
    b.add('38', 'CLIPLoader', { type: 'qwen_image', device: 'default' }, 'Load CLIP');
    b.bind('models.clip', '38', 'clip_name', clip);
  }
  // With a decoder chosen, the one VAELoader loads it: the VAE only decodes in this graph.
  const vae = vaeChoice(spec, settings, spec.models.vae ?? tpl.models.vae!);
  b.add('39', 'VAELoader', {}, 'Load VAE');
  b.bind(vae.field, '39', 'vae_name', vae.file);

  const model = addLora(b, spec, settings, '73', ['37', 0]);
  b.add('66', 'ModelSamplingAuraFlow', { model }, 'ModelSamplingAuraFlow');
  const shift = settings.shift ?? tpl.defaults.shift ?? 3.1;
  b.bind(fieldPath(spec, 'shift', shift), '66', 'shift', shift);

  addSamplerTail(
    b,
    spec,
    settings,
    { positive: '6', negative: '7', latent: '58', sampler: '3', refine: '76', decode: '8', save: '60' },
    {
      model: ['66', 0],
      clip: ['38', 0],
      vae: ['39', 0],
      latentClass: 'EmptySD3LatentImage',
    },
  );
  return {
    graph: b.graph,
    samplerNode: '3',
    outputNodes: ['60'],
    loaderNodes: settings.lora ? ['37', '38', '39', '73'] : ['37', '38', '39'],
    bindings: b.bindings,
  };
}

function qwenTemplate(id: TemplateId, gguf: boolean): WorkflowTemplate {
  const tpl: WorkflowTemplate = { ...TEMPLATE_FACTS[id], build: (spec, settings) => buildQwenGraph(gguf, tpl, spec, settings) };
  return tpl;
}

export const QWEN_IMAGE_2512 = qwenTemplate('qwen-image-2512', false);
export const QWEN_IMAGE = qwenTemplate('qwen-image', false);
export const QWEN_IMAGE_GGUF = qwenTemplate('qwen-image-gguf', true);
