import { logBeta } from '../metrics/clv/index.ts';

export interface SampleSummary {
  n: number;
  mean: number;
  /** Sample variance (n - 1 denominator). */
  variance: number;
}

export function summarize(values: ArrayLike<number>): SampleSummary {
  const n = values.length;
  let sum = 0;
  for (let i = 0; i < n; i++) sum += values[i]!;
  const mean = n ? sum / n : 0;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (values[i]! - mean) ** 2;
  return { n, mean, variance: n > 1 ? ss / (n - 1) : 0 };
}

/** Regularized incomplete beta I_x(a, b) by its continued fraction (modified Lentz). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  if (x > (a + 1) / (a + b + 2)) return 1 - incompleteBeta(1 - x, b, a);
  const front = Math.exp(a * Math.log(x) + b * Math.log(1 - x) - logBeta(a, b)) / a;
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let f = d;
  for (let m = 1; m <= 500; m++) {
    for (const step of [0, 1]) {
      const numerator =
        step === 0 ? (m * (b - m) * x) / ((a + 2 * m - 1) * (a + 2 * m)) : -((a + m) * (a + b + m) * x) / ((a + 2 * m) * (a + 2 * m + 1));
      d = 1 + numerator * d;
      if (Math.abs(d) < tiny) d = tiny;
      c = 1 + numerator / c;
      if (Math.abs(c) < tiny) c = tiny;
      d = 1 / d;
      f *= c * d;
    }
    if (Math.abs(c * d - 1) < 1e-15) break;
  }
  return front * f;
}

/** P(T <= t) for Student's t with `df` degrees of freedom. */
export function studentTCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The t value with P(T <= t) = p (0.5 < p < 1), by bisection. */
export function studentTQuantile(p: number, df: number): number {
  let lo = 0;
  let hi = 1;
  while (studentTCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-12; i++) {
    const mid = (lo + hi) / 2;
    if (studentTCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface WelchResult {
  difference: number;
  standardError: number;
  df: number;
  tCritical: number;
  ci: [number, number];
}

/** Difference of means a - b with a Welch (unequal variances) confidence interval. */
export function welch(a: SampleSummary, b: SampleSummary, level = 0.95): WelchResult {
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se = Math.sqrt(va + vb);
  const df = se === 0 ? Math.max(a.n + b.n - 2, 1) : (va + vb) ** 2 / (va ** 2 / (a.n - 1) + vb ** 2 / (b.n - 1));
  const tCritical = studentTQuantile(1 - (1 - level) / 2, df);
  const difference = a.mean - b.mean;
  return { difference, standardError: se, df, tCritical, ci: [difference - tCritical * se, difference + tCritical * se] };
}

/** The standard normal quantile for a two-sided 95% interval. */
export const Z95 = 1.959963984540054;

/**
 * Fieller's interval for the ratio of two independent means a/b (each with its variance of the
 * mean), with critical value t. Asymmetric, as a ratio's interval should be; null when the
 * denominator's own interval includes zero (the ratio is then unbounded).
 */
export function fiellerRatio(a: number, varA: number, b: number, varB: number, t: number): { ratio: number; ci: [number, number] } | null {
  const t2 = t * t;
  const denominator = b * b - t2 * varB;
  if (!(b !== 0 && denominator > 0)) return null;
  const root = Math.sqrt(Math.max(0, a * a * varB + b * b * varA - t2 * varA * varB));
  const lo = (a * b - t * root) / denominator;
  const hi = (a * b + t * root) / denominator;
  return { ratio: a / b, ci: [lo, hi] };
}

/** Wilson's score interval for a proportion x/n (95% unless z says otherwise); null for n = 0. */
export function wilson(x: number, n: number, z = Z95): { rate: number; ci: [number, number] } | null {
  if (n <= 0) return null;
  const p = x / n;
  const z2 = z * z;
  const scale = 1 + z2 / n;
  const center = (p + z2 / (2 * n)) / scale;
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / scale;
  return { rate: p, ci: [Math.max(0, center - half), Math.min(1, center + half)] };
}

/** Newcombe's hybrid score interval (his method 10) for the difference of two proportions x1/n1 − x2/n2. */
export function newcombe(x1: number, n1: number, x2: number, n2: number, z = Z95): { difference: number; ci: [number, number] } | null {
  const one = wilson(x1, n1, z);
  const two = wilson(x2, n2, z);
  if (!one || !two) return null;
  const d = one.rate - two.rate;
  const lower = d - Math.sqrt((one.rate - one.ci[0]) ** 2 + (two.ci[1] - two.rate) ** 2);
  const upper = d + Math.sqrt((one.ci[1] - one.rate) ** 2 + (two.rate - two.ci[0]) ** 2);
  return { difference: d, ci: [lower, upper] };
}
