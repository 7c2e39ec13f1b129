export type SegmentationErrorCode =
  'zero_variance' | 'non_finite_value' | 'too_few_rows' | 'too_few_distinct_points' | 'invalid_k' | 'no_features' | 'no_spread';

/** Bad input for a segmentation (the caller's data or request, not a bug): map it to a user-facing message. */
export class SegmentationInputError extends Error {
  override name = 'SegmentationInputError';
  constructor(
    readonly code: SegmentationErrorCode,
    message: string,
    readonly context: Record<string, unknown> = {},
  ) {
    super(message);
  }
}
