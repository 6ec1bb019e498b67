/**
 * Python-flavoured formatting and conversions. ComfyUI builds its error texts with Python's str()/repr()
 * and converts inputs with int()/float(); a client that shows those texts must see the same words here.
 */

/** Python error raised by a conversion: `message` is what str(exception) gives. */
export class PyError extends Error {
  readonly pyType: string;
  constructor(pyType: string, message: string) {
    super(message);
    this.pyType = pyType;
  }
}

function pyTypeName(v: unknown): string {
  if (v === null || v === undefined) {
    return 'NoneType';
  }
  if (Array.isArray(v)) {
    return 'list';
  }
  if (typeof v === 'object') {
    return 'dict';
  }
  if (typeof v === 'boolean') {
    return 'bool';
  }
  if (typeof v === 'string') {
    return 'str';
  }
  return Number.isInteger(v) ? 'int' : 'float';
}

/** repr() of a float: integral values keep their ".0". */
export function pyFloat(n: number): string {
  if (Number.isNaN(n)) {
    return 'nan';
  }
  if (!Number.isFinite(n)) {
    return n > 0 ? 'inf' : '-inf';
  }
  if (Number.isInteger(n) && Math.abs(n) < 1e16) {
    return `${n}.0`;
  }
  return String(n).replace(/e([+-])(\d)$/, 'e$10$2');
}

export function pyStrRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\') {
      out += '\\\\';
    } else if (ch === quote) {
      out += '\\' + ch;
    } else if (ch === '\n') {
      out += '\\n';
    } else if (ch === '\t') {
      out += '\\t';
    } else {
      out += ch;
    }
  }
  return quote + out + quote;
}

/** Python repr() of a JSON value (numbers as JSON parsed them: integral numbers print as ints). */
export function pyRepr(v: unknown): string {
  if (v === null || v === undefined) {
    return 'None';
  }
  if (typeof v === 'boolean') {
    return v ? 'True' : 'False';
  }
  if (typeof v === 'number') {
    return Number.isInteger(v) ? String(v) : pyFloat(v);
  }
  if (typeof v === 'string') {
    return pyStrRepr(v);
  }
  if (Array.isArray(v)) {
    return '[' + v.map(pyRepr).join(', ') + ']';
  }
  return (
    '{' +
    Object.entries(v as Record<string, unknown>)
      .map(([k, x]) => `${pyStrRepr(k)}: ${pyRepr(x)}`)
      .join(', ') +
    '}'
  );
}

/** Python str(): strings as they are, everything else as repr(). */
export function pyStr(v: unknown): string {
  return typeof v === 'string' ? v : pyRepr(v);
}

/** Python int(v). */
export function pyInt(v: unknown): number {
  if (typeof v === 'boolean') {
    return v ? 1 : 0;
  }
  if (typeof v === 'number') {
    if (Number.isNaN(v)) {
      throw new PyError('ValueError', 'cannot convert float NaN to integer');
    }
    if (!Number.isFinite(v)) {
      throw new PyError('OverflowError', 'cannot convert float infinity to integer');
    }
    return Math.trunc(v);
  }
  if (typeof v === 'string') {
    const t = v.trim();
    if (/^[+-]?\d+(_\d+)*$/.test(t)) {
      return Number(t.replace(/_/g, ''));
    }
    throw new PyError('ValueError', `invalid literal for int() with base 10: ${pyStrRepr(v)}`);
  }
  throw new PyError('TypeError', `int() argument must be a string, a bytes-like object or a real number, not '${pyTypeName(v)}'`);
}

/** Python float(v). */
export function pyToFloat(v: unknown): number {
  if (typeof v === 'boolean') {
    return v ? 1 : 0;
  }
  if (typeof v === 'number') {
    return v;
  }
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase().replace(/_/g, '');
    if (/^[+-]?(inf|infinity)$/.test(t)) {
      return t.startsWith('-') ? -Infinity : Infinity;
    }
    if (/^[+-]?nan$/.test(t)) {
      return NaN;
    }
    if (/^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/.test(t)) {
      return Number(t);
    }
    throw new PyError('ValueError', `could not convert string to float: ${pyStrRepr(v)}`);
  }
  throw new PyError('TypeError', `float() argument must be a string or a real number, not '${pyTypeName(v)}'`);
}

/** Python bool(v). */
export function pyBool(v: unknown): boolean {
  if (Array.isArray(v)) {
    return v.length > 0;
  }
  if (v && typeof v === 'object') {
    return Object.keys(v).length > 0;
  }
  return Boolean(v);
}
