const LANCZOS_G = 7;
const LANCZOS_COEFFICIENTS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_TWO_PI = 0.5 * Math.log(2 * Math.PI);

/** log |Gamma(x)| (Lanczos, g = 7; reflection below 0.5). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  if (x >= 1e7) return (x - 0.5) * Math.log(x) - x + HALF_LOG_TWO_PI + 1 / (12 * x);
  const z = x - 1;
  let series = LANCZOS_COEFFICIENTS[0];
  for (let k = 1; k < 9; k++) series += LANCZOS_COEFFICIENTS[k] / (z + k);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_TWO_PI + (z + 0.5) * Math.log(t) - t + Math.log(series);
}

/** log B(a, b). */
export function logBeta(a: number, b: number): number {
  return logGamma(a) + logGamma(b) - logGamma(a + b);
}

/** psi(x) = d/dx log Gamma(x) (recurrence up to 10, then the asymptotic series). */
export function digamma(x: number): number {
  if (x <= 0 && Math.floor(x) === x) return Number.NaN;
  if (x < 0) return digamma(1 - x) - Math.PI / Math.tan(Math.PI * x);
  let shift = 0;
  while (x < 10) {
    shift -= 1 / x;
    x += 1;
  }
  const inv = 1 / x;
  const inv2 = inv * inv;
  const tail = inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 * (1 / 132 - (inv2 * 691) / 32760)))));
  return shift + Math.log(x) - 0.5 * inv - tail;
}

/** log(exp(u) + exp(v)) without overflow. */
export function logAddExp(u: number, v: number): number {
  if (u === -Infinity) return v;
  if (v === -Infinity) return u;
  return u > v ? u + Math.log1p(Math.exp(v - u)) : v + Math.log1p(Math.exp(u - v));
}

export class SeriesDivergenceError extends Error {}

/**
 * Gauss hypergeometric 2F1(a, b; c; z) for |z| < 1 by its power series, summed until the
 * remaining tail is provably below `relativeTolerance` of the sum.
 */
export function hyp2f1(a: number, b: number, c: number, z: number, relativeTolerance = 1e-15, maxTerms = 2_000_000): number {
  if (z === 0) return 1;
  if (!(Math.abs(z) < 1)) throw new RangeError(`hyp2f1: |z| must be < 1, got ${z}`);
  if (c <= 0 && Math.floor(c) === c) throw new RangeError(`hyp2f1: c must not be a non-positive integer, got ${c}`);
  const absZ = Math.abs(z);
  let term = 1;
  let sum = 1;
  for (let n = 0; n < maxTerms; n++) {
    term *= (((a + n) * (b + n)) / ((c + n) * (n + 1))) * z;
    sum += term;
    if (term === 0) return sum;
    const nextRatio = Math.abs((((a + n + 1) * (b + n + 1)) / ((c + n + 1) * (n + 2))) * z);
    if (nextRatio < 1) {
      const bound = Math.max(nextRatio, absZ);
      if ((Math.abs(term) * bound) / (1 - bound) <= relativeTolerance * Math.abs(sum)) return sum;
    }
    if (!Number.isFinite(sum)) return sum;
  }
  throw new SeriesDivergenceError(`hyp2f1(${a}, ${b}; ${c}; ${z}) did not converge in ${maxTerms} terms`);
}
