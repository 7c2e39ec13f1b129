import type { Insertable } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import type { ChannelFigures } from '../../src/digests/content.ts';
import type { CacRow } from '../../src/metrics/cac.ts';
import type { ChannelRoi } from '../../src/metrics/roi.ts';
import type { Database } from '../../src/store/schema.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

/*
 * Week 2026-11-16..22 reported, 2026-11-09..15 before it. USD and EUR side by side:
 *   paid_search: $1,000 and €400 spend in the week; 3 new customers (p3 has no signup date: acquired on its
 *                first purchase); their net revenue up to 11-22: $300 + $150 − $50 return + €120. CAC per
 *                currency counts a customer in the currency of their first purchase: $1,000 / 2 (p1, p2),
 *                €400 / 1 (p3).
 *   email:       no spend; 1 new customer, $80.
 *   before:      paid_search $500 spend, 1 new customer with $40.
 * By hand: revenue USD this week = 300 + 150 − 50 + 80 + 25 (old customer) = $505; EUR = €120.
 */
const at = '2026-11-23T00:00:00.000Z';
const customer = (id: string, signup: string | null, channel: string | null): Insertable<Database['customers']> => ({
  customer_id: id,
  email: null,
  name: null,
  signup_date: signup,
  country: null,
  acquisition_channel: channel,
  consent: 1,
  created_at: at,
  updated_at: at,
});
const order = (id: string, customerId: string, date: string, cents: number, currency = 'USD'): Database['orders'] => ({
  order_id: id,
  customer_id: customerId,
  order_date: date,
  gross_cents: cents,
  net_cents: cents,
  currency,
  lines: 1,
  is_purchase: cents > 0 ? 1 : 0,
  updated_at: at,
});
const spend = (date: string, channel: string, cents: number, currency = 'USD'): Insertable<Database['spend']> => ({
  date,
  channel,
  campaign: '',
  amount_cents: cents,
  currency,
  updated_at: at,
});

let store: TestStore;
let bot: Bot;

beforeAll(async () => {
  store = await createTestStore();
  await store.db
    .insertInto('customers')
    .values([
      customer('old', '2026-01-05', 'organic'),
      customer('p0', '2026-11-10', 'paid_search'),
      customer('p1', '2026-11-16', 'paid_search'),
      customer('p2', '2026-11-18', 'paid_search'),
      customer('p3', null, 'paid_search'),
      customer('e1', '2026-11-19', 'email'),
    ])
    .execute();
  await store.db
    .insertInto('orders')
    .values([
      order('o0', 'p0', '2026-11-11', 4_000),
      order('o1', 'p1', '2026-11-16', 30_000),
      order('o2', 'p2', '2026-11-18', 15_000),
      order('o3', 'p2', '2026-11-20', -5_000),
      order('o4', 'p3', '2026-11-21', 12_000, 'EUR'),
      order('o5', 'e1', '2026-11-19', 8_000),
      order('o6', 'old', '2026-11-17', 2_500),
    ])
    .execute();
  await store.db
    .insertInto('spend')
    .values([
      spend('2026-11-09', 'paid_search', 50_000),
      spend('2026-11-16', 'paid_search', 100_000),
      spend('2026-11-17', 'paid_search', 40_000, 'EUR'),
    ])
    .execute();
  bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url }, now: () => new Date('2026-11-23T08:00:00Z') });
});
afterAll(() => store.close());

describe('the digest and /cac, /roi answer the same question with the same numbers', () => {
  it('channel by channel and currency by currency, this period and the one before', async () => {
    const digest = await run(bot, '/digest preview as_of=2026-11-23 sections=kpis,channels');
    expect(digest.ok, JSON.stringify(digest.data)).toBe(true);
    const periods = [
      { from: '2026-11-16', to: '2026-11-22', pick: (c: ChannelFigures) => c },
      { from: '2026-11-09', to: '2026-11-15', pick: (c: ChannelFigures) => c.previous },
    ];
    const channels = digest.data.channels as ChannelFigures[];
    expect(channels.map((c) => `${c.channel} ${c.currency}`).sort()).toEqual(['email USD', 'paid_search EUR', 'paid_search USD']);
    for (const { from, to, pick } of periods) {
      const roi = await run(bot, `/roi from=${from} to=${to} as_of=${to}`);
      const cac = await run(bot, `/cac from=${from} to=${to}`);
      expect(roi.ok && cac.ok, JSON.stringify([roi.data, cac.data])).toBe(true);
      for (const c of channels) {
        const figures = pick(c);
        const roiRow = (roi.data.channels as ChannelRoi[]).find((r) => r.channel === c.channel && r.currency === c.currency);
        const label = `${c.channel} ${c.currency} ${from}`;
        expect(
          {
            spend_cents: Math.round((roiRow?.spend ?? 0) * 100),
            new_customers: roiRow?.new_customers ?? 0,
            cac_cents: roiRow?.cac == null ? null : Math.round(roiRow.cac * 100),
            revenue_cents: Math.round((roiRow?.revenue ?? 0) * 100),
            roi: roiRow?.roi ?? null,
          },
          label,
        ).toEqual({
          spend_cents: figures.spend_cents,
          new_customers: figures.new_customers,
          cac_cents: figures.cac_cents,
          revenue_cents: figures.revenue_cents,
          roi: figures.roi,
        });
        const cacRow = (cac.data.channels as CacRow[]).find((r) => r.channel === c.channel && (r.currency ?? c.currency) === c.currency);
        if (figures.spend_cents > 0) {
          expect({ spend: cacRow!.spend, new_customers: cacRow!.new_customers, cac: cacRow!.cac }, label).toEqual({
            spend: figures.spend_cents / 100,
            new_customers: figures.new_customers,
            cac: figures.cac_cents === null ? null : figures.cac_cents / 100,
          });
        }
      }
    }
    const paid = (currency: string) => channels.find((c) => c.channel === 'paid_search' && c.currency === currency)!;
    // by hand: $1,000 / 2 new customers who bought in USD; ROI ($300 + $150 − $50 − $1,000) / $1,000
    expect(paid('USD')).toMatchObject({ spend_cents: 100_000, new_customers: 2, cac_cents: 50_000, revenue_cents: 40_000, roi: -0.6 });
    expect(paid('EUR')).toMatchObject({ spend_cents: 40_000, new_customers: 1, cac_cents: 40_000, revenue_cents: 12_000, roi: -0.7 });
  });

  it('never adds currencies: USD and EUR revenue and spend are separate figures', async () => {
    const digest = await run(bot, '/digest preview as_of=2026-11-23 sections=kpis');
    expect(digest.data.currency).toBe('USD');
    expect(digest.data.kpis.revenue_cents.value).toBe(50_500);
    expect(digest.data.kpis.spend_cents.value).toBe(100_000);
    expect(digest.data.kpis.other).toEqual([
      { currency: 'EUR', revenue_cents: { value: 12_000, previous: 0 }, spend_cents: { value: 40_000, previous: 0 } },
    ]);
    // new customers: signup date, else first purchase (p3), as /cac counts them; /cac's blended splits them by currency
    const cac = await run(bot, '/cac from=2026-11-16 to=2026-11-22');
    expect(digest.data.kpis.new_customers.value).toBe(4);
    expect(cac.data.blended.map((b: { currency: string; new_customers: number }) => [b.currency, b.new_customers])).toEqual([
      ['USD', 3],
      ['EUR', 1],
    ]);
    const fields = Object.fromEntries(digest.view.fields!.map((f) => [f.label, f.value]));
    expect(fields['Revenue']).toMatch(/^\$505 /);
    expect(fields['Revenue (EUR)']).toMatch(/^€120 /);
    expect(fields['Spend (EUR)']).toMatch(/^€400 /);
    expect(digest.view.notes!.join(' ')).toContain('never added up: USD, EUR');
  });
});
