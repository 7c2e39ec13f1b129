import { mean, sampleStandardDeviation } from 'simple-statistics';

export interface Anomaly {
  metric: string;
  /** For money metrics: the currency compared (with itself only). */
  currency?: string;
  value: number;
  mean: number;
  sd: number;
  /** Standard deviations from the trailing mean, signed. */
  z: number;
}

export const ANOMALY_THRESHOLD = 2;
export const TRAILING_PERIODS = 8;
const MIN_TRAILING = 4;

/**
 * The current value when it lies more than 2 standard deviations from its trailing periods (up to 8, oldest
 * first; periods before the data started are left out by the caller). Null when it does not, or when the
 * trailing values are too few or all equal.
 */
export function detectAnomaly(metric: string, current: number, trailing: number[]): Anomaly | null {
  const window = trailing.slice(-TRAILING_PERIODS);
  if (window.length < MIN_TRAILING) return null;
  const average = mean(window);
  const sd = sampleStandardDeviation(window);
  if (!(sd > 0)) return null;
  const z = (current - average) / sd;
  return Math.abs(z) > ANOMALY_THRESHOLD ? { metric, value: current, mean: average, sd, z } : null;
}
