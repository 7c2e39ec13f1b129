import { UserError } from '../core/errors.ts';

export const DEFAULT_FEATURES = ['recency', 'frequency', 'monetary'];
export const RFM_FEATURES = ['recency', 'frequency', 'monetary'];

/** The features a run uses; throws a UserError for options that do not fit the method. */
export function chooseFeatures(input: { method: string; k: number | 'auto'; features?: string[] }): string[] {
  if (input.method === 'rfm') {
    if (input.features && input.features.join(',') !== RFM_FEATURES.join(',')) {
      throw new UserError('rfm_features', 'method=rfm always scores recency, frequency and monetary.', {
        hint: 'Drop features=, or use method=kmeans to cluster on other features.',
      });
    }
    if (input.k !== 'auto') {
      throw new UserError('rfm_k', 'method=rfm makes the classic named RFM groups; it takes no k.', {
        hint: 'Drop k=, or use method=kmeans.',
      });
    }
    return RFM_FEATURES;
  }
  const features = input.features ?? DEFAULT_FEATURES;
  if (features.length === 0)
    throw new UserError('no_features', 'No features given.', { hint: 'For example features=recency,frequency,monetary.' });
  return features;
}
