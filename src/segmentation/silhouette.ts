import { SegmentationInputError } from './errors.ts';
import type { FeatureMatrix } from './features.ts';
import { sampleIndices } from './sampling.ts';

export interface SilhouetteOptions {
  /** Silhouette is computed among a seeded sample of this many rows (sklearn's sample_size). */
  sampleSize?: number;
  seed?: number;
}

/**
 * Mean silhouette coefficient (Euclidean) of a seeded row sample, distances taken within the
 * sample as sklearn's `silhouette_score(sample_size=...)` does. A point alone in its cluster
 * scores 0. Needs at least 2 clusters present in the sample.
 */
export function silhouette(matrix: FeatureMatrix, labels: Int32Array, k: number, options: SilhouetteOptions = {}): number {
  const dims = matrix.names.length;
  const rows = sampleIndices(matrix.rows, options.sampleSize ?? 5000, options.seed ?? 1);
  const n = rows.length;
  const points = new Float64Array(n * dims);
  const sampleLabels = new Int32Array(n);
  const counts = new Float64Array(k);
  for (let j = 0; j < n; j++) {
    points.set(matrix.values.subarray(rows[j] * dims, rows[j] * dims + dims), j * dims);
    sampleLabels[j] = labels[rows[j]];
    counts[sampleLabels[j]]++;
  }
  if (counts.filter((c) => c > 0).length < 2) {
    throw new SegmentationInputError('invalid_k', 'silhouette needs at least 2 non-empty segments', { k });
  }
  const distanceSums = new Float64Array(k);
  let total = 0;
  for (let i = 0; i < n; i++) {
    distanceSums.fill(0);
    const iBase = i * dims;
    for (let j = 0; j < n; j++) {
      const jBase = j * dims;
      let squared = 0;
      for (let d = 0; d < dims; d++) {
        const diff = points[iBase + d] - points[jBase + d];
        squared += diff * diff;
      }
      distanceSums[sampleLabels[j]] += Math.sqrt(squared);
    }
    const own = sampleLabels[i];
    if (counts[own] <= 1) continue;
    const a = distanceSums[own] / (counts[own] - 1);
    let b = Infinity;
    for (let c = 0; c < k; c++) {
      if (c !== own && counts[c] > 0) b = Math.min(b, distanceSums[c] / counts[c]);
    }
    const larger = Math.max(a, b);
    if (larger > 0) total += (b - a) / larger;
  }
  return total / n;
}
