import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { computeDigestData } from '../../src/digests/content.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';
import { seedCustomers, seedOrders, seedSpend } from '../metrics/commands/seed.ts';

/*
 * Weekly digest sent on Monday 2026-11-23: it reports 2026-11-16..22 against the eight weeks before.
 * USD revenue per week (one order each Wednesday): 100, 110, 90, 105, 95, 100, 100, 98, then 102 in the
 * reported week — ordinary (mean 99.75, sd 5.99: z = 0.38). The reported week also has a first €300 order
 * and a first €1,000 of spend. Summed with dollars, revenue would be 402 (z ≈ 50) and spend 1,000 over
 * zeros: a false alarm. Per currency: USD is ordinary, and EUR has no history (all zeros, sd 0), so no
 * anomaly at all, with or without a reporting currency and rates.
 */
const weeks = [
  '2026-09-23',
  '2026-09-30',
  '2026-10-07',
  '2026-10-14',
  '2026-10-21',
  '2026-10-28',
  '2026-11-04',
  '2026-11-11',
  '2026-11-18',
];
const usd = [100, 110, 90, 105, 95, 100, 100, 98, 102];

let store: TestStore;

beforeAll(async () => {
  store = await createTestStore();
  await seedCustomers(store.db, [
    { customer_id: 'c1', signup_date: '2026-01-01' },
    { customer_id: 'c2', signup_date: '2026-01-01' },
  ]);
  await seedOrders(store.db, [
    ...weeks.map((day, i) => ({ order_id: `u${i}`, customer_id: 'c1', order_date: day, net_cents: usd[i]! * 100 })),
    { order_id: 'e1', customer_id: 'c2', order_date: '2026-11-18', net_cents: 30_000, currency: 'EUR' },
  ]);
  await seedSpend(store.db, [{ date: '2026-11-17', channel: 'search', amount_cents: 100_000, currency: 'EUR' }]);
  await store.db
    .insertInto('exchange_rates')
    .values([{ date: '2026-01-01', currency: 'USD', rate: 0.9, reporting_currency: 'EUR', updated_at: '2026-11-23T00:00:00Z' }])
    .execute();
});
afterAll(() => store?.close());

describe('digest anomalies are per currency', () => {
  for (const reporting of [undefined, 'EUR']) {
    it(`never compare a sum of currencies (reporting currency: ${reporting ?? 'none'})`, async () => {
      const data = await computeDigestData(store.db, {
        period: 'week',
        sections: ['kpis'],
        send_date: '2026-11-23',
        currency: 'USD',
        zone: 'UTC',
        reporting_currency: reporting,
      });
      expect(data.period.from).toBe('2026-11-16');
      expect(data.kpis.revenue_cents.value).toBe(10_200);
      expect(data.kpis.other).toEqual([
        { currency: 'EUR', revenue_cents: { value: 30_000, previous: 0 }, spend_cents: { value: 100_000, previous: 0 } },
      ]);
      expect(data.anomalies).toEqual([]);
      if (reporting) {
        // the converted total is shown (102 × 0.9 + 300 = €391.80) but never fed to anomaly detection
        expect(data.reporting?.kpis).toMatchObject({ converted: true, revenue_cents: { value: 39_180, previous: 8_820 } });
      } else expect(data.reporting).toBeNull();
    });
  }

  it('an unusual week in one currency is flagged in that currency with its own figures', async () => {
    await seedOrders(store.db, [{ order_id: 'u-big', customer_id: 'c1', order_date: '2026-11-19', net_cents: 20_000 }]);
    const data = await computeDigestData(store.db, {
      period: 'week',
      sections: ['kpis'],
      send_date: '2026-11-23',
      currency: 'USD',
      zone: 'UTC',
    });
    const revenue = data.anomalies.filter((a) => a.metric === 'revenue_cents');
    // USD 102 + 200 = 302 against mean 99.75, sd 5.99 (the EUR order is not added)
    expect(revenue).toHaveLength(1);
    expect(revenue[0]).toMatchObject({ currency: 'USD', value: 30_200 });
    expect(revenue[0]!.mean).toBeCloseTo(9_975, 6);
  });
});
