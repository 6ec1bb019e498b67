/**
 * A whole spec as a snippet (VS Code/TextMate syntax), for an empty file: each setting a tab stop with
 * Qwen-Image-2512's defaults at 20/40/60 steps, the template a choice of the built-in ones.
 */
export function wholeSpecSnippet(templates: readonly string[]): string {
  const choice = templates.length ? `\${2|${templates.join(',')}|}` : '${2:qwen-image-2512}';
  return [
    'name: ${1:my study}',
    `model: ${choice}`,
    'prompt: >',
    '\t${3:what the image should show}',
    'negative: ${4:blurry, low quality, text, watermark}',
    'seed: ${5:123456789}',
    'size: ${6:1328x1328}',
    'sampler: ${7:euler}',
    'scheduler: ${8:simple}',
    'cfg: ${9:4.0}',
    'steps: [${10:20, 40, 60}]',
    'repeats: ${11:3}',
    '$0',
  ].join('\n');
}
