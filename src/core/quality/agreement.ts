// Agreement between raters and intervals around their means. Pure maths: Krippendorff's alpha
// (K. Krippendorff, "Computing Krippendorff's Alpha-Reliability", 2011) through the coincidence
// matrix, and Student's t interval of a mean.

export type AlphaMetric = 'nominal' | 'ordinal' | 'interval';

export interface Alpha {
  /** Undefined when it cannot be computed: fewer than two pairable values, or every value the same. */
  alpha?: number;
  /** Pairable values: those in units that at least two raters scored. */
  n: number;
  /** Units (images) scored by at least two raters. */
  units: number;
}

/** Krippendorff's alpha of `units`: each unit's values from the raters who scored it. */
export function krippendorffAlpha(units: readonly (readonly number[])[], metric: AlphaMetric): Alpha {
  const pairable = units.filter((u) => u.length >= 2);
  const values = [...new Set(pairable.flat())].sort((a, b) => a - b);
  const index = new Map(values.map((v, i) => [v, i]));
  const V = values.length;
  // o[c][k]: coincidences of value c with k; each unit of m values adds 1/(m − 1) per ordered pair.
  const o = Array.from({ length: V }, () => new Array<number>(V).fill(0));
  for (const u of pairable) {
    const w = 1 / (u.length - 1);
    for (let i = 0; i < u.length; i++) {
      for (let j = 0; j < u.length; j++) {
        if (i !== j) o[index.get(u[i])!][index.get(u[j])!] += w;
      }
    }
  }
  const nc = o.map((row) => row.reduce((a, b) => a + b, 0));
  const n = nc.reduce((a, b) => a + b, 0);
  const delta2 = (c: number, k: number): number => {
    if (metric === 'nominal') return c === k ? 0 : 1;
    if (metric === 'interval') return (values[c] - values[k]) ** 2;
    const [lo, hi] = c < k ? [c, k] : [k, c];
    let sum = 0;
    for (let g = lo; g <= hi; g++) sum += nc[g];
    return (sum - (nc[c] + nc[k]) / 2) ** 2;
  };
  let observed = 0;
  let expected = 0;
  for (let c = 0; c < V; c++) {
    for (let k = 0; k < V; k++) {
      const d = delta2(c, k);
      observed += o[c][k] * d;
      expected += nc[c] * nc[k] * d;
    }
  }
  const base = { n: Math.round(n), units: pairable.length };
  if (n < 2 || expected === 0) return base;
  return { ...base, alpha: 1 - ((n - 1) * observed) / expected };
}

// Two-sided 95 % quantiles of Student's t for 1–30 degrees of freedom.
const T975 = [
  12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.16, 2.145, 2.131, 2.12, 2.11, 2.101, 2.093, 2.086,
  2.08, 2.074, 2.069, 2.064, 2.06, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/** t(0.975, df); past 30 degrees of freedom the first-order expansion around 1.96 (within 0.003). */
export function t975(df: number): number {
  if (df < 1) return Infinity;
  return df <= 30 ? T975[Math.floor(df) - 1] : 1.96 + 2.4 / df;
}

export interface MeanInterval {
  mean: number;
  n: number;
  /** Half-width of the 95 % interval of the mean (t · s / √n); absent for a single value. */
  half?: number;
}

export function meanInterval(xs: readonly number[]): MeanInterval | undefined {
  if (!xs.length) return undefined;
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  if (n < 2) return { mean, n };
  const sd = Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  return { mean, n, half: (t975(n - 1) * sd) / Math.sqrt(n) };
}
