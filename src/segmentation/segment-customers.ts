import { chooseK, type ChooseKResult } from './choose-k.ts';
import type { FeatureMatrix } from './features.ts';
import { kmeans, type KMeansResult } from './kmeans.ts';
import { nameSegments, type NamedSegment, type NamingOptions } from './naming.ts';
import { profileSegments, summarizeFeatures } from './profiles.ts';
import { transformFeatures, type FeatureTransform, type Scaling } from './transforms.ts';

export interface SegmentCustomersOptions {
  k?: number | 'auto';
  /** Range tried when k is 'auto'. */
  kRange?: { from: number; to: number };
  scaling?: Scaling;
  seed?: number;
  naming?: NamingOptions;
}

export interface CustomerSegment extends NamedSegment {
  size: number;
  /** Mean of each feature over the segment's customers, in original units, in feature order. */
  means: number[];
}

export interface SegmentCustomersResult {
  k: number;
  labels: Int32Array;
  segments: CustomerSegment[];
  transforms: FeatureTransform[];
  kmeans: KMeansResult;
  /** Present when k was 'auto'. */
  choice?: ChooseKResult;
}

/** Transforms, (chooses k,) clusters and names: the whole k-means `/segment run` on one matrix. */
export function segmentCustomers(raw: FeatureMatrix, options: SegmentCustomersOptions = {}): SegmentCustomersResult {
  const seed = options.seed ?? 1;
  const { matrix, features } = transformFeatures(raw, { scaling: options.scaling });
  const choice = options.k === 'auto' || options.k === undefined ? chooseK(matrix, { ...options.kRange, seed }) : undefined;
  const k = choice?.best ?? (options.k as number);
  const result = kmeans(matrix, k, { seed });
  const dims = raw.names.length;
  const profiles = profileSegments(raw, result.labels, k);
  const named = nameSegments(profiles.means, summarizeFeatures(raw), options.naming);
  const segments = named.map((segment, c) => ({
    ...segment,
    size: profiles.sizes[c],
    means: Array.from(profiles.means.subarray(c * dims, c * dims + dims)),
  }));
  return { k, labels: result.labels, segments, transforms: features, kmeans: result, choice };
}
