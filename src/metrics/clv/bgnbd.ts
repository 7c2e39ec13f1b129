import { distinctValues, groupIdenticalRows } from './grouping.ts';
import { minimize } from './optimizer.ts';
import { digamma, hyp2f1, logBeta, logGamma, SeriesDivergenceError } from './special-functions.ts';

export interface BgNbdParams {
  r: number;
  alpha: number;
  a: number;
  b: number;
}

export interface BgNbdFit extends BgNbdParams {
  /** Total log-likelihood (sum over customers, not the mean). */
  loglik: number;
  iterations: number;
  /** Likelihood evaluations (each with its gradient). */
  evaluations: number;
  customers: number;
  /** Distinct (x, t_x, T) rows the likelihood was evaluated over. */
  distinctRows: number;
  converged: boolean;
}

/** Frequency x, recency t_x and age T per customer, all in the same time unit. */
export interface FrequencyRecencyData {
  x: ArrayLike<number>;
  tx: ArrayLike<number>;
  T: ArrayLike<number>;
}

export interface FitBgNbdOptions {
  /** Customers each row stands for (default 1). */
  weights?: ArrayLike<number>;
  /** Collapse identical (x, t_x, T) rows into one weighted term (default true). */
  group?: boolean;
  initial?: BgNbdParams;
  gradientTolerance?: number;
  maxIterations?: number;
}

interface PreparedData {
  xValues: Float64Array;
  xIndex: Int32Array;
  x: ArrayLike<number>;
  tx: ArrayLike<number>;
  T: ArrayLike<number>;
  weights: ArrayLike<number> | null;
  weightOfX: Float64Array;
  totalWeight: number;
  /** Distinct T and t_x values with each row's index, so logs of alpha + T are taken once per distinct value. */
  ages: DistinctTimes | null;
  recencies: DistinctTimes | null;
}

interface DistinctTimes {
  values: Float64Array;
  indexOfRow: Int32Array;
}

function prepare(data: FrequencyRecencyData, weights: ArrayLike<number> | null, tabulateTimes = false): PreparedData {
  const { values, indexOfRow } = distinctValues(data.x);
  const weightOfX = new Float64Array(values.length);
  let totalWeight = 0;
  for (let i = 0; i < indexOfRow.length; i++) {
    const w = weights ? weights[i] : 1;
    weightOfX[indexOfRow[i]] += w;
    totalWeight += w;
  }
  const ages = tabulateTimes ? distinctValues(data.T) : null;
  const recencies = tabulateTimes ? distinctValues(data.tx) : null;
  return { xValues: values, xIndex: indexOfRow, x: data.x, tx: data.tx, T: data.T, weights, weightOfX, totalWeight, ages, recencies };
}

/**
 * Weighted log-likelihood; when `gradient` is given, writes d(loglik)/d(log r, log alpha, log a, log b) into it.
 * Terms that only depend on x are computed once per distinct x.
 */
function logLikelihood(params: BgNbdParams, data: PreparedData, gradient: Float64Array | null): number {
  const { r, alpha, a, b } = params;
  const { xValues, xIndex, x, tx, T, weights, weightOfX } = data;
  const k = xValues.length;
  const logA = new Float64Array(k);
  const logAlpha = Math.log(alpha);
  const constantPart = -logGamma(r) + r * logAlpha + logGamma(a + b) - logGamma(b);
  let total = 0;
  for (let j = 0; j < k; j++) {
    const xv = xValues[j];
    const xOnly = logGamma(r + xv) + logGamma(b + xv) - logGamma(a + b + xv) + constantPart;
    total += weightOfX[j] * xOnly;
    logA[j] = xv > 0 ? Math.log(a) - Math.log(b + xv - 1) : Number.NEGATIVE_INFINITY;
  }
  let gr = 0;
  let gAlpha = 0;
  let ga = 0;
  let gb = 0;
  if (gradient) {
    const psiR = digamma(r);
    const psiAB = digamma(a + b);
    const psiB = digamma(b);
    for (let j = 0; j < k; j++) {
      const xv = xValues[j];
      const w = weightOfX[j];
      const psiABX = digamma(a + b + xv);
      gr += w * (digamma(r + xv) - psiR + logAlpha);
      ga += w * (psiAB - psiABX);
      gb += w * (psiAB + digamma(b + xv) - psiB - psiABX);
    }
    gAlpha += (data.totalWeight * r) / alpha;
  }
  const { ages, recencies } = data;
  const logAge = ages ? ages.values.map((v) => Math.log(alpha + v)) : null;
  const inverseAge = ages ? ages.values.map((v) => 1 / (alpha + v)) : null;
  const logRecency = recencies ? recencies.values.map((v) => Math.log(alpha + v)) : null;
  const inverseRecency = recencies ? recencies.values.map((v) => 1 / (alpha + v)) : null;
  const ageIndex = ages ? ages.indexOfRow : null;
  const recencyIndex = recencies ? recencies.indexOfRow : null;
  const n = xIndex.length;
  for (let i = 0; i < n; i++) {
    const w = weights ? weights[i] : 1;
    const xv = x[i];
    const rx = r + xv;
    const logAlphaT = logAge ? logAge[ageIndex![i]] : Math.log(alpha + T[i]);
    const a3 = -rx * logAlphaT;
    if (xv > 0) {
      const logAlphaTx = logRecency ? logRecency[recencyIndex![i]] : Math.log(alpha + tx[i]);
      const a4 = logA[xIndex[i]] - rx * logAlphaTx;
      let logSum: number;
      let share4: number;
      if (a3 >= a4) {
        const e = Math.exp(a4 - a3);
        logSum = a3 + Math.log1p(e);
        share4 = e / (1 + e);
      } else {
        const e = Math.exp(a3 - a4);
        logSum = a4 + Math.log1p(e);
        share4 = 1 / (1 + e);
      }
      total += w * logSum;
      if (gradient) {
        const share3 = 1 - share4;
        gr -= w * (share3 * logAlphaT + share4 * logAlphaTx);
        const invT = inverseAge ? inverseAge[ageIndex![i]] : 1 / (alpha + T[i]);
        const invTx = inverseRecency ? inverseRecency[recencyIndex![i]] : 1 / (alpha + tx[i]);
        gAlpha -= w * rx * (share3 * invT + share4 * invTx);
        ga += (w * share4) / a;
        gb -= (w * share4) / (b + xv - 1);
      }
    } else {
      total += w * a3;
      if (gradient) {
        gr -= w * logAlphaT;
        gAlpha -= w * rx * (inverseAge ? inverseAge[ageIndex![i]] : 1 / (alpha + T[i]));
      }
    }
  }
  if (gradient) {
    gradient[0] = gr * r;
    gradient[1] = gAlpha * alpha;
    gradient[2] = ga * a;
    gradient[3] = gb * b;
  }
  return total;
}

/** BG/NBD log-likelihood summed over customers (one term per row, times its weight when given). */
export function bgNbdLogLikelihood(params: BgNbdParams, data: FrequencyRecencyData, weights?: ArrayLike<number>): number {
  return logLikelihood(params, prepare(data, weights ?? null), null);
}

/** Log-likelihood and its gradient with respect to (log r, log alpha, log a, log b). */
export function bgNbdLogLikelihoodGradient(
  params: BgNbdParams,
  data: FrequencyRecencyData,
  weights?: ArrayLike<number>,
): { loglik: number; gradient: Float64Array } {
  const gradient = new Float64Array(4);
  const loglik = logLikelihood(params, prepare(data, weights ?? null), gradient);
  return { loglik, gradient };
}

export function validateFrequencyRecency(data: FrequencyRecencyData): void {
  const n = data.x.length;
  if (data.tx.length !== n || data.T.length !== n) throw new RangeError('x, tx and T must have the same length');
  for (let i = 0; i < n; i++) {
    const x = data.x[i];
    const tx = data.tx[i];
    const T = data.T[i];
    if (!(x >= 0) || !(tx >= 0) || !(T >= tx)) {
      throw new RangeError(`row ${i}: need x >= 0 and 0 <= t_x <= T (x=${x}, t_x=${tx}, T=${T})`);
    }
    if (x === 0 && tx !== 0) throw new RangeError(`row ${i}: t_x must be 0 when x = 0 (t_x=${tx})`);
  }
}

export function fitBgNbd(data: FrequencyRecencyData, options: FitBgNbdOptions = {}): BgNbdFit {
  validateFrequencyRecency(data);
  const n = data.x.length;
  if (n === 0) throw new RangeError('fitBgNbd: no customers');
  let rows: FrequencyRecencyData = data;
  let weights: ArrayLike<number> | null = options.weights ?? null;
  if (options.group ?? true) {
    const grouped = groupIdenticalRows([data.x, data.tx, data.T], options.weights);
    rows = { x: grouped.columns[0], tx: grouped.columns[1], T: grouped.columns[2] };
    weights = grouped.weights;
  }
  const prepared = prepare(rows, weights, true);
  let maxT = 0;
  for (let i = 0; i < n; i++) if (data.T[i] > maxT) maxT = data.T[i];
  const initial = options.initial ?? { r: 1, alpha: Math.max(maxT, 1e-6) / 10, a: 1, b: 1 };
  const scale = 1 / prepared.totalWeight;
  const fromLog = (theta: Float64Array): BgNbdParams => ({
    r: Math.exp(theta[0]),
    alpha: Math.exp(theta[1]),
    a: Math.exp(theta[2]),
    b: Math.exp(theta[3]),
  });
  const result = minimize(
    (theta, gradient) => {
      const value = logLikelihood(fromLog(theta), prepared, gradient);
      for (let i = 0; i < 4; i++) gradient[i] *= -scale;
      return -value * scale;
    },
    [Math.log(initial.r), Math.log(initial.alpha), Math.log(initial.a), Math.log(initial.b)],
    { gradientTolerance: options.gradientTolerance ?? 1e-9, maxIterations: options.maxIterations },
  );
  const params = fromLog(result.x);
  return {
    ...params,
    loglik: -result.f / scale,
    iterations: result.iterations,
    evaluations: result.evaluations,
    customers: prepared.totalWeight,
    distinctRows: prepared.x.length,
    converged: result.converged,
  };
}

/** P(alive | x, t_x, T). */
export function probabilityAlive(params: BgNbdParams, x: number, tx: number, T: number): number {
  if (x === 0) return 1;
  const { r, alpha, a, b } = params;
  const logRatio = (r + x) * Math.log((alpha + T) / (alpha + tx)) + Math.log(a / (b + x - 1));
  return 1 / (1 + Math.exp(logRatio));
}

/** log 2F1(p, q; c; z), switching to the Euler transform when the direct series overflows or stalls. */
function logHyp2f1(p: number, q: number, c: number, z: number): number {
  let direct = Number.NaN;
  try {
    direct = Math.log(hyp2f1(p, q, c, z));
  } catch (error) {
    if (!(error instanceof SeriesDivergenceError)) throw error;
  }
  if (Number.isFinite(direct)) return direct;
  return Math.log(hyp2f1(c - p, c - q, c, z)) + (c - p - q) * Math.log1p(-z);
}

/** Expected repeat purchases in the next t time units of a customer with history (x, t_x, T). */
export function conditionalExpectedPurchases(params: BgNbdParams, t: number, x: number, tx: number, T: number): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = params;
  const c = a + b + x - 1;
  const z = t / (alpha + T + t);
  const logHyp = logHyp2f1(r + x, b + x, c, z);
  const firstTerm = c / (a - 1);
  const secondTerm = -Math.expm1(logHyp + (r + x) * Math.log1p(-z));
  const denominator = x > 0 ? 1 + Math.exp(Math.log(a / (b + x - 1)) + (r + x) * Math.log((alpha + T) / (alpha + tx))) : 1;
  return (firstTerm * secondTerm) / denominator;
}

/** E[X(t)]: expected repeat purchases of a newly acquired customer over t time units. */
export function expectedPurchasesNewCustomer(params: BgNbdParams, t: number): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = params;
  const z = t / (alpha + t);
  const logHyp = logHyp2f1(r, b, a + b - 1, z);
  return ((a + b - 1) / (a - 1)) * -Math.expm1(logHyp + r * Math.log1p(-z));
}

/** P(X(t) = n): probability that a new customer makes exactly n repeat purchases in t time units. */
export function probabilityOfPurchases(params: BgNbdParams, t: number, n: number): number {
  if (!Number.isInteger(n) || n < 0) throw new RangeError(`n must be a non-negative integer, got ${n}`);
  const { r, alpha, a, b } = params;
  const logStay = Math.log(alpha / (alpha + t));
  const logGo = Math.log(t / (alpha + t));
  const logBetaAB = logBeta(a, b);
  const first = Math.exp(
    logBeta(a, b + n) - logBetaAB + logGamma(r + n) - logGamma(r) - logGamma(n + 1) + r * logStay + (n > 0 ? n * logGo : 0),
  );
  if (n === 0) return first;
  const ratio = t / (alpha + t);
  let term = 1;
  let finiteSum = 1;
  for (let j = 1; j < n; j++) {
    term *= ((r + j - 1) / j) * ratio;
    finiteSum += term;
  }
  const second = Math.exp(logBeta(a + 1, b + n - 1) - logBetaAB) * -Math.expm1(r * logStay + Math.log(finiteSum));
  return first + second;
}
