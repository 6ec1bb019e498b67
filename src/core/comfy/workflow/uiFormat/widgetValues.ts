// How the frontend turns widget values into prompt values (`widget.serializeValue`): a STRING with
// `dynamicPrompts` loses its comments and picks one option of each `{a|b}`; a save node's
// `filename_prefix` gets its `%date:…%` and `%Node.widget%` patterns replaced.
import type { InputSpec } from '../../objectInfo';

/** The frontend's processDynamicPrompt: strips C-style comments, then picks one option of each `{a|b|…}`, nested. */
export function processDynamicPrompt(source: string, random: () => number = Math.random): string {
  const input = source.replace(/\/\*[\s\S]*?\*\/|\/\/.*/g, '');
  let i = 0;
  const escape = () => '\\' + input[i++];
  const choice = (): string => {
    const options: string[] = [];
    let current = '';
    let depth = 0;
    while (i < input.length) {
      const c = input[i++];
      if (c === '\\') {
        current += escape();
        continue;
      }
      if (c === '{') depth++;
      else if (c === '}') {
        if (!depth) break;
        depth--;
      } else if (c === '|' && !depth) {
        options.push(current);
        current = '';
        continue;
      }
      current += c;
    }
    options.push(current);
    return processDynamicPrompt(options[Math.floor(random() * options.length)], random);
  };
  let out = '';
  while (i < input.length) {
    const c = input[i++];
    out += c === '\\' ? escape() : c === '{' ? choice() : c;
  }
  return out.replace(/\\([{}|])/g, '$1');
}

const DATE_PARTS: Record<string, (d: Date) => number> = {
  d: (d) => d.getDate(),
  M: (d) => d.getMonth() + 1,
  h: (d) => d.getHours(),
  m: (d) => d.getMinutes(),
  s: (d) => d.getSeconds(),
};

/** The frontend's formatDate: yyyy, yy, MM, dd, hh, mm, ss (one letter: no padding). */
export function formatDate(text: string, date: Date): string {
  return text.replace(/dd?|MM?|hh?|mm?|ss?|yyy?y?/g, (t) => {
    if (t === 'yy') return String(date.getFullYear()).substring(2);
    if (t === 'yyyy') return String(date.getFullYear());
    const part = DATE_PARTS[t[0]];
    return part ? String(part(date)).padStart(t.length, '0') : t;
  });
}

/** A node as the text replacements see it: its S&R name, title and widget values. */
export interface ReplacementNode {
  srName?: string;
  title?: string;
  widgets: Map<string, unknown>;
}

/** The frontend's applyTextReplacements over the top-level graph's nodes. */
export function applyTextReplacements(value: string, nodes: ReplacementNode[], now: Date = new Date()): string {
  return value.replace(/%([^%]+)%/g, (match, text: string) => {
    const split = text.split('.');
    if (split.length !== 2) return split[0].startsWith('date:') ? formatDate(split[0].substring(5), now) : match;
    let found = nodes.filter((n) => n.srName === split[0]);
    if (!found.length) found = nodes.filter((n) => n.title === split[0]);
    const widgets = found[0]?.widgets;
    if (!widgets?.has(split[1])) return match;
    return String(widgets.get(split[1]) ?? '').replace(/[/?<>\\:*|"\x00-\x1F\x7F]/g, '_');
  });
}

/** Save nodes whose `filename_prefix` the frontend runs through the text replacements. */
export const SAVE_NODES = new Set([
  'SaveImage',
  'SaveAnimatedWEBP',
  'SaveAnimatedPNG',
  'SaveWEBM',
  'SaveAudio',
  'SaveVideo',
  'SaveGLB',
  'CLIPSave',
  'VAESave',
  'ModelSave',
  'LoraSave',
  'SaveLatent',
]);

/** A widget's value when the workflow saved none: the spec's default, a combo's first value, or the type's zero. */
export function defaultValue(spec: InputSpec | undefined): unknown {
  if (!spec) return undefined;
  const o = spec[1] ?? {};
  if ('default' in o) return o.default;
  const options = Array.isArray(spec[0]) ? spec[0] : spec[0] === 'COMBO' && Array.isArray(o.options) ? o.options : undefined;
  if (options) return options[0];
  return { INT: 0, FLOAT: 0, STRING: '', BOOLEAN: false }[String(spec[0])];
}
