/** Objective to minimise: returns f(x) and writes the gradient into `gradient`. */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface MinimizeOptions {
  maxIterations?: number;
  /** Stop when max |gradient component| <= gradientTolerance * max(1, |f|). */
  gradientTolerance?: number;
  /** Largest step (infinity norm) a single line search may take. */
  maxStep?: number;
  /**
   * When no step along the search direction lowers f any more (rounding noise in f), the run counts as
   * converged if max |gradient component| <= noiseFloorGradient * max(1, |f|).
   */
  noiseFloorGradient?: number;
}

export interface MinimizeResult {
  x: Float64Array;
  f: number;
  gradient: Float64Array;
  iterations: number;
  evaluations: number;
  converged: boolean;
  method: 'bfgs' | 'nelder-mead';
}

const C1 = 1e-4;
const C2 = 0.9;

/** BFGS with a strong-Wolfe line search; falls back to Nelder-Mead when the start is not finite or BFGS stalls far from a stationary point. */
export function minimize(objective: Objective, start: ArrayLike<number>, options: MinimizeOptions = {}): MinimizeResult {
  const bfgs = minimizeBfgs(objective, start, options);
  if (bfgs.converged) return bfgs;
  const scale = Math.max(1, Math.abs(bfgs.f));
  const gradientTolerance = options.gradientTolerance ?? 1e-9;
  if (Number.isFinite(bfgs.f) && infinityNorm(bfgs.gradient) <= 1e3 * gradientTolerance * scale) return bfgs;
  const origin = Number.isFinite(bfgs.f) ? bfgs.x : Float64Array.from(start);
  const simplex = minimizeNelderMead(objective, origin, { maxIterations: 4000 });
  const polished = minimizeBfgs(objective, simplex.x, options);
  return polished.f <= simplex.f ? { ...polished, evaluations: polished.evaluations + simplex.evaluations + bfgs.evaluations } : simplex;
}

export function minimizeBfgs(objective: Objective, start: ArrayLike<number>, options: MinimizeOptions = {}): MinimizeResult {
  const n = start.length;
  const maxIterations = options.maxIterations ?? 500;
  const gradientTolerance = options.gradientTolerance ?? 1e-9;
  const maxStep = options.maxStep ?? 4;
  const noiseFloorGradient = Math.max(options.noiseFloorGradient ?? 1e-5, gradientTolerance);
  let x: Float64Array = Float64Array.from(start);
  let g: Float64Array = new Float64Array(n);
  let f = objective(x, g);
  let evaluations = 1;
  const h = identity(n);
  const direction = new Float64Array(n);
  const s = new Float64Array(n);
  const y = new Float64Array(n);
  const hy = new Float64Array(n);
  let iterations = 0;
  let converged = false;
  let firstStep = true;
  if (!Number.isFinite(f) || !g.every(Number.isFinite)) {
    return { x, f: Number.POSITIVE_INFINITY, gradient: g, iterations, evaluations, converged, method: 'bfgs' };
  }
  while (iterations < maxIterations) {
    if (infinityNorm(g) <= gradientTolerance * Math.max(1, Math.abs(f))) {
      converged = true;
      break;
    }
    for (let i = 0; i < n; i++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum -= h[i * n + j] * g[j];
      direction[i] = sum;
    }
    let slope = dot(direction, g);
    if (!(slope < 0)) {
      resetIdentity(h, n);
      for (let i = 0; i < n; i++) direction[i] = -g[i];
      slope = dot(direction, g);
    }
    const directionNorm = infinityNorm(direction);
    const stepCap = directionNorm > 0 ? maxStep / directionNorm : 1;
    const initialStep = Math.min(firstStep ? Math.min(1, 1 / Math.max(directionNorm, 1e-12)) : 1, stepCap);
    const search = lineSearch(objective, x, f, g, direction, slope, initialStep, stepCap);
    evaluations += search.evaluations;
    iterations++;
    if (!search.ok && !(search.f < f)) {
      const atNoiseFloor = infinityNorm(g) <= noiseFloorGradient * Math.max(1, Math.abs(f));
      if (firstStep || atNoiseFloor) {
        converged = atNoiseFloor;
        break;
      }
      resetIdentity(h, n);
      firstStep = true;
      continue;
    }
    for (let i = 0; i < n; i++) {
      s[i] = search.x[i] - x[i];
      y[i] = search.gradient[i] - g[i];
    }
    const previousF = f;
    x = search.x;
    g = search.gradient;
    f = search.f;
    const sy = dot(s, y);
    if (sy > 1e-300) {
      if (firstStep) {
        const yy = dot(y, y);
        resetIdentity(h, n, sy / yy);
        firstStep = false;
      }
      bfgsUpdate(h, n, s, y, hy, sy);
    }
    if (Math.abs(previousF - f) <= 1e-16 * Math.max(1, Math.abs(f)) && infinityNorm(s) <= 1e-14) {
      converged = infinityNorm(g) <= noiseFloorGradient * Math.max(1, Math.abs(f));
      break;
    }
  }
  return { x, f, gradient: g, iterations, evaluations, converged, method: 'bfgs' };
}

interface LineSearchResult {
  ok: boolean;
  x: Float64Array;
  f: number;
  gradient: Float64Array;
  evaluations: number;
}

function lineSearch(
  objective: Objective,
  x0: Float64Array,
  f0: number,
  g0: Float64Array,
  direction: Float64Array,
  slope0: number,
  initialStep: number,
  maxStepLength: number,
): LineSearchResult {
  const n = x0.length;
  let evaluations = 0;
  interface Point {
    step: number;
    x: Float64Array;
    f: number;
    gradient: Float64Array;
    slope: number;
  }
  const evaluate = (step: number): Point => {
    const x = new Float64Array(n);
    for (let i = 0; i < n; i++) x[i] = x0[i] + step * direction[i];
    const gradient = new Float64Array(n);
    let f = objective(x, gradient);
    evaluations++;
    if (!Number.isFinite(f) || !gradient.every(Number.isFinite)) f = Number.POSITIVE_INFINITY;
    return { step, x, f, gradient, slope: Number.isFinite(f) ? dot(gradient, direction) : Number.NaN };
  };
  const start: Point = { step: 0, x: x0, f: f0, gradient: g0, slope: slope0 };
  const best = (p: Point, ok: boolean): LineSearchResult => ({ ok, x: p.x, f: p.f, gradient: p.gradient, evaluations });

  const zoom = (lo: Point, hi: Point): LineSearchResult => {
    let bestSoFar = lo;
    let flat = 0;
    const noise = 1e-13 * Math.max(1, Math.abs(f0));
    for (let k = 0; k < 20; k++) {
      const step = interpolate(lo, hi);
      const p = evaluate(step);
      flat = Math.abs(p.f - f0) <= noise ? flat + 1 : 0;
      if (flat >= 3) break;
      if (p.f > f0 + C1 * step * slope0 || p.f >= lo.f) {
        hi = p;
      } else {
        if (Math.abs(p.slope) <= -C2 * slope0) return best(p, true);
        if (p.slope * (hi.step - lo.step) >= 0) hi = lo;
        lo = p;
        bestSoFar = p;
      }
      if (Math.abs(hi.step - lo.step) <= 1e-16 * Math.max(1, Math.abs(lo.step))) break;
    }
    return best(bestSoFar, bestSoFar !== start && bestSoFar.f < f0);
  };

  let previous = start;
  let step = initialStep;
  for (let k = 0; k < 60; k++) {
    const p = evaluate(step);
    if (p.f > f0 + C1 * step * slope0 || (k > 0 && p.f >= previous.f)) return zoom(previous, p);
    if (Math.abs(p.slope) <= -C2 * slope0) return best(p, true);
    if (p.slope >= 0) return zoom(p, previous);
    previous = p;
    if (step >= maxStepLength) return best(p, true);
    step = Math.min(2 * step, maxStepLength);
  }
  return best(previous, previous.f < f0);
}

function interpolate(lo: { step: number; f: number; slope: number }, hi: { step: number; f: number; slope: number }): number {
  const left = Math.min(lo.step, hi.step);
  const right = Math.max(lo.step, hi.step);
  const width = right - left;
  if (Number.isFinite(hi.f) && Number.isFinite(hi.slope)) {
    const d1 = lo.slope + hi.slope - (3 * (lo.f - hi.f)) / (lo.step - hi.step);
    const radicand = d1 * d1 - lo.slope * hi.slope;
    if (radicand >= 0) {
      const d2 = Math.sign(hi.step - lo.step) * Math.sqrt(radicand);
      const step = hi.step - (hi.step - lo.step) * ((hi.slope + d2 - d1) / (hi.slope - lo.slope + 2 * d2));
      if (Number.isFinite(step) && step > left + 0.1 * width && step < right - 0.1 * width) return step;
    }
  } else if (!Number.isFinite(hi.f)) {
    return lo.step + 0.25 * (hi.step - lo.step);
  }
  return 0.5 * (left + right);
}

function bfgsUpdate(h: Float64Array, n: number, s: Float64Array, y: Float64Array, hy: Float64Array, sy: number): void {
  for (let i = 0; i < n; i++) {
    let sum = 0;
    for (let j = 0; j < n; j++) sum += h[i * n + j] * y[j];
    hy[i] = sum;
  }
  const yhy = dot(y, hy);
  const rho = 1 / sy;
  const factor = (1 + yhy * rho) * rho;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      h[i * n + j] += factor * s[i] * s[j] - rho * (hy[i] * s[j] + s[i] * hy[j]);
    }
  }
}

export interface NelderMeadOptions {
  maxIterations?: number;
  initialStep?: number;
  tolerance?: number;
}

/** Derivative-free Nelder-Mead simplex; non-finite values count as +infinity. */
export function minimizeNelderMead(objective: Objective, start: ArrayLike<number>, options: NelderMeadOptions = {}): MinimizeResult {
  const n = start.length;
  const maxIterations = options.maxIterations ?? 2000;
  const tolerance = options.tolerance ?? 1e-12;
  const initialStep = options.initialStep ?? 0.5;
  const scratch = new Float64Array(n);
  let evaluations = 0;
  const value = (x: Float64Array) => {
    evaluations++;
    const f = objective(x, scratch);
    return Number.isFinite(f) ? f : Number.POSITIVE_INFINITY;
  };
  const points: Float64Array[] = [];
  const values: number[] = [];
  for (let k = 0; k <= n; k++) {
    const p = Float64Array.from(start);
    if (k > 0) p[k - 1] += initialStep;
    points.push(p);
    values.push(value(p));
  }
  let iterations = 0;
  const combine = (a: Float64Array, b: Float64Array, t: number) => {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = a[i] + t * (b[i] - a[i]);
    return out;
  };
  for (; iterations < maxIterations; iterations++) {
    const order = values.map((_, i) => i).sort((i, j) => values[i] - values[j]);
    const sortedPoints = order.map((i) => points[i]);
    const sortedValues = order.map((i) => values[i]);
    points.splice(0, points.length, ...sortedPoints);
    values.splice(0, values.length, ...sortedValues);
    if (Math.abs(values[n] - values[0]) <= tolerance * Math.max(1, Math.abs(values[0]))) break;
    const centroid = new Float64Array(n);
    for (let k = 0; k < n; k++) for (let i = 0; i < n; i++) centroid[i] += points[k][i] / n;
    const reflected = combine(centroid, points[n], -1);
    const fr = value(reflected);
    if (fr < values[0]) {
      const expanded = combine(centroid, points[n], -2);
      const fe = value(expanded);
      if (fe < fr) {
        points[n] = expanded;
        values[n] = fe;
      } else {
        points[n] = reflected;
        values[n] = fr;
      }
    } else if (fr < values[n - 1]) {
      points[n] = reflected;
      values[n] = fr;
    } else {
      const contracted = fr < values[n] ? combine(centroid, reflected, 0.5) : combine(centroid, points[n], 0.5);
      const fc = value(contracted);
      if (fc < Math.min(fr, values[n])) {
        points[n] = contracted;
        values[n] = fc;
      } else {
        for (let k = 1; k <= n; k++) {
          points[k] = combine(points[0], points[k], 0.5);
          values[k] = value(points[k]);
        }
      }
    }
  }
  let bestIndex = 0;
  for (let k = 1; k <= n; k++) if (values[k] < values[bestIndex]) bestIndex = k;
  const gradient = new Float64Array(n);
  const f = objective(points[bestIndex], gradient);
  return {
    x: points[bestIndex],
    f,
    gradient,
    iterations,
    evaluations: evaluations + 1,
    converged: iterations < maxIterations,
    method: 'nelder-mead',
  };
}

function identity(n: number): Float64Array {
  const h = new Float64Array(n * n);
  resetIdentity(h, n);
  return h;
}

function resetIdentity(h: Float64Array, n: number, scale = 1): void {
  h.fill(0);
  for (let i = 0; i < n; i++) h[i * n + i] = scale;
}

function dot(u: ArrayLike<number>, v: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < u.length; i++) sum += u[i] * v[i];
  return sum;
}

function infinityNorm(v: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < v.length; i++) max = Math.max(max, Math.abs(v[i]));
  return max;
}
