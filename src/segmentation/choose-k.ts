import { firstDistinctRows } from './distinct.ts';
import { SegmentationInputError } from './errors.ts';
import { takeRows, type FeatureMatrix } from './features.ts';
import { assertClusterable, kmeans, type KMeansResult } from './kmeans.ts';
import { sampleIndices } from './sampling.ts';
import { silhouettes } from './silhouette.ts';

export interface ChooseKOptions {
  from?: number;
  to?: number;
  seed?: number;
  /** k-means per k runs on a seeded sample of at most this many rows. */
  sampleSize?: number;
  /** Rows the silhouette of each k is measured on (a sample of the sample). */
  silhouetteSampleSize?: number;
  /** k-means++ restarts per k, each on a seeded sub-sample of `restartSampleSize` rows. */
  restarts?: number;
  restartSampleSize?: number;
}

export interface KScore {
  k: number;
  /** Within-cluster sum of squares on the sample. */
  inertia: number;
  silhouette: number;
}

export interface ChooseKResult {
  /** The k with the highest silhouette (the smaller k on a tie). */
  best: number;
  scores: KScore[];
  /** Rows the scores were computed on. */
  sampleRows: number;
}

export const CHOOSE_K_DEFAULTS = {
  from: 2,
  to: 10,
  seed: 1,
  sampleSize: 20_000,
  silhouetteSampleSize: 3000,
  restarts: 3,
  restartSampleSize: 5000,
} as const;

/**
 * Scores k = from..to by silhouette on a seeded sample. `to` is lowered to the number of
 * distinct points when there are fewer; fewer distinct points than `from` is an input error.
 */
export function chooseK(matrix: FeatureMatrix, options: ChooseKOptions = {}): ChooseKResult {
  const opts = { ...CHOOSE_K_DEFAULTS, ...options };
  if (!Number.isInteger(opts.from) || !Number.isInteger(opts.to) || opts.from < 2 || opts.to < opts.from) {
    throw new SegmentationInputError('invalid_k', `k range must be whole numbers with 2 <= from <= to, got ${opts.from}..${opts.to}`, {
      from: opts.from,
      to: opts.to,
    });
  }
  assertClusterable(matrix, opts.from);
  const distinct = firstDistinctRows(matrix.values, matrix.rows, matrix.names.length, opts.to);
  const to = Math.min(opts.to, distinct.length);

  let sample = matrix;
  if (matrix.rows > opts.sampleSize) {
    const picked = new Set<number>(sampleIndices(matrix.rows, opts.sampleSize, opts.seed));
    for (const i of distinct) picked.add(i);
    sample = takeRows(
      matrix,
      [...picked].sort((a, b) => a - b),
    );
  }

  const runs: KMeansResult[] = [];
  for (let k = opts.from; k <= to; k++) {
    runs.push(kmeans(sample, k, { seed: opts.seed + k, restarts: opts.restarts, restartSampleSize: opts.restartSampleSize }));
  }
  const silhouetteScores = silhouettes(sample, runs, { sampleSize: opts.silhouetteSampleSize, seed: opts.seed });
  const scores = runs.map((run, i): KScore => ({ k: run.k, inertia: run.inertia, silhouette: silhouetteScores[i] }));
  const best = scores.reduce((a, b) => (b.silhouette > a.silhouette ? b : a)).k;
  return { best, scores, sampleRows: sample.rows };
}
