import type { AxisValue, JobSettings, Spec } from '../../spec/types';

/** The spec field path (as in Spec.fieldRanges) that produced a job's value of `field`, so a server
 * error on that input points at the exact list item the user wrote: 'steps.1', 'sweep.cfg.0',
 * 'seeds.2', or plainly 'cfg'. */
export function fieldPath(spec: Spec, field: string, value?: AxisValue): string {
  for (const key of ['sweep', 'pair'] as const) {
    const axis = spec[key]?.find((a) => a.name === field);
    if (!axis) continue;
    const i = value === undefined ? -1 : axis.values.indexOf(value);
    return i >= 0 ? `${key}.${field}.${i}` : `${key}.${field}`;
  }
  if (field === 'steps' && typeof value === 'number') {
    const i = spec.steps.indexOf(value);
    return i >= 0 && spec.fieldRanges[`steps.${i}`] ? `steps.${i}` : 'steps';
  }
  if (field === 'seed' && spec.seeds) {
    const i = typeof value === 'number' ? spec.seeds.indexOf(value) : -1;
    return i >= 0 ? `seeds.${i}` : 'seeds';
  }
  if (field === 'size' && !spec.fieldRanges.size && spec.fieldRanges.width) {
    return 'width';
  }
  if (field.includes('.') && !field.startsWith('models.') && !field.startsWith('refine.')) {
    return `inputs.${field}`;
  }
  return field;
}

/** `WxH` of a job, the form sweep.size values are written in. */
export function sizeOf(settings: Pick<JobSettings, 'width' | 'height'>): string {
  return `${settings.width}x${settings.height}`;
}
