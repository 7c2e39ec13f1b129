export { SegmentationInputError, type SegmentationErrorCode } from './errors.ts';
export { column, dimsOf, matrixFromRows, selectFeatures, takeRows, type FeatureMatrix } from './features.ts';
export {
  inverseTransform,
  transformFeatures,
  type FeatureTransform,
  type Scaling,
  type TransformOptions,
  type TransformResult,
} from './transforms.ts';
export { KMEANS_DEFAULTS, assertClusterable, clusterSizes, kmeans, type KMeansOptions, type KMeansResult } from './kmeans.ts';
export { assignNearest, lloyd, type LloydOptions, type LloydResult } from './lloyd.ts';
export { silhouette, silhouettes, type SilhouetteOptions } from './silhouette.ts';
export { CHOOSE_K_DEFAULTS, chooseK, type ChooseKOptions, type ChooseKResult, type KScore } from './choose-k.ts';
export {
  ONE_ORDER_MAX_COLUMN,
  RFM_GRID,
  RFM_GROUPS,
  RFM_GROUP_ORDER,
  quintileScores,
  rfm,
  rfmGroup,
  type DimensionScoring,
  type RfmDimension,
  type RfmGroup,
  type RfmInput,
  type RfmResult,
  type Score,
} from './rfm.ts';
export { profileSegments, summarizeFeatures, type FeatureSummary, type SegmentProfiles } from './profiles.ts';
export {
  ROLE_PATTERNS,
  ROLE_WORDS,
  SEGMENT_ACTION_RULES,
  actionFor,
  featureDeviation,
  featureRole,
  nameSegments,
  type FeatureRole,
  type Level,
  type NamedSegment,
  type NamingOptions,
} from './naming.ts';
export { segmentCustomers, type CustomerSegment, type SegmentCustomersOptions, type SegmentCustomersResult } from './segment-customers.ts';
