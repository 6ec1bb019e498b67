import { decoderMismatch } from './decoders';
import type { TemplateFacts } from './templateFacts';
import type { Severity, Spec } from './types';

type Add = (path: string, onKey: boolean, message: string, code: string, severity?: Severity) => void;

/** Rules of the study's levers: a two-stage split inside the steps, stage 2 settings only with a split, a decoder that fits the latent. */
export function checkLevers(spec: Spec, template: TemplateFacts | undefined, written: (path: string) => boolean, add: Add): void {
  const steps = [...spec.steps, ...(spec.sweep.find((a) => a.name === 'steps')?.values ?? []).map(Number)];
  const fewest = Math.min(...steps);
  const checkSplit = (path: string, split: number) => {
    if (split >= fewest) {
      add(
        path,
        false,
        `split ${split} leaves nothing for stage 2 at ${fewest} steps: the split must be below every step count (stage 1 runs steps 0..split, stage 2 split..steps).`,
        'split-not-below-steps',
      );
    }
  };
  if (spec.split !== undefined && written('split')) checkSplit('split', spec.split);
  const splits = spec.sweep.find((a) => a.name === 'split');
  splits?.values.forEach((v, i) => checkSplit(`sweep.split.${i}`, Number(v)));
  if (written('refine') && spec.split === undefined && !splits) {
    add(
      'refine',
      true,
      'refine sets stage 2 of two-stage sampling: it needs a split (e.g. steps: 40, split: 25).',
      'refine-without-split',
      'warning',
    );
  }
  if (spec.split !== undefined && written('denoise') && spec.denoise !== 1) {
    add('denoise', true, 'denoise does not apply to two-stage sampling (KSamplerAdvanced has no denoise).', 'unused-field', 'warning');
  }
  if (!template) return;
  const checkDecoder = (path: string, name: string) => {
    const why = decoderMismatch(name, template.latent, template.id);
    if (why) add(path, false, why, 'decoder-latent-mismatch');
  };
  if (spec.decoder && written('decoder')) checkDecoder('decoder', spec.decoder);
  spec.sweep.find((a) => a.name === 'decoder')?.values.forEach((v, i) => checkDecoder(`sweep.decoder.${i}`, String(v)));
}
