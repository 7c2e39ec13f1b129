import { distinctValues, groupIdenticalRows } from './grouping.ts';
import { minimize } from './optimizer.ts';
import { digamma, logGamma } from './special-functions.ts';

export interface GammaGammaParams {
  p: number;
  q: number;
  gamma: number;
}

export interface GammaGammaFit extends GammaGammaParams {
  /** Total log-likelihood over the repeat buyers. */
  loglik: number;
  /** Repeat buyers (x > 0 and monetary > 0) the fit used. */
  customers: number;
  iterations: number;
  /** Likelihood evaluations (each with its gradient). */
  evaluations: number;
  converged: boolean;
}

/** Frequency x and mean repeat-purchase value m per customer. */
export interface FrequencyMonetaryData {
  x: ArrayLike<number>;
  monetary: ArrayLike<number>;
}

export interface FitGammaGammaOptions {
  weights?: ArrayLike<number>;
  group?: boolean;
  initial?: GammaGammaParams;
  gradientTolerance?: number;
  maxIterations?: number;
}

interface PreparedRepeatBuyers {
  xValues: Float64Array;
  xIndex: Int32Array;
  weightOfX: Float64Array;
  /** 1 / (x m) per row. */
  inverseXm: Float64Array;
  weights: Float64Array;
  totalWeight: number;
  /** sum of w log m and of w log(x m). */
  sumLogM: number;
  sumLogXm: number;
}

function prepare(data: FrequencyMonetaryData, rowWeights: ArrayLike<number> | undefined, group: boolean): PreparedRepeatBuyers {
  const keepX: number[] = [];
  const keepM: number[] = [];
  const keepW: number[] = [];
  for (let i = 0; i < data.x.length; i++) {
    if (data.x[i] > 0 && data.monetary[i] > 0) {
      keepX.push(data.x[i]);
      keepM.push(data.monetary[i]);
      keepW.push(rowWeights ? rowWeights[i] : 1);
    }
  }
  let x: Float64Array = Float64Array.from(keepX);
  let m: Float64Array = Float64Array.from(keepM);
  let weights: Float64Array = Float64Array.from(keepW);
  if (group) {
    const grouped = groupIdenticalRows([x, m], weights);
    x = grouped.columns[0];
    m = grouped.columns[1];
    weights = grouped.weights;
  }
  const { values, indexOfRow } = distinctValues(x);
  const weightOfX = new Float64Array(values.length);
  const inverseXm = new Float64Array(x.length);
  let totalWeight = 0;
  let sumLogM = 0;
  let sumLogXm = 0;
  for (let i = 0; i < x.length; i++) {
    const w = weights[i];
    weightOfX[indexOfRow[i]] += w;
    inverseXm[i] = 1 / (x[i] * m[i]);
    totalWeight += w;
    sumLogM += w * Math.log(m[i]);
    sumLogXm += w * Math.log(x[i] * m[i]);
  }
  return { xValues: values, xIndex: indexOfRow, weightOfX, inverseXm, weights, totalWeight, sumLogM, sumLogXm };
}

/**
 * Per repeat buyer: log Gamma(px + q) - log Gamma(px) - log Gamma(q) - log m + q log(v / (x m)) - (px + q) log(1 + v / (x m)),
 * the lifetimes likelihood with the log(x m) terms cancelled analytically.
 */
function logLikelihood(params: GammaGammaParams, data: PreparedRepeatBuyers, gradient: Float64Array | null): number {
  const { p, q, gamma: v } = params;
  const { xValues, xIndex, weightOfX, inverseXm, weights } = data;
  const logV = Math.log(v);
  const W = data.totalWeight;
  let total = W * (q * logV - logGamma(q)) - q * data.sumLogXm - data.sumLogM;
  let gp = 0;
  let gq = W * logV - data.sumLogXm - (gradient ? W * digamma(q) : 0);
  let gv = (W * q) / v;
  for (let j = 0; j < xValues.length; j++) {
    const px = p * xValues[j];
    total += weightOfX[j] * (logGamma(px + q) - logGamma(px));
    if (gradient) {
      const psiPXQ = digamma(px + q);
      gp += weightOfX[j] * xValues[j] * (psiPXQ - digamma(px));
      gq += weightOfX[j] * psiPXQ;
    }
  }
  for (let i = 0; i < inverseXm.length; i++) {
    const w = weights[i];
    const x = xValues[xIndex[i]];
    const pxq = p * x + q;
    const ratio = v * inverseXm[i];
    const log1pRatio = Math.log1p(ratio);
    total -= w * pxq * log1pRatio;
    if (gradient) {
      gp -= w * x * log1pRatio;
      gq -= w * log1pRatio;
      gv -= (w * pxq * inverseXm[i]) / (1 + ratio);
    }
  }
  if (gradient) {
    gradient[0] = gp * p;
    gradient[1] = gq * q;
    gradient[2] = gv * v;
  }
  return total;
}

/** Gamma-Gamma log-likelihood summed over repeat buyers (x > 0, monetary > 0); other rows are ignored. */
export function gammaGammaLogLikelihood(params: GammaGammaParams, data: FrequencyMonetaryData, weights?: ArrayLike<number>): number {
  return logLikelihood(params, prepare(data, weights, false), null);
}

export function gammaGammaLogLikelihoodGradient(
  params: GammaGammaParams,
  data: FrequencyMonetaryData,
  weights?: ArrayLike<number>,
): { loglik: number; gradient: Float64Array } {
  const gradient = new Float64Array(3);
  const loglik = logLikelihood(params, prepare(data, weights, false), gradient);
  return { loglik, gradient };
}

export function fitGammaGamma(data: FrequencyMonetaryData, options: FitGammaGammaOptions = {}): GammaGammaFit {
  const prepared = prepare(data, options.weights, options.group ?? true);
  if (prepared.totalWeight === 0) throw new RangeError('fitGammaGamma: no repeat buyers (x > 0 and monetary > 0)');
  const meanM = Math.exp(prepared.sumLogM / prepared.totalWeight);
  const initial = options.initial ?? { p: 1, q: 2, gamma: meanM };
  const scale = 1 / prepared.totalWeight;
  const fromLog = (theta: Float64Array): GammaGammaParams => ({ p: Math.exp(theta[0]), q: Math.exp(theta[1]), gamma: Math.exp(theta[2]) });
  const result = minimize(
    (theta, gradient) => {
      const value = logLikelihood(fromLog(theta), prepared, gradient);
      for (let i = 0; i < 3; i++) gradient[i] *= -scale;
      return -value * scale;
    },
    [Math.log(initial.p), Math.log(initial.q), Math.log(initial.gamma)],
    { gradientTolerance: options.gradientTolerance ?? 1e-9, maxIterations: options.maxIterations },
  );
  return {
    ...fromLog(result.x),
    loglik: -result.f / scale,
    customers: prepared.totalWeight,
    iterations: result.iterations,
    evaluations: result.evaluations,
    converged: result.converged,
  };
}

/** E[M | x, m] = (1 - w) * gamma * p / (q - 1) + w * m, w = p x / (p x + q - 1): the population mean for x = 0. */
export function expectedAverageSpend(params: GammaGammaParams, x: number, m: number): number {
  const { p, q, gamma } = params;
  const weight = (p * x) / (p * x + q - 1);
  return (1 - weight) * ((gamma * p) / (q - 1)) + weight * m;
}
