import { describe, expect, it } from 'vitest';
import { conditionalExpectedPurchases } from '../../../src/metrics/clv/bgnbd.ts';
import { customerLifetimeValue, monthlyRateFromAnnual } from '../../../src/metrics/clv/lifetime-value.ts';

describe('customer lifetime value', () => {
  it('monthly rate compounds to the annual rate', () => {
    expect((1 + monthlyRateFromAnnual(0.12)) ** 12).toBeCloseTo(1.12, 14);
    expect(monthlyRateFromAnnual(0)).toBe(0);
  });

  it('a tiny case by hand', () => {
    // r = 1, b = 1, a = 2, x = 0 makes the hypergeometric term 2F1(1, 1; 2; z) = -ln(1 - z) / z.
    // With alpha + T = 1 and one time unit per month: E[purchases by month m] = 2 (1 - ln(1 + m) / m).
    // Spend for x = 0 is the population mean gamma p / (q - 1) = 10; monthly rate 1%.
    const bgnbd = { r: 1, alpha: 0.75, a: 2, b: 1 };
    const gammaGamma = { p: 2, q: 3, gamma: 10 };
    const cumulative = (m: number) => 2 * (1 - Math.log(1 + m) / m);
    expect(conditionalExpectedPurchases(bgnbd, 1, 0, 0, 0.25)).toBeCloseTo(cumulative(1), 13);
    const byHand = 10 * (cumulative(1) / 1.01 + (cumulative(2) - cumulative(1)) / 1.01 ** 2);
    expect(byHand).toBeCloseTo(8.8964, 4);
    const [value] = customerLifetimeValue(
      bgnbd,
      gammaGamma,
      { x: [0], tx: [0], T: [0.25], monetary: [0] },
      { horizonMonths: 2, annualDiscountRate: 1.01 ** 12 - 1, daysPerUnit: 30 },
    );
    expect(value).toBeCloseTo(byHand, 12);
  });

  it('is zero over a zero horizon, grows with the horizon and shrinks with the discount rate', () => {
    const bgnbd = { r: 0.242593, alpha: 4.413532, a: 0.792886, b: 2.425754 };
    const gammaGamma = { p: 6.25, q: 3.74, gamma: 15.44 };
    const customers = {
      x: Float64Array.of(2, 0, 10),
      tx: Float64Array.of(30.43, 0, 38),
      T: Float64Array.of(38.86, 38.86, 38.86),
      monetary: Float64Array.of(22.35, 0, 40),
    };
    const options = { annualDiscountRate: 0.1, daysPerUnit: 7 };
    const none = customerLifetimeValue(bgnbd, gammaGamma, customers, { ...options, horizonMonths: 0 });
    const year = customerLifetimeValue(bgnbd, gammaGamma, customers, { ...options, horizonMonths: 12 });
    const twoYears = customerLifetimeValue(bgnbd, gammaGamma, customers, { ...options, horizonMonths: 24 });
    const undiscounted = customerLifetimeValue(bgnbd, gammaGamma, customers, { ...options, annualDiscountRate: 0, horizonMonths: 12 });
    expect(Array.from(none)).toEqual([0, 0, 0]);
    for (let i = 0; i < 3; i++) {
      expect(twoYears[i]).toBeGreaterThan(year[i]);
      expect(undiscounted[i]).toBeGreaterThan(year[i]);
    }
    expect(year[2]).toBeGreaterThan(year[0]);
    const twelveMonths = (12 * 30) / 7;
    const spend = (1 - (6.25 * 2) / (6.25 * 2 + 2.74)) * ((15.44 * 6.25) / 2.74) + ((6.25 * 2) / (6.25 * 2 + 2.74)) * 22.35;
    expect(undiscounted[0]).toBeCloseTo(spend * conditionalExpectedPurchases(bgnbd, twelveMonths, 2, 30.43, 38.86), 10);
  });
});
