import { describe, expect, it } from 'vitest';
import { fitBgNbd } from '../../../src/metrics/clv/bgnbd.ts';
import { holdoutComparison } from '../../../src/metrics/clv/holdout.ts';
import { hasCdnow, summarizeCdnowSample } from './cdnow-data.ts';

describe('holdout comparison', () => {
  it('bins by calibration frequency with a 7+ bin', () => {
    const params = { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425754 };
    const rows = holdoutComparison(params, { x: [0, 0, 1, 9, 12], tx: [0, 0, 3, 30, 35], T: [40, 40, 40, 40, 40] }, [1, 0, 2, 5, 7], 39);
    expect(rows.map((r) => r.bin)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7+']);
    expect(rows[0]).toMatchObject({ customers: 2, meanActual: 0.5 });
    expect(rows[7]).toMatchObject({ customers: 2, meanActual: 6 });
    expect(rows[3].customers).toBe(0);
    expect(rows[3].meanActual).toBeNaN();
  });
});

describe.skipIf(!hasCdnow())('holdout weeks 40..78 on the raw CDNOW sample', () => {
  it('matches the published actual and BG/NBD expected means', () => {
    const summary = summarizeCdnowSample();
    const fit = fitBgNbd(summary);
    const rows = holdoutComparison(fit, summary, summary.holdoutPurchases!, 39);
    const actual = [0.237, 0.697, 1.393, 1.56, 2.532, 2.947, 3.862, 6.359];
    const expected = [0.225, 0.523, 1.044, 1.52, 2.164, 2.654, 3.504, 6.157];
    rows.forEach((row, i) => {
      expect(Math.abs(row.meanActual - actual[i])).toBeLessThanOrEqual(0.001);
      expect(Math.abs(row.meanExpected - expected[i])).toBeLessThanOrEqual(0.005);
    });
  });
});
