import { conditionalExpectedPurchases } from './bgnbd.ts';
import type { BgNbdParams } from './bgnbd.ts';
import { expectedAverageSpend } from './gamma-gamma.ts';
import type { GammaGammaParams } from './gamma-gamma.ts';

export interface LifetimeValueOptions {
  horizonMonths: number;
  /** Annual discount rate d, e.g. 0.1 for 10% a year. */
  annualDiscountRate: number;
  /** Days per time unit of tx and T (7 for weeks). */
  daysPerUnit: number;
  /** Length of a month in days (lifetimes uses 30 for daily data). Default 30. */
  daysPerMonth?: number;
}

export interface LifetimeValueInput {
  x: ArrayLike<number>;
  tx: ArrayLike<number>;
  T: ArrayLike<number>;
  monetary: ArrayLike<number>;
}

/** Monthly rate equivalent to an annual rate under monthly compounding: (1 + d)^(1/12) - 1. */
export function monthlyRateFromAnnual(annualRate: number): number {
  return Math.pow(1 + annualRate, 1 / 12) - 1;
}

/**
 * Discounted expected revenue per customer over the horizon: for each month m = 1..H,
 * (E[purchases by end of m] - E[purchases by end of m - 1]) * E[spend] / (1 + monthly rate)^m.
 */
export function customerLifetimeValue(
  bgnbd: BgNbdParams,
  gammaGamma: GammaGammaParams,
  customers: LifetimeValueInput,
  options: LifetimeValueOptions,
): Float64Array {
  const { horizonMonths, daysPerUnit } = options;
  if (!Number.isInteger(horizonMonths) || horizonMonths < 0) throw new RangeError(`horizonMonths must be a non-negative integer`);
  const month = (options.daysPerMonth ?? 30) / daysPerUnit;
  const discount = new Float64Array(horizonMonths + 1);
  const rate = monthlyRateFromAnnual(options.annualDiscountRate);
  for (let m = 1; m <= horizonMonths; m++) discount[m] = Math.pow(1 + rate, -m);
  const n = customers.x.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x = customers.x[i];
    const tx = customers.tx[i];
    const T = customers.T[i];
    const spend = expectedAverageSpend(gammaGamma, x, customers.monetary[i]);
    let previous = 0;
    let value = 0;
    for (let m = 1; m <= horizonMonths; m++) {
      const cumulative = conditionalExpectedPurchases(bgnbd, m * month, x, tx, T);
      value += (cumulative - previous) * discount[m];
      previous = cumulative;
    }
    out[i] = value * spend;
  }
  return out;
}
