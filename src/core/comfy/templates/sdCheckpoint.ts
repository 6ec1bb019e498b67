import { GraphBuilder } from '../workflow/graphBuilder';
import { addLora, addSamplerTail, vaeChoice } from './samplerTail';
import type { WorkflowTemplate } from './templateTypes';
import { TEMPLATE_FACTS } from '../../spec/templateFacts';

/** The classic checkpoint txt2img graph (the default graph of ComfyUI's script_examples/basic_api_example.py). A
 * `models.vae` replaces the checkpoint's own VAE. */
export const SD_CHECKPOINT: WorkflowTemplate = {
  ...TEMPLATE_FACTS['sd-checkpoint'],
  build(spec, settings) {
    const b = new GraphBuilder();
    b.add('4', 'CheckpointLoaderSimple', {}, 'Load Checkpoint');
    b.bind('models.checkpoint', '4', 'ckpt_name', spec.models.checkpoint ?? SD_CHECKPOINT.models.checkpoint);
    const loaders = ['4'];
    let vae: [string, number] = ['4', 2];
    if (spec.models.vae || settings.decoder !== undefined) {
      const choice = vaeChoice(spec, settings, spec.models.vae ?? '');
      b.add('10', 'VAELoader', {}, 'Load VAE');
      b.bind(choice.field, '10', 'vae_name', choice.file);
      vae = ['10', 0];
      loaders.push('10');
    }
    const model = addLora(b, spec, settings, '11', ['4', 0]);
    if (settings.lora) {
      loaders.push('11');
    }
    addSamplerTail(
      b,
      spec,
      settings,
      { positive: '6', negative: '7', latent: '5', sampler: '3', refine: '12', decode: '8', save: '9' },
      {
        model,
        clip: ['4', 1],
        vae,
        latentClass: 'EmptyLatentImage',
      },
    );
    return { graph: b.graph, samplerNode: '3', outputNodes: ['9'], loaderNodes: loaders, bindings: b.bindings };
  },
};
