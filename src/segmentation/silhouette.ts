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
  return silhouettes(matrix, [{ labels, k }], options)[0];
}

/** Mean silhouettes of several labelings of the same rows, sharing one pass over the sample's pairs. */
export function silhouettes(
  matrix: FeatureMatrix,
  labelings: { labels: Int32Array; k: number }[],
  options: SilhouetteOptions = {},
): number[] {
  const dims = matrix.names.length;
  const rows = sampleIndices(matrix.rows, options.sampleSize ?? 5000, options.seed ?? 1);
  const n = rows.length;
  const points = new Float64Array(n * dims);
  for (let j = 0; j < n; j++) points.set(matrix.values.subarray(rows[j] * dims, rows[j] * dims + dims), j * dims);

  // Cluster c of labeling l lives at slot offsets[l] + c, so one pair updates every labeling.
  const offsets: number[] = [];
  let slots = 0;
  for (const { k } of labelings) {
    offsets.push(slots);
    slots += k;
  }
  const slotOf = new Int32Array(labelings.length * n);
  const counts = new Float64Array(slots);
  labelings.forEach(({ labels, k }, l) => {
    for (let j = 0; j < n; j++) {
      const slot = offsets[l] + labels[rows[j]];
      slotOf[j * labelings.length + l] = slot;
      counts[slot]++;
    }
    let present = 0;
    for (let c = 0; c < k; c++) if (counts[offsets[l] + c] > 0) present++;
    if (present < 2) throw new SegmentationInputError('invalid_k', 'silhouette needs at least 2 non-empty segments', { k });
  });

  const nl = labelings.length;
  const distanceSums = new Float64Array(n * slots);
  for (let i = 0; i < n; i++) {
    const iBase = i * dims;
    for (let j = i + 1; j < n; j++) {
      const jBase = j * dims;
      let squared = 0;
      for (let d = 0; d < dims; d++) {
        const diff = points[iBase + d] - points[jBase + d];
        squared += diff * diff;
      }
      const distance = Math.sqrt(squared);
      for (let l = 0; l < nl; l++) {
        distanceSums[i * slots + slotOf[j * nl + l]] += distance;
        distanceSums[j * slots + slotOf[i * nl + l]] += distance;
      }
    }
  }

  return labelings.map(({ k }, l) => {
    let total = 0;
    for (let i = 0; i < n; i++) {
      const own = slotOf[i * nl + l];
      if (counts[own] <= 1) continue;
      const a = distanceSums[i * slots + own] / (counts[own] - 1);
      let b = Infinity;
      for (let c = offsets[l]; c < offsets[l] + k; c++) {
        if (c !== own && counts[c] > 0) b = Math.min(b, distanceSums[i * slots + c] / counts[c]);
      }
      const larger = Math.max(a, b);
      if (larger > 0) total += (b - a) / larger;
    }
    return total / n;
  });
}
