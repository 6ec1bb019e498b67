import { decoderMismatch } from './decoders';
import type { TemplateFacts } from './templateFacts';
import type { Severity, Spec } from './types';

type Add = (path: string, onKey: boolean, message: string, code: string, severity?: Severity) => void;

/** Rules of the study's levers: a two-stage split inside the steps, stage 2 settings only with a split, a decoder that fits the latent. */
export function checkLevers(spec: Spec, template: TemplateFacts | undefined, written: (path: string) => boolean, add: Add): void {
  const steps = [...spec.steps, ...(spec.sweep.find((a) => a.name === 'steps')?.values ?? []).map(Number)];
  const fewest = Math.min(...steps);
  const checkSplitAt = (path: string, split: number, steps: number) =>
    add(
      path,
      false,
      `split ${split} leaves nothing for stage 2 at ${steps} steps: the split must be below every step count (stage 1 runs steps 0..split, stage 2 split..steps).`,
      'split-not-below-steps',
    );
  const checkSplit = (path: string, split: number) => {
    if (split >= fewest) checkSplitAt(path, split, fewest);
  };
  if (spec.split !== undefined && written('split')) checkSplit('split', spec.split);
  const axes = [...spec.sweep.map((a) => ({ key: 'sweep', a })), ...(spec.pair ?? []).map((a) => ({ key: 'pair', a }))];
  const splits = axes.filter(({ a }) => a.name === 'split');
  // A paired split moves with its own steps: each row's split must be below that row's steps.
  const pairedSteps = spec.pair?.find((a) => a.name === 'steps');
  for (const { key, a } of splits) {
    a.values.forEach((v, i) => {
      const steps = key === 'pair' && pairedSteps ? Number(pairedSteps.values[i]) : fewest;
      if (Number(v) >= steps) checkSplitAt(`${key}.split.${i}`, Number(v), steps);
    });
  }
  const twoStage = spec.split !== undefined || splits.length > 0;
  const stage2 = [
    ...(written('refine') ? [{ path: 'refine', onKey: true }] : []),
    ...axes.filter(({ a }) => a.name.startsWith('refine.')).map(({ key, a }) => ({ path: `${key}.${a.name}`, onKey: true })),
  ];
  if (!twoStage) {
    for (const { path, onKey } of stage2) {
      add(
        path,
        onKey,
        'refine sets stage 2 of two-stage sampling: it needs a split (e.g. steps: 40, split: 25).',
        'refine-without-split',
        'warning',
      );
    }
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
