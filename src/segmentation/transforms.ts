import { mean, sampleSkewness, standardDeviation } from 'simple-statistics';
import { SegmentationInputError } from './errors.ts';
import { column, type FeatureMatrix } from './features.ts';

/** 'standard': log1p for skewed non-negative features, then z-score. 'none': raw values. */
export type Scaling = 'standard' | 'none';

export interface TransformOptions {
  scaling?: Scaling;
  /** A non-negative feature whose sample skewness exceeds this is log1p-transformed. */
  skewThreshold?: number;
}

export interface FeatureTransform {
  name: string;
  /** Adjusted Fisher-Pearson sample skewness of the raw values (0 with fewer than 3 rows). */
  skewness: number;
  log: boolean;
  /** Mean and population standard deviation the z-score used (0 and 1 for 'none'). */
  center: number;
  scale: number;
  /** "log, z-score", "z-score" or "raw". */
  description: string;
}

export interface TransformResult {
  matrix: FeatureMatrix;
  features: FeatureTransform[];
  /** Maps row-major rows (e.g. k x dims centroids) from transformed back to original units. */
  inverse(rows: Float64Array): Float64Array;
}

/** Decides and applies the per-feature transforms; throws SegmentationInputError on unusable features. */
export function transformFeatures(matrix: FeatureMatrix, options: TransformOptions = {}): TransformResult {
  const scaling = options.scaling ?? 'standard';
  const skewThreshold = options.skewThreshold ?? 1;
  const dims = matrix.names.length;
  if (dims === 0) throw new SegmentationInputError('no_features', 'no features to segment on', {});
  const out = new Float64Array(matrix.values.length);
  const features = matrix.names.map((name, d): FeatureTransform => {
    const values = column(matrix, d);
    const skewness = checkColumn(name, values);
    const log = scaling === 'standard' && skewness > skewThreshold && values.every((v) => v >= 0);
    if (log) for (let i = 0; i < values.length; i++) values[i] = Math.log1p(values[i]);
    const center = scaling === 'standard' ? mean(values) : 0;
    const scale = scaling === 'standard' ? standardDeviation(values) : 1;
    for (let i = 0; i < values.length; i++) out[i * dims + d] = (values[i] - center) / scale;
    const description = scaling === 'none' ? 'raw' : log ? 'log, z-score' : 'z-score';
    return { name, skewness, log, center, scale, description };
  });
  return {
    matrix: { names: [...matrix.names], rows: matrix.rows, values: out },
    features,
    inverse: (rows) => inverseTransform(features, rows),
  };
}

export function inverseTransform(features: FeatureTransform[], rows: Float64Array): Float64Array {
  const dims = features.length;
  const out = new Float64Array(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const f = features[i % dims];
    const unscaled = rows[i] * f.scale + f.center;
    out[i] = f.log ? Math.expm1(unscaled) : unscaled;
  }
  return out;
}

/** Rejects non-finite and constant columns; returns the sample skewness. */
function checkColumn(name: string, values: number[]): number {
  if (values.length === 0) throw new SegmentationInputError('too_few_rows', 'no customers to segment', { rows: 0 });
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!Number.isFinite(v)) {
      throw new SegmentationInputError('non_finite_value', `feature "${name}" has a missing or non-numeric value at row ${i + 1}`, {
        feature: name,
        row: i,
      });
    }
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (min === max) {
    throw new SegmentationInputError('zero_variance', `feature "${name}" has the same value (${min}) for every customer`, {
      feature: name,
      value: min,
    });
  }
  return values.length >= 3 ? sampleSkewness(values) : 0;
}
