import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../../src/core/bot.ts';
import { campaignRoi } from '../../../src/metrics/roi.ts';
import { createTestBot, run } from '../../helpers/bot.ts';
import { createTestStore, type TestStore } from '../../helpers/store.ts';
import { seedCustomers, seedOrders, seedSpend } from './seed.ts';

/*
 * Hand-computed book:
 *   September: search acquires s1, s2 (signup) for $300 spend -> CAC $150.
 *   October:   search acquires a1..a4 for $1,000 -> $250; social acquires b1 for $250 -> $250;
 *              display spends $500 and acquires nobody; o1, o2 have no signup and no channel
 *              (acquired at their first purchase, organic). a4 bought in September but signed up
 *              in October: acquired in October, its September order does not count.
 *   Blended October = $1,750 / 7 = $250; paid = $1,750 / 5 (search + social) = $350.
 *   Latest data day: 2026-12-20 (a1's December order) = default as_of.
 */
const customers = [
  { customer_id: 's1', signup_date: '2026-09-10', acquisition_channel: 'search' },
  { customer_id: 's2', signup_date: '2026-09-12', acquisition_channel: 'search' },
  { customer_id: 'a1', signup_date: '2026-10-05', acquisition_channel: 'search', email: 'ann@example.com' },
  { customer_id: 'a2', signup_date: '2026-10-06', acquisition_channel: 'search' },
  { customer_id: 'a3', signup_date: '2026-10-06', acquisition_channel: 'search' },
  { customer_id: 'a4', signup_date: '2026-10-07', acquisition_channel: 'search' },
  { customer_id: 'b1', signup_date: '2026-10-10', acquisition_channel: 'social' },
  { customer_id: 'o1' },
  { customer_id: 'o2' },
];
const orders = [
  { order_id: '1', customer_id: 'a1', order_date: '2026-10-05', net_cents: 10_000 },
  { order_id: '2', customer_id: 'a1', order_date: '2026-10-25', net_cents: 5_000 },
  { order_id: '3', customer_id: 'a1', order_date: '2026-12-20', net_cents: 20_000 },
  { order_id: '4', customer_id: 'a2', order_date: '2026-10-06', net_cents: 30_000 },
  { order_id: '5', customer_id: 'b1', order_date: '2026-10-10', net_cents: 40_000 },
  { order_id: '6', customer_id: 'o1', order_date: '2026-10-15', net_cents: 8_000 },
  { order_id: '7', customer_id: 'o2', order_date: '2026-10-20', net_cents: 2_000 },
  { order_id: '8', customer_id: 'a4', order_date: '2026-09-20', net_cents: 6_000 },
  { order_id: '9', customer_id: 'a4', order_date: '2026-10-28', net_cents: 4_000 },
  { order_id: '10', customer_id: 's1', order_date: '2026-09-10', net_cents: 1_000 },
];
const spend = [
  { date: '2026-09-01', channel: 'search', amount_cents: 30_000 },
  { date: '2026-10-01', channel: 'search', amount_cents: 60_000 },
  { date: '2026-10-15', channel: 'search', amount_cents: 40_000 },
  { date: '2026-10-03', channel: 'social', amount_cents: 25_000 },
  { date: '2026-10-20', channel: 'display', amount_cents: 50_000 },
];

describe('/cac and /roi on a hand-computed book', () => {
  let store: TestStore;
  let bot: Bot;

  beforeAll(async () => {
    store = await createTestStore();
    await seedCustomers(store.db, customers);
    await seedOrders(store.db, orders);
    await seedSpend(store.db, spend);
    bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url } });
  });
  afterAll(() => store?.close());

  const channel = (data: any, name: string) => data.channels.find((c: any) => c.channel === name);

  it('/cac period=2026-10: per channel, blended and paid, against September', async () => {
    const result = await run(bot, '/cac period=2026-10');
    expect(result.ok, JSON.stringify(result.data)).toBe(true);
    const { data } = result;
    expect(data.period).toEqual({ label: '2026-10', from: '2026-10-01', to: '2026-10-31', time_zone: 'UTC' });
    expect(data.previous_period.label).toBe('2026-09');
    expect(channel(data, 'search')).toMatchObject({
      currency: 'USD',
      spend: 1000,
      new_customers: 4,
      cac: 250,
      previous: { spend: 300, new_customers: 2, cac: 150 },
    });
    expect(channel(data, 'social')).toMatchObject({ spend: 250, new_customers: 1, cac: 250 });
    expect(channel(data, 'display')).toMatchObject({ spend: 500, new_customers: 0, cac: null });
    expect(channel(data, '(no channel)')).toMatchObject({ spend: 0, new_customers: 2, cac: null });
    expect(data.blended).toEqual([
      { currency: 'USD', spend: 1750, new_customers: 7, cac: 250, previous: { spend: 300, new_customers: 2, cac: 150 } },
    ]);
    expect(data.paid[0]).toMatchObject({ spend: 1750, new_customers: 5, cac: 350 });
    const table = result.view.tables![0]!;
    const row = (name: string) => table.rows.find((r) => r[0] === name)!;
    expect(row('display')[3]).toBe('— (no new customers)');
    expect(row('(no channel)')[3]).toBe('— (no spend)');
    expect(row('search')[3]).toBe('$250.00');
    expect(row('search')[5]).toBe('▲ 66.7%');
    expect(result.view.charts).toHaveLength(1);
    expect(data.trend.periods).toEqual(['2026-05', '2026-06', '2026-07', '2026-08', '2026-09', '2026-10']);
    expect(data.trend.series.find((s: any) => s.channel === 'search').cac.slice(-2)).toEqual([150, 250]);
  });

  it('/cac defaults to the latest month with data and accepts quarters and ranges', async () => {
    expect((await run(bot, '/cac')).data.period.label).toBe('2026-12');
    const quarter = await run(bot, '/cac period=2026-Q4 channel=search');
    expect(quarter.data.channels).toHaveLength(1);
    expect(quarter.data.channels[0]).toMatchObject({ spend: 1000, new_customers: 4, cac: 250 });
    expect(quarter.data.previous_period.label).toBe('2026-Q3');
    const range = await run(bot, '/cac from=2026-09-01 to=2026-10-31');
    expect(range.data.blended[0]).toMatchObject({ spend: 2050, new_customers: 9 });
    expect(range.data.previous_period).toMatchObject({ from: '2026-07-02', to: '2026-08-31' });
    const bad = await run(bot, '/cac period=lastyear');
    expect(bad.ok).toBe(false);
    expect(bad.data.error.code).toBe('bad_period');
  });

  it('/roi period=2026-10: revenue to as_of, ROAS, ROI, payback; the window is named everywhere', async () => {
    const result = await run(bot, '/roi period=2026-10');
    expect(result.ok, JSON.stringify(result.data)).toBe(true);
    const { data } = result;
    expect(data.as_of).toBe('2026-12-20');
    expect(data).toMatchObject({ window_days: null, window: 'up to 2026-12-20' });
    // search: a1 100 + 50 + 200, a2 300, a3 0, a4 40 (its September order predates acquisition) = 690
    expect(channel(data, 'search')).toMatchObject({
      spend: 1000,
      new_customers: 4,
      revenue: 690,
      roas: 0.69,
      roi: -0.31,
      cac: 250,
      window_days: null,
    });
    // payback: CAC 250 / (690 / customer-months since acquisition: (76 + 75 + 75 + 74) days / 30.4375)
    expect(channel(data, 'search').payback_months).toBeCloseTo(250 / (690 / (300 / 30.4375)), 1);
    expect(channel(data, 'social')).toMatchObject({ spend: 250, revenue: 400, roas: 1.6, roi: 0.6 });
    expect(channel(data, 'display')).toMatchObject({ spend: 500, new_customers: 0, revenue: 0, roas: 0, roi: -1 });
    expect(channel(data, '(no channel)')).toMatchObject({ spend: 0, roi: null, roas: null });
    expect(data.projected_missing).toMatch(/too little data/);
    expect(result.view.text).toContain('up to 2026-12-20');
    expect(result.view.notes!.join(' ')).toMatch(/Projected ROI is missing/);
  });

  it('/roi with GROSS_MARGIN: payback on margin, ROI and ROAS on revenue, and the answer says which', async () => {
    const marginBot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url, GROSS_MARGIN: '0.4' } });
    const result = await run(marginBot, '/roi period=2026-10');
    expect(result.ok, JSON.stringify(result.data)).toBe(true);
    // CAC 250 / (0.4 × 690 per 300/30.4375 customer-months)
    expect(channel(result.data, 'search')).toMatchObject({ roi: -0.31, roas: 0.69 });
    expect(channel(result.data, 'search').payback_months).toBeCloseTo(250 / ((0.4 * 690) / (300 / 30.4375)), 1);
    expect(result.view.notes!.join(' ')).toContain('LTV, LTV:CAC and payback are on gross margin (GROSS_MARGIN=0.4');
  });

  it('/roi window=30 counts only orders within 30 days of acquisition', async () => {
    const result = await run(bot, '/roi period=2026-10 window=30 channel=search');
    expect(result.ok, JSON.stringify(result.data)).toBe(true);
    expect(result.data.channels).toHaveLength(1);
    expect(result.data.channels[0]).toMatchObject({
      revenue: 490,
      roas: 0.49,
      roi: -0.51,
      window_days: 30,
      window: '30 days after acquisition',
    });
    expect(result.view.tables![0]!.columns).toContain('Revenue (30d)');
  });

  it('/roi campaign= names an unknown campaign and refuses channel= with campaign=', async () => {
    const result = await run(bot, '/roi campaign=spring-sale');
    expect(result.ok).toBe(false);
    expect(['campaign_not_found', 'campaigns_unavailable']).toContain(result.data.error.code);
    const both = await run(bot, '/roi campaign=spring-sale channel=search');
    expect(both.data.error.code).toBe('bad_scope');
  });

  it('campaignRoi: attributed and incremental ROI over the window', () => {
    const figures = campaignRoi({
      spend_cents: 100_000,
      currency: 'EUR',
      attributed_revenue_cents: 250_000,
      window_days: 7,
      holdout: { treated_customers: 900, treated_revenue_cents: 900 * 300, control_customers: 100, control_revenue_cents: 100 * 150 },
    });
    expect(figures).toMatchObject({ spend: 1000, revenue: 2500, roas: 2.5, roi: 1.5, window_days: 7 });
    expect(figures.incremental).toEqual({ revenue: 1350, roi: 0.35, roas: 1.35, lift_per_customer: 1.5 });
  });
});
