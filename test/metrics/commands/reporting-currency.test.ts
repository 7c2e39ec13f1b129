import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../../src/core/bot.ts';
import { RateBook } from '../../../src/metrics/currency-conversion.ts';
import { createTestBot, run } from '../../helpers/bot.ts';
import { createTestStore, type TestStore } from '../../helpers/store.ts';
import { seedCustomers, seedOrders, seedSpend } from './seed.ts';

/*
 * REPORTING_CURRENCY=EUR; rates (EUR per 1 unit) loaded with /import rates:
 *   USD 0.90 from 2026-09-01, 0.80 from 2026-10-01, 0.85 from 2026-10-06; GBP 1.20 from 2026-10-10; no JPY.
 * October (period) — spend: search $200 (10-01), search €100 (10-05), social £50 (10-10).
 *   New customers: u1, u2 (search, first purchase USD), e1 (search, EUR), g1 (social, GBP), o1 (organic, EUR).
 *   Orders: u1 $100 on 10-05 (rate of 10-01: 0.80), u2 $50 on 10-06 (0.85), e1 €80, g1 £40 on 10-10 (1.20), o1 €30.
 * By hand, in EUR:
 *   spend = 200×0.80 + 100 + 50×1.20 = 160 + 100 + 60 = €320
 *   /cac blended = 320 / 5 = €64.00; paid (search, social) = 320 / 4 = €80.00
 *   September: $100 spend on 09-01 × 0.90 = €90 over s1 alone: €90.00 (blended and paid)
 *   /roi total (channels with spend: u1, u2, e1, g1): revenue = 80 + 42.50 + 80 + 48 = €250.50;
 *     ROI = (250.50 − 320) / 320 = −0.2171875 → −0.2172; ROAS = 250.50 / 320 = 0.7828125 → 0.7828
 *     (the mean of the per-currency ROIs, −0.25, −0.20, −0.20, is not it)
 *   digest KPIs October: revenue = 80 + 42.50 + 80 + 48 + 30 = €280.50, spend €320;
 *     September: revenue $20 × 0.90 = €18, spend €90; channel total September ROI = (18 − 90) / 90 = −0.8
 * November: search spends ¥10,000 on 11-02 with no JPY rate: no total, a note naming JPY.
 * August: search spends $10 on 08-20, before the first USD rate: no total for August.
 */
const customers = [
  { customer_id: 's1', signup_date: '2026-09-10', acquisition_channel: 'search' },
  { customer_id: 'u1', signup_date: '2026-10-05', acquisition_channel: 'search' },
  { customer_id: 'u2', signup_date: '2026-10-06', acquisition_channel: 'search' },
  { customer_id: 'e1', signup_date: '2026-10-07', acquisition_channel: 'search' },
  { customer_id: 'g1', signup_date: '2026-10-10', acquisition_channel: 'social' },
  { customer_id: 'o1' },
];
const orders = [
  { order_id: '1', customer_id: 'u1', order_date: '2026-10-05', net_cents: 10_000 },
  { order_id: '2', customer_id: 'u2', order_date: '2026-10-06', net_cents: 5_000 },
  { order_id: '3', customer_id: 'e1', order_date: '2026-10-07', net_cents: 8_000, currency: 'EUR' },
  { order_id: '4', customer_id: 'g1', order_date: '2026-10-10', net_cents: 4_000, currency: 'GBP' },
  { order_id: '5', customer_id: 'o1', order_date: '2026-10-12', net_cents: 3_000, currency: 'EUR' },
  { order_id: '6', customer_id: 's1', order_date: '2026-09-10', net_cents: 2_000 },
];
const spend = [
  { date: '2026-08-20', channel: 'search', amount_cents: 1_000 },
  { date: '2026-09-01', channel: 'search', amount_cents: 10_000 },
  { date: '2026-10-01', channel: 'search', amount_cents: 20_000 },
  { date: '2026-10-05', channel: 'search', amount_cents: 10_000, currency: 'EUR' },
  { date: '2026-10-10', channel: 'social', amount_cents: 5_000, currency: 'GBP' },
  { date: '2026-11-02', channel: 'search', amount_cents: 1_000_000, currency: 'JPY' },
];

let store: TestStore;
let bot: Bot;
let plain: Bot;

function file(name: string, lines: string[]): string {
  const target = path.join(store.dir, name);
  writeFileSync(target, `${lines.join('\n')}\n`);
  return target;
}

beforeAll(async () => {
  store = await createTestStore();
  await seedCustomers(store.db, customers);
  await seedOrders(store.db, orders);
  await seedSpend(store.db, spend);
  const now = () => new Date('2026-11-25T10:00:00Z');
  bot = await createTestBot(store.db, store.dir, { env: { REPORTING_CURRENCY: 'EUR' }, now });
  plain = await createTestBot(store.db, store.dir, { now });
});
afterAll(() => store?.close());

describe('/import rates', () => {
  it('refuses to import rates while REPORTING_CURRENCY is not set, before reading the file', async () => {
    const reply = await run(plain, `/import rates ${file('none.csv', ['date,currency,rate', '2026-10-01,USD,0.8'])}`);
    expect(reply.ok).toBe(false);
    expect(reply.data.error).toMatchObject({
      code: 'no_reporting_currency',
      message: expect.stringMatching(/REPORTING_CURRENCY is not set/),
    });
    expect(reply.data.error.hint).toMatch(/rate = units of REPORTING_CURRENCY per 1 unit of currency/);
    const stored = await store.db.selectFrom('exchange_rates').selectAll().execute();
    expect(stored).toEqual([]);
  });

  it('stores good rows and rejects bad ones with clear reasons: zero or negative rate, unknown currency, bad date', async () => {
    const source = file('rates.csv', [
      'date,currency,rate',
      '2026-09-01,USD,0.90',
      '2026-10-01,usd,0.80',
      '2026-10-06,USD,0.85',
      '2026-10-10,GBP,1.20',
      '2026-10-11,GBP,0', // line 6
      '2026-10-12,GBP,-1.1', // line 7
      '2026-10-12,XYZ,1.5', // line 8
      '2026-10-12,EURO,1.5', // line 9
      '2026-13-01,USD,0.8', // line 10
      'yesterday,USD,0.8', // line 11
      '2026-10-12,USD,abc', // line 12
      '2026-10-12,EUR,1.1', // line 13: EUR is the reporting currency
      '2026-10-12,EUR,1', // line 14: its rate is 1, accepted
    ]);
    const reply = await run(bot, `/import rates ${source}`);
    expect(reply.ok, JSON.stringify(reply.data)).toBe(true);
    expect(reply.data).toMatchObject({ read: 13, inserted: 5, updated: 0, rejected: 8 });
    const rejections = reply.view?.tables?.[0]?.rows ?? [];
    expect(rejections.map((r: unknown[]) => [r[0], r[1], r[2]])).toEqual([
      [6, 'rate', 'rate must be above 0 (EUR per 1 GBP)'],
      [7, 'rate', 'rate must be above 0 (EUR per 1 GBP)'],
      [8, 'currency', 'not a known ISO 4217 currency code'],
      [9, 'currency', 'not a three-letter currency code'],
      [10, 'date', 'invalid date (expected YYYY-MM-DD)'],
      [11, 'date', 'invalid date (expected YYYY-MM-DD)'],
      [12, 'rate', 'not a number'],
      [13, 'rate', 'EUR is REPORTING_CURRENCY itself: its rate is always 1'],
    ]);
    expect(reply.view?.notes?.join(' ')).toMatch(/how many EUR \(REPORTING_CURRENCY\) one unit/);
    const stored = await store.db
      .selectFrom('exchange_rates')
      .select(['date', 'currency', 'rate', 'reporting_currency'])
      .orderBy('currency')
      .orderBy('date')
      .execute();
    expect(stored.map((r) => [r.date, r.currency, Number(r.rate), r.reporting_currency])).toEqual([
      ['2026-10-12', 'EUR', 1, 'EUR'],
      ['2026-10-10', 'GBP', 1.2, 'EUR'],
      ['2026-09-01', 'USD', 0.9, 'EUR'],
      ['2026-10-01', 'USD', 0.8, 'EUR'],
      ['2026-10-06', 'USD', 0.85, 'EUR'],
    ]);
  });

  it('importing a day again replaces its rate (one rate per currency and day)', async () => {
    const again = file('again.csv', ['date,currency,rate', '2026-10-06,USD,0.99', '2026-10-01,USD,0.80']);
    const reply = await run(bot, `/import rates ${again}`);
    expect(reply.data).toMatchObject({ read: 2, inserted: 0, updated: 1, unchanged: 1, rejected: 0 });
    const back = file('back.csv', ['date,currency,rate', '2026-10-06,USD,0.85']);
    expect((await run(bot, `/import rates ${back}`)).data).toMatchObject({ updated: 1 });
    const row = await store.db
      .selectFrom('exchange_rates')
      .select('rate')
      .where('date', '=', '2026-10-06')
      .where('currency', '=', 'USD')
      .executeTakeFirstOrThrow();
    expect(Number(row.rate)).toBe(0.85);
  });

  it('runs the same through a worker on the store (the deployed path); a repeated row counts once', async () => {
    const deployed = await createTestBot(store.db, store.dir, { env: { REPORTING_CURRENCY: 'EUR', DATABASE_URL: store.url } });
    const same = file('same.csv', ['Date,Currency,Exchange Rate', '2026-10-10,GBP,1.2', '2026-10-10,GBP,1.2']);
    const reply = await run(deployed, `/import rates ${same}`);
    expect(reply.ok, JSON.stringify(reply.data)).toBe(true);
    expect(reply.data).toMatchObject({ read: 2, inserted: 0, updated: 0, unchanged: 1, rejected: 0 });
  });
});

describe('totals in REPORTING_CURRENCY (rates imported above)', () => {
  it('/cac period=2026-10 adds blended and paid totals in EUR at daily rates, keeping the per-currency lines', async () => {
    const reply = await run(bot, '/cac period=2026-10');
    expect(reply.ok, JSON.stringify(reply.data)).toBe(true);
    expect(reply.data.reporting).toEqual({
      currency: 'EUR',
      converted: true,
      missing: [],
      blended: { spend: 320, new_customers: 5, cac: 64, previous: { spend: 90, new_customers: 1, cac: 90 } },
      paid: { spend: 320, new_customers: 4, cac: 80, previous: { spend: 90, new_customers: 1, cac: 90 } },
    });
    const rows = reply.data.channels.map((c: any) => [c.channel, c.currency, c.spend, c.new_customers, c.cac]);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['search', 'USD', 200, 2, 100],
        ['search', 'EUR', 100, 1, 100],
        ['social', 'GBP', 50, 1, 50],
      ]),
    );
    const table = reply.view!.tables![0]!.rows.map((r: unknown[]) => r.slice(0, 4).join(' | '));
    expect(table).toContain('*Total in EUR* (blended) | €320.00 | 5 | €64.00');
    expect(table).toContain('*Total in EUR* (paid) | €320.00 | 4 | €80.00');
    expect(reply.view!.notes!.join(' ')).toMatch(
      /Total in EUR at daily rates from \/import rates: each amount converted at the rate of its own day, or the latest rate before it/,
    );
  });

  it('/roi period=2026-10: ROI and ROAS in EUR from the converted sums, not an average of ratios', async () => {
    const reply = await run(bot, '/roi period=2026-10 as_of=2026-10-31');
    expect(reply.ok, JSON.stringify(reply.data)).toBe(true);
    expect(reply.data.reporting).toEqual({
      currency: 'EUR',
      converted: true,
      missing: [],
      total: { spend: 320, new_customers: 4, revenue: 250.5, cac: 80, roas: 0.7828, roi: -0.2172 },
    });
    const search = reply.data.channels.filter((c: any) => c.channel === 'search').map((c: any) => [c.currency, c.roi]);
    expect(search).toEqual([
      ['EUR', -0.2],
      ['USD', -0.25],
    ]);
    const total = reply.view!.tables![0]!.rows.find((r: unknown[]) => String(r[0]).startsWith('*Total in EUR*'))!;
    expect(total.slice(1, 7)).toEqual(['€320.00', '4', '€80.00', '€250.50', '0.78×', '-21.7%']);
  });

  it('window= applies before conversion: window=1 keeps each customer’s acquisition-day orders', async () => {
    const reply = await run(bot, '/roi period=2026-10 as_of=2026-10-31 window=1');
    // every paid customer's only order is on their acquisition day: same revenue as above
    expect(reply.data.reporting.total.revenue).toBe(250.5);
  });

  it('the digest shows the same totals: KPIs in EUR and /roi’s channel total, this period and the one before', async () => {
    const reply = await run(bot, '/digest preview period=month as_of=2026-11-01 sections=kpis,channels');
    expect(reply.ok, JSON.stringify(reply.data)).toBe(true);
    const { reporting } = reply.data;
    expect(reporting.kpis).toEqual({
      currency: 'EUR',
      converted: true,
      missing: [],
      revenue_cents: { value: 28_050, previous: 1_800 },
      spend_cents: { value: 32_000, previous: 9_000 },
    });
    const roi = await run(bot, '/roi from=2026-10-01 to=2026-10-31 as_of=2026-10-31');
    expect(reporting.channels).toEqual(roi.data.reporting);
    expect(reporting.previous_channels.total).toEqual({ spend: 90, new_customers: 1, revenue: 18, cac: 90, roas: 0.2, roi: -0.8 });
    const fields = Object.fromEntries(reply.view!.fields!.map((f: { label: string; value: string }) => [f.label, f.value]));
    expect(fields['Revenue (total in EUR)']).toMatch(/^€281 /);
    expect(fields['Spend (total in EUR)']).toMatch(/^€320 /);
    const table = reply.view!.tables!.find((t: { title?: string }) => t.title === 'CAC and ROI by channel')!;
    const total = table.rows.find((r: unknown[]) => String(r[0]).startsWith('*Total in EUR*'))!;
    expect([total[1], total[2], total[3], total[5]]).toEqual(['€320', '4', '€80', '-21.7%']);
    // the per-currency lines stay
    expect(reply.data.channels.map((c: any) => `${c.channel} ${c.currency}`).sort()).toEqual([
      '(no channel) EUR',
      'search EUR',
      'search USD',
      'social GBP',
    ]);
  });

  it('/cac channel= converts that channel alone; the answer leads with the total', async () => {
    const reply = await run(bot, '/cac period=2026-10 channel=search');
    // by hand: $200 × 0.80 + €100 = €260 over u1, u2, e1; September $100 × 0.90 = €90 over s1
    expect(reply.data.reporting).toMatchObject({
      converted: true,
      blended: { spend: 260, new_customers: 3, cac: 86.67, previous: { spend: 90, new_customers: 1, cac: 90 } },
      paid: null,
    });
    expect(reply.view!.text).toMatch(/CAC in EUR at daily rates \*€86\.67\* \(€260\.00 \/ 3 new customers\)/);
    const all = await run(bot, '/cac period=2026-10');
    expect(all.view!.text).toMatch(/blended CAC in EUR at daily rates \*€64\.00\*/);
  });

  it('the digest of a period with a currency without rates: no total, the note names it', async () => {
    const reply = await run(bot, '/digest preview period=month as_of=2026-12-01 sections=kpis,channels');
    expect(reply.ok, JSON.stringify(reply.data)).toBe(true);
    expect(reply.data.empty).toBe(false);
    expect(reply.data.reporting.kpis).toMatchObject({
      converted: false,
      missing: [{ currency: 'JPY', day: '2026-11-02' }],
      revenue_cents: null,
    });
    expect(reply.data.reporting.channels).toMatchObject({ converted: false, total: null });
    expect(reply.view!.notes!.join(' ')).toMatch(
      /No Total in EUR: no exchange rate for JPY \(none on or before 2026-11-02\).*\/import rates/,
    );
    expect(reply.view!.fields!.some((f: { label: string }) => f.label.includes('total in EUR'))).toBe(false);
    expect(reply.view!.fields!.find((f: { label: string }) => f.label === 'Spend (JPY)')?.value).toMatch(/^¥10,000/);
  });

  it('a currency without any rate: no total, a note naming it and what to do', async () => {
    const reply = await run(bot, '/cac period=2026-11');
    expect(reply.ok, JSON.stringify(reply.data)).toBe(true);
    expect(reply.data.reporting).toMatchObject({ converted: false, missing: [{ currency: 'JPY', day: '2026-11-02' }], blended: null });
    const notes = reply.view!.notes!.join(' ');
    expect(notes).toMatch(/No Total in EUR: no exchange rate for JPY \(none on or before 2026-11-02\)/);
    expect(notes).toMatch(/Import rates with \/import rates <file\|url>/);
    expect(reply.view!.tables![0]!.rows.some((r: unknown[]) => String(r[0]).includes('Total in EUR'))).toBe(false);
  });

  it('a day before the first rate of a currency is a gap too (rates never apply backwards)', async () => {
    const reply = await run(bot, '/cac period=2026-09');
    // September converts, but its previous period (August) has $10 on 08-20, before USD's first rate (09-01)
    expect(reply.data.reporting).toMatchObject({ converted: false, missing: [{ currency: 'USD', day: '2026-08-20' }] });
    const roi = await run(bot, '/roi period=2026-08 as_of=2026-08-31');
    expect(roi.data.reporting).toMatchObject({ converted: false, missing: [{ currency: 'USD', day: '2026-08-20' }], total: null });
    expect(roi.view!.notes!.join(' ')).toMatch(/no exchange rate for USD \(none on or before 2026-08-20\)/);
  });

  it('without REPORTING_CURRENCY money stays per currency and the answer says how to get a total', async () => {
    const cac = await run(plain, '/cac period=2026-10');
    expect(cac.data.reporting).toBeNull();
    expect(cac.view!.notes!.join(' ')).toMatch(/an admin sets REPORTING_CURRENCY .* \/import rates/);
    const roi = await run(plain, '/roi period=2026-10 as_of=2026-10-31');
    expect(roi.data.reporting).toBeNull();
    const digest = await run(plain, '/digest preview period=month as_of=2026-11-01 sections=kpis,channels');
    expect(digest.data.reporting).toBeNull();
    expect(digest.view!.notes!.join(' ')).toMatch(/REPORTING_CURRENCY/);
  });
});

describe('RateBook', () => {
  const book = new RateBook(
    'EUR',
    new Map([
      [
        'USD',
        [
          { date: '2026-10-01', rate: 0.8 },
          { date: '2026-10-06', rate: 0.85 },
        ],
      ],
    ]),
  );
  it('uses the rate of the day, else the latest before it, never a later one; the reporting currency is 1', () => {
    expect(book.rateOn('USD', '2026-09-30')).toBeNull();
    expect(book.rateOn('USD', '2026-10-01')).toBe(0.8);
    expect(book.rateOn('USD', '2026-10-05')).toBe(0.8);
    expect(book.rateOn('USD', '2026-10-06')).toBe(0.85);
    expect(book.rateOn('USD', '2027-01-01')).toBe(0.85);
    expect(book.rateOn('EUR', '1990-01-01')).toBe(1);
    expect(book.rateOn('GBP', '2026-10-06')).toBeNull();
  });
  it('rounds once, after summing (prorated monthly spend is fractional cents)', () => {
    const amounts = ['2026-10-05', '2026-10-06', '2026-10-07'].map((day) => ({ day, currency: 'USD', cents: 10_000 / 3 }));
    // 3333.33 × 0.8 + 2 × 3333.33 × 0.85 = 2666.67 + 5666.67 = 8333.33 → 8333
    expect(book.convert(amounts)).toEqual({ cents: 8333, missing: [] });
    expect(
      book.convert([
        { day: '2026-09-01', currency: 'USD', cents: 5 },
        { day: '2026-10-01', currency: 'JPY', cents: 5 },
      ]),
    ).toEqual({
      cents: null,
      missing: [
        { currency: 'JPY', day: '2026-10-01' },
        { currency: 'USD', day: '2026-09-01' },
      ],
    });
  });
});
