import { yieldToForeground } from '../jobs/foreground.ts';

export interface LloydOptions {
  maxIterations: number;
  /** Stop when no centroid moved more than this squared distance (ml-kmeans semantics). */
  tolerance: number;
}

export interface LloydResult {
  labels: Int32Array;
  /** Row-major, k x dims. */
  centroids: Float64Array;
  /** Sum of squared distances of each row to the centroid of its label. */
  inertia: number;
  iterations: number;
  converged: boolean;
}

/** Assigns every row to its nearest centroid (ties: lowest index) and returns the inertia. */
export function assignNearest(
  values: Float64Array,
  rows: number,
  dims: number,
  centroids: Float64Array,
  k: number,
  labels: Int32Array,
): { inertia: number; changed: number } {
  let inertia = 0;
  let changed = 0;
  for (let i = 0; i < rows; i++) {
    if ((i & 0x3fff) === 0) yieldToForeground();
    const base = i * dims;
    let best = 0;
    let bestDistance = Infinity;
    for (let c = 0; c < k; c++) {
      const distance = squaredDistance(values, base, centroids, c * dims, dims);
      if (distance < bestDistance) {
        bestDistance = distance;
        best = c;
      }
    }
    if (labels[i] !== best) {
      labels[i] = best;
      changed++;
    }
    inertia += bestDistance;
  }
  return { inertia, changed };
}

/**
 * Lloyd's iterations on a row-major Float64Array from the given starting centroids.
 * An empty cluster keeps its previous centroid. The returned labels, centroids and
 * inertia are mutually consistent: labels are nearest to the returned centroids.
 *
 * Hamerly's bounds (G. Hamerly, "Making k-means even faster", SDM 2010) skip the distance
 * computations of rows that cannot have changed cluster: per row, an upper bound on the distance
 * to its centroid and a lower bound on the distance to every other one. A row whose bounds leave
 * any doubt (within BOUND_SLACK) is measured against every centroid with the plain loop's
 * arithmetic and tie-break (lowest index), so labels and iterations are the plain loop's. The
 * per-cluster sums are updated only for rows that changed cluster, so centroids and inertia
 * match the plain loop's to rounding (about 1e-15 relative), not bit for bit.
 */
export function lloyd(
  values: Float64Array,
  rows: number,
  dims: number,
  initialCentroids: Float64Array,
  k: number,
  options: LloydOptions,
): LloydResult {
  const centroids = Float64Array.from(initialCentroids);
  const labels = new Int32Array(rows).fill(-1);
  const upper = new Float64Array(rows);
  const lower = new Float64Array(rows);
  const sums = new Float64Array(k * dims);
  const counts = new Float64Array(k);
  const moved = new Float64Array(k).fill(Infinity);
  const half = new Float64Array(k);
  let iterations = 0;
  let converged = false;
  while (true) {
    const changed = assignWithBounds(values, rows, dims, centroids, k, labels, upper, lower, moved, half, sums, counts);
    if (changed === 0) {
      converged = true;
      break;
    }
    if (iterations >= options.maxIterations) break;
    iterations++;
    let maxShift = 0;
    for (let c = 0; c < k; c++) {
      moved[c] = 0;
      if (counts[c] === 0) continue;
      let shift = 0;
      for (let d = 0; d < dims; d++) {
        const next = sums[c * dims + d] / counts[c];
        const diff = next - centroids[c * dims + d];
        shift += diff * diff;
        centroids[c * dims + d] = next;
      }
      moved[c] = Math.sqrt(shift);
      if (shift > maxShift) maxShift = shift;
    }
    if (maxShift <= options.tolerance) {
      moved.fill(Infinity);
      assignWithBounds(values, rows, dims, centroids, k, labels, upper, lower, moved, half, sums, counts);
      converged = true;
      break;
    }
  }
  return { labels, centroids, inertia: inertiaOf(values, rows, dims, centroids, labels), iterations, converged };
}

/** Relative and absolute slack on the bounds, so rounding never lets a row skip a closer centroid. */
const BOUND_SLACK = 1e-9;

/**
 * One assignment step after the centroids moved by `moved` (Infinity: measure every row): labels,
 * bounds, and the per-cluster sums and counts (rows that changed cluster move their values from one
 * sum to the other; unlabeled rows are added). Returns how many labels changed.
 */
function assignWithBounds(
  values: Float64Array,
  rows: number,
  dims: number,
  centroids: Float64Array,
  k: number,
  labels: Int32Array,
  upper: Float64Array,
  lower: Float64Array,
  moved: Float64Array,
  half: Float64Array,
  sums: Float64Array,
  counts: Float64Array,
): number {
  // half the distance from each centroid to its nearest other one: a row closer than that to its own stays
  for (let a = 0; a < k; a++) {
    let nearest = Infinity;
    for (let b = 0; b < k; b++) {
      if (a === b) continue;
      const distance = squaredDistance(centroids, a * dims, centroids, b * dims, dims);
      if (distance < nearest) nearest = distance;
    }
    half[a] = Math.sqrt(nearest) / 2;
  }
  let most = 0;
  let mostAt = -1;
  let next = 0;
  for (let c = 0; c < k; c++) {
    if (moved[c] > most) {
      next = most;
      most = moved[c];
      mostAt = c;
    } else if (moved[c] > next) {
      next = moved[c];
    }
  }
  let changed = 0;
  for (let i = 0, base = 0; i < rows; i++, base += dims) {
    if ((i & 0x3fff) === 0) yieldToForeground();
    let a = labels[i];
    check: if (a >= 0) {
      const up = upper[i] + moved[a];
      const low = lower[i] - (a === mostAt ? next : most);
      const bound = half[a] > low ? half[a] : low;
      upper[i] = up;
      lower[i] = low;
      if (up * (1 + BOUND_SLACK) + BOUND_SLACK < bound) break check;
      const exact = Math.sqrt(squaredDistance(values, base, centroids, a * dims, dims));
      upper[i] = exact;
      if (exact * (1 + BOUND_SLACK) + BOUND_SLACK < bound) break check;
      a = nearestTwo(values, base, dims, centroids, k, upper, lower, i);
      const was = labels[i];
      if (a !== was) {
        labels[i] = a;
        changed++;
        counts[was]--;
        counts[a]++;
        for (let d = 0; d < dims; d++) {
          sums[was * dims + d] -= values[base + d];
          sums[a * dims + d] += values[base + d];
        }
      }
    } else {
      labels[i] = a = nearestTwo(values, base, dims, centroids, k, upper, lower, i);
      changed++;
      counts[a]++;
      for (let d = 0, sBase = a * dims; d < dims; d++) sums[sBase + d] += values[base + d];
    }
  }
  return changed;
}

/** The nearest centroid to the row at `base` (the plain loop's arithmetic and tie-break: lowest index); sets its exact bounds. */
function nearestTwo(
  values: Float64Array,
  base: number,
  dims: number,
  centroids: Float64Array,
  k: number,
  upper: Float64Array,
  lower: Float64Array,
  i: number,
): number {
  let best = 0;
  let bestDistance = Infinity;
  let second = Infinity;
  for (let c = 0; c < k; c++) {
    const distance = squaredDistance(values, base, centroids, c * dims, dims);
    if (distance < bestDistance) {
      second = bestDistance;
      bestDistance = distance;
      best = c;
    } else if (distance < second) {
      second = distance;
    }
  }
  upper[i] = Math.sqrt(bestDistance);
  lower[i] = Math.sqrt(second);
  return best;
}

/** Sum of squared distances of each row to its centroid, in row order. */
function inertiaOf(values: Float64Array, rows: number, dims: number, centroids: Float64Array, labels: Int32Array): number {
  let inertia = 0;
  for (let i = 0; i < rows; i++) inertia += squaredDistance(values, i * dims, centroids, labels[i] * dims, dims);
  return inertia;
}

/** Squared Euclidean distance between the rows at `a` in `x` and at `b` in `y`. */
function squaredDistance(x: Float64Array, a: number, y: Float64Array, b: number, dims: number): number {
  let distance = 0;
  for (let d = 0; d < dims; d++) {
    const diff = x[a + d] - y[b + d];
    distance += diff * diff;
  }
  return distance;
}
