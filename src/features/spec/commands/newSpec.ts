import vscode = require('vscode');
import { LANGUAGE_ID } from '../../languageModule';
import type { Command } from '../../command';

/** The motivating study's settings: one prompt at 20/40/60 steps, everything else fixed, 3 repeats. */
export const SPEC_TEMPLATE = `# A QwenPrompt spec. Click a ▶ lens above the spec to run it; hover a key to see what it means.
name: bamboo portrait
model: qwen-image-2512
prompt: >
  A photorealistic portrait of a young East Asian woman wearing a light blue linen shirt,
  standing in front of a sunlit bamboo forest, soft focus background, Fujifilm XT4, 85mm f/1.2
negative: deformed, blurry, low quality, text, watermark, extra limbs, disfigured
seed: 123456789
size: 1024x1024
sampler: dpmpp_2m
scheduler: karras
cfg: 7.0
steps: [20, 40, 60]
repeats: 3
# Extra axes, crossed with steps ("▶ Sweep"):
# sweep:
#   cfg: [6.5, 7.0]
#   sampler: [dpmpp_2m, euler_ancestral]
`;

/** Opens an untitled .qwenprompt document from the template. */
export class NewSpecCommand implements Command {
  readonly id = 'qwenprompt.newSpec';

  async run(): Promise<vscode.TextDocument> {
    const doc = await vscode.workspace.openTextDocument({ language: LANGUAGE_ID, content: SPEC_TEMPLATE });
    await vscode.window.showTextDocument(doc);
    return doc;
  }
}
