import { describe, expect, it } from 'vitest';
import { SummaryBuilder, summarizePurchases, toEpochDay } from '../../../src/metrics/clv/summary.ts';
import type { Purchase } from '../../../src/metrics/clv/summary.ts';
import { hasCdnow, loadCdnowSummaryWithTransactions, summarizeCdnowSample } from './cdnow-data.ts';

const purchases: Purchase[] = [
  { customerId: 'a', date: '2020-01-01', amount: 10 },
  { customerId: 'a', date: '2020-01-01', amount: 5 },
  { customerId: 'a', date: '2020-01-03', amount: 20 },
  { customerId: 'a', date: '2020-01-10', amount: 4 },
  { customerId: 'a', date: '2020-01-10', amount: 6 },
  { customerId: 'a', date: '2020-02-01', amount: 100 },
  { customerId: 'a', date: '2020-02-01', amount: 1 },
  { customerId: 'a', date: '2020-03-01', amount: 1 },
  { customerId: 'b', date: '2020-01-05', amount: 42 },
  { customerId: 'c', date: '2020-01-20', amount: 7 },
  { customerId: 'c', date: '2020-01-25', amount: 7 },
];

describe('toEpochDay', () => {
  it('parses YYYY-MM-DD as UTC days and passes epoch days through', () => {
    expect(toEpochDay('1970-01-01')).toBe(0);
    expect(toEpochDay('1997-09-30')).toBe(10134);
    expect(toEpochDay(123)).toBe(123);
  });
  it('rejects malformed and impossible dates', () => {
    expect(() => toEpochDay('2020-02-30')).toThrow(RangeError);
    expect(() => toEpochDay('20200101')).toThrow(RangeError);
    expect(() => toEpochDay(1.5)).toThrow(RangeError);
  });
});

describe('summary (lifetimes convention)', () => {
  const summary = summarizePurchases(purchases, { asOf: '2020-01-15', holdoutEnd: '2020-02-15' });

  it('groups same-day purchases, ignores purchases after asOf and excludes customers who start after asOf', () => {
    expect(summary.ids).toEqual(['a', 'b']);
    expect(Array.from(summary.x)).toEqual([2, 0]);
    expect(Array.from(summary.tx)).toEqual([9, 0]);
    expect(Array.from(summary.T)).toEqual([14, 10]);
    expect(Array.from(summary.monetary)).toEqual([(20 + 10) / 2, 0]);
  });

  it('counts holdout purchase days in (asOf, holdoutEnd], same-day rows once', () => {
    expect(Array.from(summary.holdoutPurchases!)).toEqual([1, 0]);
  });

  it('a single purchase gives x = 0, t_x = 0, monetary = 0', () => {
    const single = summarizePurchases([{ customerId: 7, date: '2021-06-01', amount: 12.5 }], { asOf: '2021-06-01' });
    expect(single.length).toBe(1);
    expect([single.x[0], single.tx[0], single.T[0], single.monetary[0]]).toEqual([0, 0, 0, 0]);
    expect(single.holdoutPurchases).toBeUndefined();
  });

  it('converts to the configured time unit (weeks) and accepts epoch days', () => {
    const weekly = summarizePurchases(
      purchases.map((p) => ({ ...p, date: toEpochDay(p.date) })),
      { asOf: toEpochDay('2020-01-15'), daysPerUnit: 7 },
    );
    expect(weekly.tx[0]).toBeCloseTo(9 / 7, 15);
    expect(weekly.T[0]).toBe(2);
    expect(weekly.T[1]).toBeCloseTo(10 / 7, 15);
  });

  it('gives the same result for shuffled input as the streaming builder on sorted rows', () => {
    const shuffled = [...purchases].reverse();
    const fromShuffled = summarizePurchases(shuffled, { asOf: '2020-01-15' });
    const builder = new SummaryBuilder({ asOf: '2020-01-15' });
    for (const p of purchases) builder.add(p.customerId, p.date, p.amount);
    const streamed = builder.finish();
    expect(new Set(fromShuffled.ids)).toEqual(new Set(streamed.ids));
    const a = fromShuffled.ids.indexOf('a');
    expect([fromShuffled.x[a], fromShuffled.tx[a], fromShuffled.monetary[a]]).toEqual([
      streamed.x[0],
      streamed.tx[0],
      streamed.monetary[0],
    ]);
  });

  it('the streaming builder rejects dates out of order within a customer', () => {
    const builder = new SummaryBuilder({ asOf: '2020-01-15' });
    builder.add('a', '2020-01-03', 1);
    expect(() => builder.add('a', '2020-01-02', 1)).toThrow(/date order/);
  });
});

describe.skipIf(!hasCdnow())('summary of the raw CDNOW sample', () => {
  it('reproduces the published summary file (x, t_x, T to 2 dp, zbar) for all 2,357 customers', () => {
    const summary = summarizeCdnowSample();
    const published = loadCdnowSummaryWithTransactions();
    expect(summary.length).toBe(2357);
    for (let i = 0; i < summary.length; i++) {
      const row = Number(summary.ids[i]) - 1;
      expect(summary.x[i]).toBe(published.x[row]);
      expect(Math.abs(summary.tx[i] - published.tx[row])).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(Math.abs(summary.T[i] - published.T[row])).toBeLessThanOrEqual(0.005 + 1e-9);
      expect(Math.abs(summary.monetary[i] - published.zbar[row])).toBeLessThanOrEqual(0.005 + 1e-9);
    }
  });
});
