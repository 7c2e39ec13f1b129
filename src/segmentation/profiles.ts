import { mean, standardDeviation } from 'simple-statistics';
import { column, type FeatureMatrix } from './features.ts';

export interface FeatureSummary {
  name: string;
  mean: number;
  /** Population standard deviation. */
  sd: number;
  min: number;
  /** The median and upper quartile of the base: a segment is "high" only in the top quarter, "low" only at or below the median. */
  median?: number;
  p75?: number;
}

/** Overall mean, standard deviation and minimum per feature (pass the ORIGINAL, untransformed matrix). */
export function summarizeFeatures(matrix: FeatureMatrix): FeatureSummary[] {
  return matrix.names.map((name, d) => {
    const values = column(matrix, d);
    const sorted = Float64Array.from(values).sort();
    const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * (sorted.length - 1)))];
    return {
      name,
      mean: mean(values),
      sd: standardDeviation(values),
      min: values.reduce((a, b) => Math.min(a, b)),
      median: at(0.5),
      p75: at(0.75),
    };
  });
}

export interface SegmentProfiles {
  sizes: number[];
  /** Row-major k x dims: each segment's mean of every feature, in the matrix's units. */
  means: Float64Array;
}

/**
 * Per-segment sizes and feature means. On the original matrix these are the segments'
 * centroids in original units (arithmetic means; the inverse transform of log-space
 * centroids gives geometric-like means instead).
 */
export function profileSegments(matrix: FeatureMatrix, labels: Int32Array, k: number): SegmentProfiles {
  const dims = matrix.names.length;
  const sizes = new Array<number>(k).fill(0);
  const means = new Float64Array(k * dims);
  for (let i = 0; i < matrix.rows; i++) {
    const c = labels[i];
    sizes[c]++;
    for (let d = 0; d < dims; d++) means[c * dims + d] += matrix.values[i * dims + d];
  }
  for (let c = 0; c < k; c++) for (let d = 0; d < dims; d++) means[c * dims + d] /= sizes[c] || 1;
  return { sizes, means };
}
