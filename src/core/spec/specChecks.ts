import { TEMPLATE_FACTS as TEMPLATES } from './templateFacts';
import { DIRECTIONS, REPEAT_AXIS } from '../../shared/gridLayout';
import { suggestion } from './didYouMean';
import { checkLevers } from './leverChecks';
import { KNOWN_SAMPLERS, KNOWN_SCHEDULERS } from './knownNames';
import type { Severity, Spec, SpecFix, SpecModels } from './types';

/** A rule the schema cannot express, placed by field path like a schema issue. */
export interface CheckIssue {
  path: string;
  onKey: boolean;
  message: string;
  code: string;
  severity: Severity;
  fixes?: SpecFix[];
}

/** How a check reports an issue (its Quick Fixes, if any, last). */
export type AddIssue = (path: string, onKey: boolean, message: string, code: string, severity?: Severity, fixes?: SpecFix[]) => void;

/** What the checks look at: the spec as filled in, and which fields the user actually wrote. */
export interface CheckInput {
  spec: Spec;
  written: (path: string) => boolean;
  /** The value as written (before defaults). */
  value: Record<string, unknown>;
}

const MIN_SIZE = 16;
const MAX_SIZE = 16384;

/** Cross-field rules, size rules of the template, and names a server probably does not know. */
export function checkSpec({ spec, written, value }: CheckInput): CheckIssue[] {
  const issues: CheckIssue[] = [];
  const add: AddIssue = (path, onKey, message, code, severity = 'error', fixes) =>
    issues.push({ path, onKey, message, code, severity, ...(fixes ? { fixes } : {}) });

  if (written('model') && written('workflow')) {
    add('workflow', true, 'Use either `model` (a built-in template) or `workflow` (your own graph), not both.', 'model-and-workflow');
  }
  if (spec.seeds && written('repeats') && typeof value.repeats === 'number' && value.repeats > 1) {
    add(
      'repeats',
      false,
      '`seeds` already sets the repeats (one run per seed): remove `repeats` or the seed list.',
      'seeds-repeats-conflict',
    );
  }
  if (written('size')) {
    for (const k of ['width', 'height']) {
      if (written(k)) {
        add(k, true, 'The size is given twice: keep either `size: WIDTHxHEIGHT` or `width`/`height`.', 'size-conflict');
      }
    }
  }

  const template = spec.model ? TEMPLATES[spec.model] : undefined;
  const checkSize = (path: string, w: number, h: number) => {
    if (w < MIN_SIZE || h < MIN_SIZE || w > MAX_SIZE || h > MAX_SIZE) {
      add(path, false, `Width and height must be between ${MIN_SIZE} and ${MAX_SIZE} pixels (got ${w}x${h}).`, 'out-of-range');
    } else if (template && (w % template.sizeStep !== 0 || h % template.sizeStep !== 0)) {
      const round = (n: number) => Math.max(template.sizeStep, Math.round(n / template.sizeStep) * template.sizeStep);
      const size = `${round(w)}x${round(h)}`;
      // `width:`/`height:` lines get one edit each; `size:` and a swept size, the value itself.
      const edits =
        path === 'width' || path === 'height'
          ? [
              ...(written('width') ? [{ field: 'width', newText: String(round(w)), literal: true }] : []),
              ...(written('height') ? [{ field: 'height', newText: String(round(h)), literal: true }] : []),
            ]
          : [{ newText: size }];
      add(
        path,
        false,
        `Width and height must be multiples of ${template.sizeStep} for the ${template.id} template (got ${w}x${h}; try ${size}).`,
        'size-multiple',
        'error',
        [{ title: `Change to ${size}`, edits }],
      );
    } else if (template?.nativeSizes && !template.nativeSizes.includes(`${w}x${h}`)) {
      add(
        path,
        false,
        `${w}x${h} is not one of ${template.id}'s native sizes (${template.nativeSizes.join(', ')}); it works, but images may look worse.`,
        'non-native-size',
        'hint',
      );
    }
  };
  if (written('size') || written('width') || written('height')) {
    checkSize(written('size') ? 'size' : written('width') ? 'width' : 'height', spec.width, spec.height);
  }

  const checkName = (path: string, value: string, known: readonly string[], what: string, code: string) => {
    if (!known.includes(value)) {
      const s = suggestion(value, known);
      add(path, false, `Unknown ${what} '${value}'.${s.text} (A server with custom nodes may still offer it.)`, code, 'warning', s.fixes);
    }
  };
  if (written('sampler')) {
    checkName('sampler', spec.sampler, KNOWN_SAMPLERS, 'sampler', 'unknown-sampler');
  }
  if (written('scheduler')) {
    checkName('scheduler', spec.scheduler, KNOWN_SCHEDULERS, 'scheduler', 'unknown-scheduler');
  }
  if (written('refine.sampler') && spec.refine?.sampler) {
    checkName('refine.sampler', spec.refine.sampler, KNOWN_SAMPLERS, 'sampler', 'unknown-sampler');
  }
  if (written('refine.scheduler') && spec.refine?.scheduler) {
    checkName('refine.scheduler', spec.refine.scheduler, KNOWN_SCHEDULERS, 'scheduler', 'unknown-scheduler');
  }
  const swept = [...spec.sweep.map((a) => ({ key: 'sweep', axis: a })), ...(spec.pair ?? []).map((a) => ({ key: 'pair', axis: a }))];
  for (const { key, axis } of swept) {
    axis.values.forEach((v, i) => {
      const path = `${key}.${axis.name}.${i}`;
      if (axis.name === 'sampler' || axis.name === 'refine.sampler') {
        checkName(path, String(v), KNOWN_SAMPLERS, 'sampler', 'unknown-sampler');
      } else if (axis.name === 'scheduler' || axis.name === 'refine.scheduler') {
        checkName(path, String(v), KNOWN_SCHEDULERS, 'scheduler', 'unknown-scheduler');
      } else if (axis.name === 'size') {
        const [w, h] = String(v).split('x').map(Number);
        checkSize(path, w, h);
      }
    });
  }

  checkLevers(spec, template, written, add);
  checkLayout(spec, value, add);
  issues.push(...checkPair(spec, written));

  if (template) {
    for (const key of Object.keys(spec.models) as (keyof SpecModels)[]) {
      if (!template.modelKeys.includes(key)) {
        add(
          `models.${key}`,
          true,
          `models.${key} is not used by the ${template.id} template (it uses ${template.modelKeys.join(', ')}).`,
          'unused-model',
          'warning',
        );
      }
    }
    if (template.defaults.shift === undefined) {
      for (const path of ['shift', 'sweep.shift', 'pair.shift']) {
        if (written(path)) {
          add(
            path,
            true,
            `shift has no effect with the ${template.id} template (it has no ModelSamplingAuraFlow node).`,
            'unused-field',
            'warning',
          );
        }
      }
    }
  }
  return issues;
}

/** Names in `layout` that are no axis of the spec: steps, a sweep or pair axis, variant, or repeat. */
function checkLayout(spec: Spec, value: Record<string, unknown>, add: AddIssue): void {
  if (!spec.layout) return;
  const axes = new Set(['steps', REPEAT_AXIS]);
  const addAxes = (x: Pick<Spec, 'sweep' | 'pair'>) => [...x.sweep, ...(x.pair ?? [])].forEach((a) => axes.add(a.name));
  addAxes(spec);
  // Each variant is a value of the 'variant' axis and brings its own sweep and pair.
  if (spec.variants?.length) axes.add('variant');
  for (const v of spec.variants ?? []) addAxes(v.spec);
  const known = [...axes];
  const seen = new Set<string>();
  for (const d of DIRECTIONS) {
    const raw = value.layout && typeof value.layout === 'object' ? (value.layout as Record<string, unknown>)[d] : undefined;
    (spec.layout[d] ?? []).forEach((name, i) => {
      const path = Array.isArray(raw) ? `layout.${d}.${i}` : `layout.${d}`;
      if (!axes.has(name)) {
        const s = suggestion(name, known);
        add(
          path,
          false,
          `'${name}' is not an axis of this spec (${known.join(', ')}); the grid ignores it.${s.text}`,
          'unknown-layout-axis',
          'warning',
          s.fixes,
        );
      } else if (seen.has(name)) {
        add(path, false, `'${name}' is placed twice in the layout; the grid keeps its first place.`, 'duplicate-layout-axis', 'warning');
      }
      seen.add(name);
    });
  }
}

/** Paired axes move together, so every list needs one value per row, and no axis is also crossed. */
function checkPair(spec: Spec, written: (path: string) => boolean): CheckIssue[] {
  const pair = spec.pair ?? [];
  const issues: CheckIssue[] = [];
  const first = pair[0];
  for (const axis of pair) {
    const path = `pair.${axis.name}`;
    if (axis.values.length !== first.values.length) {
      issues.push({
        path,
        onKey: false,
        message: `pair.${axis.name} has ${axis.values.length} value(s) but pair.${first.name} has ${first.values.length}: paired values go together row by row, so every list needs the same length.`,
        code: 'pair-length',
        severity: 'error',
      });
    }
    if (spec.sweep.some((a) => a.name === axis.name)) {
      issues.push({
        path,
        onKey: true,
        message: `${axis.name} is both paired and swept: keep it in one of \`pair\` or \`sweep\`.`,
        code: 'pair-and-sweep',
        severity: 'error',
      });
    }
  }
  if (pair.some((a) => a.name === 'steps') && written('steps')) {
    issues.push({
      path: 'steps',
      onKey: true,
      message: 'pair.steps gives the step counts, so `steps` is not used: remove one of them.',
      code: 'steps-and-pair',
      severity: 'warning',
    });
  }
  return issues;
}
