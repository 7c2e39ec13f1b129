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

/**
 * Assigns every row to its nearest centroid (ties: lowest index) and returns the inertia.
 * `counts` and `sums` (k and k x dims) are filled for the following mean update when given.
 */
export function assignNearest(
  values: Float64Array,
  rows: number,
  dims: number,
  centroids: Float64Array,
  k: number,
  labels: Int32Array,
  sums?: Float64Array,
  counts?: Float64Array,
): { inertia: number; changed: number } {
  let inertia = 0;
  let changed = 0;
  if (sums) sums.fill(0);
  if (counts) counts.fill(0);
  for (let i = 0; i < rows; i++) {
    const base = i * dims;
    let best = 0;
    let bestDistance = Infinity;
    for (let c = 0; c < k; c++) {
      const cBase = c * dims;
      let distance = 0;
      for (let d = 0; d < dims; d++) {
        const diff = values[base + d] - centroids[cBase + d];
        distance += diff * diff;
      }
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
    if (sums && counts) {
      counts[best]++;
      const sBase = best * dims;
      for (let d = 0; d < dims; d++) sums[sBase + d] += values[base + d];
    }
  }
  return { inertia, changed };
}

/**
 * Lloyd's iterations on a row-major Float64Array from the given starting centroids.
 * An empty cluster keeps its previous centroid. The returned labels, centroids and
 * inertia are mutually consistent: labels are nearest to the returned centroids.
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
  const sums = new Float64Array(k * dims);
  const counts = new Float64Array(k);
  let iterations = 0;
  let converged = false;
  let inertia = 0;
  while (true) {
    const assigned = assignNearest(values, rows, dims, centroids, k, labels, sums, counts);
    inertia = assigned.inertia;
    if (assigned.changed === 0) {
      converged = true;
      break;
    }
    if (iterations >= options.maxIterations) break;
    iterations++;
    let maxShift = 0;
    for (let c = 0; c < k; c++) {
      if (counts[c] === 0) continue;
      let shift = 0;
      for (let d = 0; d < dims; d++) {
        const next = sums[c * dims + d] / counts[c];
        const diff = next - centroids[c * dims + d];
        shift += diff * diff;
        centroids[c * dims + d] = next;
      }
      if (shift > maxShift) maxShift = shift;
    }
    if (maxShift <= options.tolerance) {
      inertia = assignNearest(values, rows, dims, centroids, k, labels).inertia;
      converged = true;
      break;
    }
  }
  return { labels, centroids, inertia, iterations, converged };
}
