import { describe, expect, it } from 'vitest';
import {
  bgNbdLogLikelihood,
  bgNbdLogLikelihoodGradient,
  conditionalExpectedPurchases,
  expectedPurchasesNewCustomer,
  fitBgNbd,
  probabilityAlive,
  probabilityOfPurchases,
} from '../../../src/metrics/clv/bgnbd.ts';
import type { BgNbdParams } from '../../../src/metrics/clv/bgnbd.ts';
import { expectRelativelyClose, hasCdnow, loadCdnowSummary, summarizeCdnowSample } from './cdnow-data.ts';

const PUBLISHED_MLE: BgNbdParams = { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425754 };
const PUBLISHED_ROUNDED: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

function expectPublishedFit(fit: BgNbdParams & { loglik: number; converged: boolean }): void {
  expect(fit.converged).toBe(true);
  expectRelativelyClose(fit.r, PUBLISHED_MLE.r, 1e-3);
  expectRelativelyClose(fit.alpha, PUBLISHED_MLE.alpha, 1e-3);
  expectRelativelyClose(fit.a, PUBLISHED_MLE.a, 1e-3);
  expectRelativelyClose(fit.b, PUBLISHED_MLE.b, 1e-3);
  expect(Math.abs(fit.loglik - -9582.43)).toBeLessThanOrEqual(0.01);
}

describe('BG/NBD per-customer functions (published values, no dataset needed)', () => {
  it('P(X(t) = n) for a new customer', () => {
    expect(probabilityOfPurchases(PUBLISHED_ROUNDED, 39, 0)).toBeCloseTo(0.5737864, 7);
    expectRelativelyClose(probabilityOfPurchases(PUBLISHED_ROUNDED, 2, 10), 1.07869e-7, 1e-5);
  });

  it('P(X(t) = n) sums to 1 over n', () => {
    let total = 0;
    for (let n = 0; n < 400; n++) total += probabilityOfPurchases(PUBLISHED_MLE, 39, n);
    expect(total).toBeCloseTo(1, 10);
  });

  it('E[X(t)] of a new customer', () => {
    const published: [number, number][] = [
      [0.1429, 0.0078],
      [1, 0.0532],
      [3, 0.1506],
      [31.8571, 1.0405],
      [32, 1.0437],
    ];
    for (const [t, value] of published) expect(Math.abs(expectedPurchasesNewCustomer(PUBLISHED_MLE, t) - value)).toBeLessThan(6e-5);
    expect(Math.abs(expectedPurchasesNewCustomer(PUBLISHED_MLE, 78) - 1.8576)).toBeLessThan(5e-4);
  });

  it('E[X(t)] equals the mean of the P(X(t) = n) distribution', () => {
    let mean = 0;
    for (let n = 1; n < 400; n++) mean += n * probabilityOfPurchases(PUBLISHED_MLE, 20, n);
    expect(expectedPurchasesNewCustomer(PUBLISHED_MLE, 20)).toBeCloseTo(mean, 9);
  });

  it('conditional expectation for x = 2, t_x = 30.43, T = 38.86 over 39 weeks', () => {
    expect(conditionalExpectedPurchases(PUBLISHED_ROUNDED, 39, 2, 30.43, 38.86)).toBeCloseTo(1.226, 3);
    expect(conditionalExpectedPurchases(PUBLISHED_MLE, 39, 2, 30.43, 38.86)).toBeCloseTo(1.226, 3);
  });

  it('conditional expectation of a customer with no history equals the new-customer expectation', () => {
    expect(conditionalExpectedPurchases(PUBLISHED_MLE, 52, 0, 0, 0)).toBeCloseTo(expectedPurchasesNewCustomer(PUBLISHED_MLE, 52), 12);
  });

  it('conditional expectation stays finite for heavy buyers and long horizons', () => {
    const value = conditionalExpectedPurchases(PUBLISHED_MLE, 2000, 300, 77, 78);
    expect(Number.isFinite(value)).toBe(true);
    expect(value).toBeGreaterThan(100);
    expect(conditionalExpectedPurchases(PUBLISHED_MLE, 0, 3, 10, 20)).toBe(0);
  });

  it('probability alive: 1 without repeats, falling with time since the last purchase', () => {
    expect(probabilityAlive(PUBLISHED_MLE, 0, 0, 30)).toBe(1);
    const recent = probabilityAlive(PUBLISHED_MLE, 5, 29, 30);
    const lapsed = probabilityAlive(PUBLISHED_MLE, 5, 5, 30);
    expect(recent).toBeGreaterThan(lapsed);
    expect(recent).toBeLessThan(1);
    const { r, alpha, a, b } = PUBLISHED_MLE;
    const byHand = 1 / (1 + (a / (b + 5 - 1)) * ((alpha + 30) / (alpha + 5)) ** (r + 5));
    expect(lapsed).toBeCloseTo(byHand, 14);
  });

  it('the analytic gradient matches central finite differences', () => {
    const data = { x: [0, 1, 3, 7, 0], tx: [0, 2.5, 10, 30, 0], T: [5, 12, 30, 31, 40] };
    const params: BgNbdParams = { r: 0.4, alpha: 3, a: 0.7, b: 2.2 };
    const { loglik, gradient } = bgNbdLogLikelihoodGradient(params, data, [2, 1, 1, 3, 1]);
    expect(loglik).toBeCloseTo(bgNbdLogLikelihood(params, data, [2, 1, 1, 3, 1]), 12);
    const keys = ['r', 'alpha', 'a', 'b'] as const;
    const h = 1e-6;
    keys.forEach((key, i) => {
      const up = { ...params, [key]: params[key] * Math.exp(h) };
      const down = { ...params, [key]: params[key] * Math.exp(-h) };
      const numeric = (bgNbdLogLikelihood(up, data, [2, 1, 1, 3, 1]) - bgNbdLogLikelihood(down, data, [2, 1, 1, 3, 1])) / (2 * h);
      expect(gradient[i]).toBeCloseTo(numeric, 6);
    });
  });

  it('rejects impossible summaries', () => {
    expect(() => fitBgNbd({ x: [1], tx: [5], T: [4] })).toThrow(RangeError);
    expect(() => fitBgNbd({ x: [0], tx: [1], T: [4] })).toThrow(RangeError);
  });
});

describe.skipIf(!hasCdnow())('BG/NBD fit on CDNOW (Fader, Hardie & Lee 2005)', () => {
  it('from cdnow_customers_summary.csv', () => {
    const data = loadCdnowSummary();
    expect(bgNbdLogLikelihood(PUBLISHED_MLE, data)).toBeCloseTo(-9582.4256, 3);
    const fit = fitBgNbd(data);
    expectPublishedFit(fit);
    expect(fit.customers).toBe(2357);
  });

  it('from the raw CDNOW_sample.txt transactions, calibration to 1997-09-30 in weeks', () => {
    const fit = fitBgNbd(summarizeCdnowSample());
    expectPublishedFit(fit);
  });

  it('grouping identical rows does not change the fit', () => {
    const data = loadCdnowSummary();
    const grouped = fitBgNbd(data);
    const ungrouped = fitBgNbd(data, { group: false });
    expect(grouped.distinctRows).toBeLessThan(ungrouped.distinctRows);
    expect(grouped.loglik).toBeCloseTo(ungrouped.loglik, 6);
    expectRelativelyClose(grouped.r, ungrouped.r, 1e-6);
    expectRelativelyClose(grouped.b, ungrouped.b, 1e-6);
  });
});
