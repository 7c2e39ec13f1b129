import { conditionalExpectedPurchases } from './bgnbd.ts';
import type { BgNbdParams, FrequencyRecencyData } from './bgnbd.ts';

export interface HoldoutRow {
  /** '0'..'6' or '7+' (calibration frequency). */
  bin: string;
  customers: number;
  meanActual: number;
  meanExpected: number;
}

/**
 * Mean actual vs BG/NBD-expected repeat purchases in a holdout period of length t,
 * by calibration frequency 0..lastBin-1 and lastBin+ (default 7+).
 */
export function holdoutComparison(
  params: BgNbdParams,
  calibration: FrequencyRecencyData,
  holdoutPurchases: ArrayLike<number>,
  t: number,
  lastBin = 7,
): HoldoutRow[] {
  const n = calibration.x.length;
  if (holdoutPurchases.length !== n) throw new RangeError('holdoutPurchases must have one entry per customer');
  const count = new Float64Array(lastBin + 1);
  const actual = new Float64Array(lastBin + 1);
  const expected = new Float64Array(lastBin + 1);
  for (let i = 0; i < n; i++) {
    const x = calibration.x[i];
    const bin = Math.min(Math.floor(x), lastBin);
    count[bin]++;
    actual[bin] += holdoutPurchases[i];
    expected[bin] += conditionalExpectedPurchases(params, t, x, calibration.tx[i], calibration.T[i]);
  }
  const rows: HoldoutRow[] = [];
  for (let bin = 0; bin <= lastBin; bin++) {
    rows.push({
      bin: bin === lastBin ? `${bin}+` : String(bin),
      customers: count[bin],
      meanActual: count[bin] > 0 ? actual[bin] / count[bin] : Number.NaN,
      meanExpected: count[bin] > 0 ? expected[bin] / count[bin] : Number.NaN,
    });
  }
  return rows;
}
