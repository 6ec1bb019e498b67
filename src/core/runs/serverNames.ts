// Samplers, schedulers and model files a spec names, checked against the live server's /object_info:
// a name the server lacks fails the run there, so it is an error, with the server's closest names as
// Quick Fixes. Without a server only the built-in lists warn (specChecks).
import { comboValues, type ObjectInfo } from '../comfy/objectInfo';
import { closestNames } from '../spec/didYouMean';
import { isLoraOff } from '../spec/loraOff';
import type { Range, Spec, SpecDiagnostic } from '../spec/types';

/** Spec value kinds whose allowed values a server knows. */
export type ValueKind = 'sampler' | 'scheduler' | 'unet' | 'clip' | 'vae' | 'checkpoint' | 'lora' | 'weightDtype';

/** Where each kind lives in /object_info: node class and input name. Every loader that takes a kind
 * counts here (a GGUF unet is as good a unet as a safetensors one); completions list the first that answers. */
export const VALUE_SOURCES: Record<ValueKind, [string, string][]> = {
  sampler: [['KSampler', 'sampler_name']],
  scheduler: [['KSampler', 'scheduler']],
  unet: [
    ['UNETLoader', 'unet_name'],
    ['UnetLoaderGGUF', 'unet_name'],
  ],
  clip: [
    ['CLIPLoader', 'clip_name'],
    ['CLIPLoaderGGUF', 'clip_name'],
  ],
  vae: [['VAELoader', 'vae_name']],
  checkpoint: [['CheckpointLoaderSimple', 'ckpt_name']],
  lora: [
    ['LoraLoaderModelOnly', 'lora_name'],
    ['LoraLoader', 'lora_name'],
  ],
  weightDtype: [['UNETLoader', 'weight_dtype']],
};

type Kind = ValueKind;

/** The kind of the value at a field path (a variant's fields are the spec's own). */
function kindOf(field: string): Kind | undefined {
  const f = field.replace(/^variants\.\d+\./, '');
  const m =
    /^(?:refine\.)?(sampler|scheduler)$/.exec(f) ??
    /^(?:sweep|pair)\.(sampler|scheduler)\.\d+$/.exec(f) ??
    /^models\.(unet|clip|vae|checkpoint|lora)$/.exec(f) ??
    /^(lora)(?:\.name)?$/.exec(f);
  if (m) return m[1] as Kind;
  return f === 'models.weightDtype' ? 'weightDtype' : undefined;
}

/** What the server offers of a kind, or undefined when none of its loaders is installed (nothing to say). */
function offered(info: ObjectInfo, kind: Kind): string[] | undefined {
  const lists = VALUE_SOURCES[kind].map(([cls, input]) => comboValues(info, cls, input)).filter((l) => l !== undefined);
  return lists.length ? [...new Set(lists.flat())] : undefined;
}

/** The scalar written at a one-line range, without its quotes; undefined for a mapping or a list. */
function scalarAt(lines: readonly string[], r: Range): string | undefined {
  if (r.start.line !== r.end.line) return undefined;
  const text = (lines[r.start.line] ?? '').slice(r.start.character, r.end.character).trim();
  if (!text || /^[[{|>]/.test(text)) return undefined;
  const quoted = /^"(.*)"$/.exec(text) ?? /^'(.*)'$/.exec(text);
  return quoted ? quoted[1] : text;
}

/** An error per sampler, scheduler or model file of `spec` that the server's /object_info does not list. */
export function serverNameProblems(spec: Spec, info: ObjectInfo, lines: readonly string[]): SpecDiagnostic[] {
  const out: SpecDiagnostic[] = [];
  for (const [field, range] of Object.entries(spec.fieldRanges)) {
    const kind = kindOf(field);
    const value = kind && scalarAt(lines, range);
    if (!kind || value === undefined || (kind === 'lora' && isLoraOff(value))) continue;
    const known = offered(info, kind);
    if (!known || known.includes(value)) continue;
    const near = closestNames(value, known);
    const files = kind !== 'sampler' && kind !== 'scheduler' && kind !== 'weightDtype';
    const what = files ? `${kind} file` : kind === 'weightDtype' ? 'weight dtype' : kind;
    const hint = near.length
      ? ` Closest it has: ${near.join(', ')}.`
      : known.length
        ? ` It has ${known.length}: ${known.slice(0, 5).join(', ')}${known.length > 5 ? ', …' : ''}.`
        : ` It lists no ${what}s${files ? ': put the file in its models folder' : ''}.`;
    out.push({
      range,
      message: `The server has no ${what} '${value}'.${hint}`,
      severity: 'error',
      code: 'not-on-server',
      specIndex: spec.index,
      fixes: near.map((n) => ({ title: `Change to '${n}' (on the server)`, edits: [{ newText: n }] })),
    });
  }
  return out;
}
