import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync } from 'node:fs';
import type { Bot } from '../../../src/core/bot.ts';
import { createTestBot, run } from '../../helpers/bot.ts';
import { createTestStore, type TestStore } from '../../helpers/store.ts';
import { hasCdnowSample, seedCdnowSample, seedCustomers, seedOrders, seedSpend } from './seed.ts';
import {
  conditionalExpectedPurchases,
  customerLifetimeValue,
  expectedAverageSpend,
  probabilityAlive,
} from '../../../src/metrics/clv/index.ts';
import { DAYS_PER_MONTH } from '../../../src/metrics/clv-model.ts';

const within = (actual: number, expected: number, relative: number) =>
  expect(Math.abs(actual - expected) / Math.abs(expected)).toBeLessThanOrEqual(relative);

describe.skipIf(!hasCdnowSample())('/clv on the CDNOW sample (orders in the store, fitted in a worker thread)', () => {
  let store: TestStore;
  let bot: Bot;

  beforeAll(async () => {
    store = await createTestStore();
    const seeded = await seedCdnowSample(store.db);
    expect(seeded).toEqual({ customers: 2357, orders: 6919 });
    bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url } });
  }, 60_000);
  afterAll(() => store?.close());

  it('/clv model as_of=1997-09-30 reproduces the published BG/NBD and Gamma-Gamma MLE', async () => {
    const result = await run(bot, '/clv model as_of=1997-09-30');
    expect(result.ok, JSON.stringify(result.data)).toBe(true);
    const { bgnbd, gamma_gamma, time_unit, customers, charts } = result.data;
    expect(time_unit).toBe('weeks');
    expect(customers).toBe(2357);
    within(bgnbd.r, 0.242593, 1e-3);
    within(bgnbd.alpha, 4.413532, 1e-3);
    within(bgnbd.a, 0.792886, 1e-3);
    within(bgnbd.b, 2.425754, 1e-3);
    expect(Math.abs(bgnbd.loglik - -9582.43)).toBeLessThanOrEqual(0.01);
    within(gamma_gamma.p, 6.2488, 5e-3);
    within(gamma_gamma.q, 3.7446, 5e-3);
    within(gamma_gamma.gamma, 15.4477, 5e-3);
    expect(gamma_gamma.customers).toBe(946);
    expect(result.data.fit_check).toHaveLength(8);
    expect(result.data.fit_check[0].actual).toBe(2357 - 946);
    expect(typeof charts.fit_check).toBe('string');
    expect(result.view.charts!.every((c) => existsSync(c.path))).toBe(true);
  }, 60_000);

  it('/clv model as_of=1998-06-30 holdout=1997-09-30 reproduces the published holdout table (weeks 40..78)', async () => {
    const result = await run(bot, '/clv model as_of=1998-06-30 holdout=1997-09-30');
    expect(result.ok, JSON.stringify(result.data)).toBe(true);
    expect(result.data.calibration_end).toBe('1997-09-30');
    within(result.data.bgnbd.r, 0.242593, 1e-3);
    const { holdout } = result.data;
    expect(holdout.weeks).toBe(39);
    const actual = [0.237, 0.697, 1.393, 1.56, 2.532, 2.947, 3.862, 6.359];
    const expected = [0.225, 0.523, 1.044, 1.52, 2.164, 2.654, 3.504, 6.157];
    holdout.rows.forEach((row: { actual_mean: number; expected_mean: number }, i: number) => {
      expect(Math.abs(row.actual_mean - actual[i]!)).toBeLessThanOrEqual(0.001);
      expect(Math.abs(row.expected_mean - expected[i]!)).toBeLessThanOrEqual(0.005);
    });
    expect(result.view.charts).toHaveLength(2);
  }, 60_000);

  it('/clv values the whole base: totals, top 10 with masked emails, a distribution chart', async () => {
    const result = await run(bot, '/clv as_of=1997-09-30 horizon=12 discount=0.10');
    expect(result.ok, JSON.stringify(result.data)).toBe(true);
    const data = result.data;
    expect(data.customers).toBe(2357);
    expect(data.predicted_customers).toBe(2357);
    expect(data.time_unit).toBe('weeks');
    expect(data.historical).toHaveLength(1);
    expect(data.historical[0].currency).toBe('USD');
    expect(data.top).toHaveLength(10);
    expect(data.top[0].email).toMatch(/^c•••@example\.com$/);
    expect(data.top[0].predicted_clv).toBeGreaterThanOrEqual(data.top[9].predicted_clv);
    expect(data.predicted.total_clv).toBeGreaterThan(0);
    expect(data.predicted.average_clv).toBeCloseTo(data.predicted.total_clv / 2357, 1);
    expect(result.view.charts).toHaveLength(1);
    expect(result.view.text).toContain('$');
  }, 60_000);

  it("/clv customer= gives one customer's P(alive), expected purchases, order value and CLV, consistent with the model functions", async () => {
    const result = await run(bot, '/clv customer=1 as_of=1997-09-30');
    expect(result.ok, JSON.stringify(result.data)).toBe(true);
    expect(result.data.top).toHaveLength(1);
    const one = result.data.top[0];
    expect(one.customer_id).toBe('1');
    // customer 1 of the published summary: x = 2, t_x = 30.43, T = 38.86, zbar = 22.35
    const published = { x: 2, zbar: 22.35 };
    expect(one.x).toBe(published.x);
    expect(one.t_x).toBeCloseTo(30.43, 2);
    expect(one.T).toBeCloseTo(38.86, 2);
    expect(one.p_alive).toBeGreaterThan(0);
    expect(one.p_alive).toBeLessThanOrEqual(1);
    expect(result.view.fields!.map((f) => f.label)).toContain('Probability still active');
    const fitted = (await run(bot, '/clv model as_of=1997-09-30')).data;
    const bg = fitted.bgnbd;
    const gg = fitted.gamma_gamma;
    const months = 12 * (DAYS_PER_MONTH / 7);
    expect(one.expected_purchases).toBeCloseTo(conditionalExpectedPurchases(bg, months, one.x, one.t_x, one.T), 2);
    expect(one.p_alive).toBeCloseTo(probabilityAlive(bg, one.x, one.t_x, one.T), 3);
    expect(one.expected_aov).toBeCloseTo(expectedAverageSpend(gg, one.x, published.zbar), 1);
    const reference = customerLifetimeValue(
      bg,
      gg,
      { x: [one.x], tx: [one.t_x], T: [one.T], monetary: [published.zbar] },
      { horizonMonths: 12, annualDiscountRate: 0.1, daysPerUnit: 7, daysPerMonth: DAYS_PER_MONTH },
    );
    expect(one.predicted_clv).toBeCloseTo(reference[0]!, 1);
  }, 60_000);

  it('refuses politely with the historical value when the history is too short', async () => {
    const result = await run(bot, '/clv as_of=1997-02-15');
    expect(result.ok).toBe(false);
    expect(result.data.error.code).toBe('not_enough_data');
    expect(result.data.error.message).toMatch(/historical value: \$[\d,.]+ net revenue to 1997-02-15/);
  }, 60_000);

  it('segment= values the members of a /segment segment (model fitted on the whole base)', async () => {
    const missing = await run(bot, '/clv segment=champions as_of=1997-09-30');
    expect(missing.ok).toBe(false);
    expect(missing.data.error.code).toBe('segment_not_found');
    const stamp = '1997-10-01T00:00:00.000Z';
    const [runRow] = await store.db
      .insertInto('segment_runs')
      .values({
        name: 'test',
        method: 'rfm',
        k: 1,
        as_of: '1997-09-30',
        features: '[]',
        parameters: '{}',
        details: '{}',
        customers: 3,
        inertia: null,
        created_at: stamp,
        created_by: 'tester',
        platform: 'console',
      } as never)
      .returning('id')
      .execute();
    const [segment] = await store.db
      .insertInto('segments')
      .values({
        run_id: runRow!.id,
        position: 0,
        name: 'Champions',
        kind: 'rfm',
        size: 3,
        share: 0.001,
        revenue_share: null,
        action: '',
        profile: '{}',
      } as never)
      .returning('id')
      .execute();
    await store.db
      .insertInto('segment_members')
      .values(
        ['1', '2', '3'].map((id) => ({ run_id: runRow!.id, customer_id: id, segment_id: segment!.id, feature_values: '[]' })) as never,
      )
      .execute();
    const result = await run(bot, '/clv segment=champions as_of=1997-09-30');
    expect(result.ok, JSON.stringify(result.data)).toBe(true);
    expect(result.data.scope).toBe('segment champions');
    expect(result.data.customers).toBe(3);
    expect(result.data.predicted_customers).toBe(3);
    expect(result.data.model.customers).toBe(2357);
    expect(result.data.top.map((v: any) => v.customer_id).sort()).toEqual(['1', '2', '3']);
  }, 60_000);

  it('fits in a worker thread with progress while other commands keep being answered', async () => {
    const updates: string[] = [];
    let settled = false;
    const fit = run(bot, '/clv model as_of=1997-09-30', undefined, { onProgress: (u) => updates.push(u.message) }).then((r) => {
      settled = true;
      return r;
    });
    const help = await run(bot, '/help clv');
    expect(help.ok).toBe(true);
    expect(settled).toBe(false);
    expect((await fit).ok).toBe(true);
    expect(updates.length).toBeGreaterThan(0);
  }, 60_000);

  it('/roi projects ROI from predicted CLV when the model can be fitted', async () => {
    const ids = Array.from({ length: 200 }, (_, i) => String(i + 1));
    await store.db.updateTable('customers').set({ acquisition_channel: 'search' }).where('customer_id', 'in', ids).execute();
    await seedSpend(store.db, [{ date: '1997-01-15', channel: 'search', amount_cents: 500_000 }]);
    const result = await run(bot, '/roi period=1997-01 as_of=1997-09-30 window=90');
    expect(result.ok, JSON.stringify(result.data)).toBe(true);
    expect(result.data.projected_missing).toBeNull();
    const search = result.data.channels.find((c: any) => c.channel === 'search');
    expect(search).toMatchObject({ spend: 5000, new_customers: 200, window_days: 90, cac: 25 });
    expect(search.roas).toBeCloseTo(search.revenue / 5000, 4);
    expect(search.projected.projected_value).toBeGreaterThan(search.revenue);
    expect(search.projected.projected_roi).toBeCloseTo((search.projected.projected_value - 5000) / 5000, 3);
    expect(search.projected.ltv_cac).toBeCloseTo(search.projected.ltv / 25, 3);
  }, 60_000);

  it('mixed currencies: historical value per currency, never summed; the fit uses the main currency and says so', async () => {
    await seedCustomers(store.db, [{ customer_id: 'eur-1' }]);
    await seedOrders(store.db, [
      { order_id: 'eur-a', customer_id: 'eur-1', order_date: '1997-03-01', net_cents: 5_000, currency: 'EUR' },
      { order_id: 'eur-b', customer_id: 'eur-1', order_date: '1997-05-01', net_cents: 7_000, currency: 'EUR' },
    ]);
    const result = await run(bot, '/clv as_of=1997-09-30');
    expect(result.ok, JSON.stringify(result.data)).toBe(true);
    expect(result.data.historical.map((h: any) => h.currency)).toEqual(['USD', 'EUR']);
    expect(result.data.historical[1].amount).toBe(120);
    expect(result.data.currency).toBe('USD');
    expect(result.data.predicted_customers).toBe(2357);
    expect(result.view.fields!.find((f) => f.label === 'Historical value')!.value).toMatch(/^\$[\d,.]+ \+ €120\.00$/);
    expect(result.view.notes!.join(' ')).toMatch(/Fitted on USD orders .*EUR .*never summed/);
    const model = await run(bot, '/clv model as_of=1997-09-30');
    expect(model.data.other_currencies).toEqual(['EUR']);
    expect(model.data.customers).toBe(2357);
  }, 60_000);
});
