import { kmeans as mlKmeans } from 'ml-kmeans';
import { seededRandom } from '../util/random.ts';
import { firstDistinctRows } from './distinct.ts';
import { SegmentationInputError } from './errors.ts';
import type { FeatureMatrix } from './features.ts';
import { assignNearest, lloyd } from './lloyd.ts';
import { sampleIndices } from './sampling.ts';

export interface KMeansOptions {
  seed?: number;
  /** k-means++ starts tried; the one with the lowest inertia wins. */
  restarts?: number;
  /** Restarts run on a seeded sample of at most this many rows (all rows when fewer). */
  restartSampleSize?: number;
  maxIterations?: number;
  /** Stop once no centroid moves more than this squared distance; 0: once no row changes cluster. */
  tolerance?: number;
}

export interface KMeansResult {
  k: number;
  labels: Int32Array;
  /** Row-major k x dims, in the units of the clustered matrix. */
  centroids: Float64Array;
  sizes: number[];
  /** Within-cluster sum of squares on all rows. */
  inertia: number;
  /** Lloyd iterations of the final run over all rows. */
  iterations: number;
  converged: boolean;
  /** Centroids the final full-data run started from (the best restart's). */
  start: Float64Array;
  /** Inertia of each restart on the restart sample, in restart order. */
  restartInertias: number[];
}

export const KMEANS_DEFAULTS = {
  seed: 1,
  restarts: 10,
  restartSampleSize: 10_000,
  maxIterations: 300,
  tolerance: 0,
} as const;

/** Throws a SegmentationInputError unless the matrix can be cut into k clusters. */
export function assertClusterable(matrix: FeatureMatrix, k: number): number[] {
  if (!Number.isInteger(k) || k < 1) {
    throw new SegmentationInputError('invalid_k', `k must be a whole number of at least 1, got ${k}`, { k });
  }
  if (matrix.names.length === 0) throw new SegmentationInputError('no_features', 'no features to cluster on', {});
  if (matrix.rows < k) {
    throw new SegmentationInputError('too_few_rows', `${matrix.rows} rows cannot form ${k} segments`, {
      rows: matrix.rows,
      k,
    });
  }
  const distinct = firstDistinctRows(matrix.values, matrix.rows, matrix.names.length, k);
  if (distinct.length < k) {
    throw new SegmentationInputError(
      'too_few_distinct_points',
      `only ${distinct.length} distinct customers on ${matrix.names.join(', ')}: cannot form ${k} segments`,
      { distinct: distinct.length, k },
    );
  }
  return distinct;
}

/**
 * k-means: `restarts` k-means++ starts (ml-kmeans) on a seeded sample, then Lloyd's
 * iterations over all rows from the centroids of the restart with the lowest inertia.
 * Deterministic for a seed.
 */
export function kmeans(matrix: FeatureMatrix, k: number, options: KMeansOptions = {}): KMeansResult {
  const opts = { ...KMEANS_DEFAULTS, ...options };
  const distinct = assertClusterable(matrix, k);
  const dims = matrix.names.length;
  const random = seededRandom(opts.seed);
  const sample = restartSample(matrix, opts.restartSampleSize, Math.floor(random() * 2 ** 31), distinct);

  let best: Float64Array | undefined;
  let bestInertia = Infinity;
  const restartInertias: number[] = [];
  const labels = new Int32Array(sample.rows.length);
  for (let r = 0; r < Math.max(1, opts.restarts); r++) {
    const run = mlKmeans(sample.points, k, {
      initialization: 'kmeans++',
      seed: Math.floor(random() * 2 ** 31),
      maxIterations: opts.maxIterations,
      tolerance: opts.tolerance,
    });
    const centroids = Float64Array.from(run.centroids.flat());
    const { inertia } = assignNearest(sample.values, sample.rows.length, dims, centroids, k, labels);
    restartInertias.push(inertia);
    if (inertia < bestInertia) {
      bestInertia = inertia;
      best = centroids;
    }
  }
  const start = best!;
  const final = lloyd(matrix.values, matrix.rows, dims, start, k, opts);
  return {
    k,
    labels: final.labels,
    centroids: final.centroids,
    sizes: clusterSizes(final.labels, k),
    inertia: final.inertia,
    iterations: final.iterations,
    converged: final.converged,
    start,
    restartInertias,
  };
}

export function clusterSizes(labels: Int32Array, k: number): number[] {
  const sizes = new Array<number>(k).fill(0);
  for (let i = 0; i < labels.length; i++) sizes[labels[i]]++;
  return sizes;
}

interface RestartSample {
  rows: Int32Array;
  values: Float64Array;
  points: number[][];
}

/** The seeded sample the restarts run on; it always holds k distinct points. */
function restartSample(matrix: FeatureMatrix, size: number, seed: number, distinct: number[]): RestartSample {
  const dims = matrix.names.length;
  let rows = sampleIndices(matrix.rows, size, seed);
  if (rows.length < matrix.rows) {
    const union = new Set<number>(rows);
    for (const i of distinct) union.add(i);
    rows = Int32Array.from([...union].sort((a, b) => a - b));
  }
  const values = new Float64Array(rows.length * dims);
  const points: number[][] = new Array(rows.length);
  for (let j = 0; j < rows.length; j++) {
    const row = matrix.values.subarray(rows[j] * dims, rows[j] * dims + dims);
    values.set(row, j * dims);
    points[j] = Array.from(row);
  }
  return { rows, values, points };
}
