/**
 * preset=stripe-payments, on a hand-made payments export (Payments > Export):
 * - columns ID, Created (UTC), Amount, Currency, Converted Amount, Converted Currency, Customer ID from
 *   https://docs.cello.so/guides/attribution/stripe-reports (a guide to that export, not Stripe's own page);
 * - Amount Refunded, Status (Paid, Refunded, Failed), Captured, Customer Email and the newer header
 *   "Created date (UTC)" are as public parsers of unified_payments.csv read them: no documentation page
 *   was found for them (see the README). Amounts are decimals in the payment's currency, not cents.
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../helpers/bot.ts';
import { ordersOf, presetTest } from './helpers.ts';

const t = presetTest({ BUSINESS_TZ: 'Europe/Paris' });

const HEADER =
  'id,Description,Seller Message,Created date (UTC),Amount,Amount Refunded,Currency,Converted Amount,Converted Amount Refunded,Fee,Taxes On Fee,Converted Currency,Status,Captured,Customer ID,Customer Description,Customer Email';

const EXPORT = [
  HEADER,
  'ch_1,Order 1,Payment complete.,2026-03-01 10:00:00,49.99,0.00,usd,45.50,0.00,1.75,0.00,eur,Paid,true,cus_A,,ann@example.com',
  // partially refunded: still Paid, Amount Refunded 5.00
  'ch_2,Order 2,Payment complete.,2026-03-02 23:30:00,20.00,5.00,eur,20.00,5.00,0.55,0.00,eur,Paid,true,,,Bob@Example.com',
  'ch_3,Order 3,The bank declined.,2026-03-03 09:00:00,99.00,0.00,eur,99.00,0.00,0.00,0.00,eur,Failed,false,cus_C,,cy@example.com',
  'ch_4,Order 4,Payment complete.,2026-03-04 09:00:00,30.00,30.00,eur,30.00,30.00,0.72,0.00,eur,Refunded,true,cus_D,,dee@example.com',
  'ch_5,Order 5,Authorized.,2026-03-05 09:00:00,12.00,0.00,eur,12.00,0.00,0.00,0.00,eur,Paid,false,cus_E,,eve@example.com',
];

describe('/import orders preset=stripe-payments', () => {
  it('reads decimal amounts in each payment’s currency, UTC times, refunds off net revenue, and leaves failed and uncaptured payments out', async () => {
    const reply = await run(t.bot, `/import orders ${t.file(EXPORT)} preset=stripe-payments`);
    expect(reply.ok).toBe(true);
    expect(reply.data).toMatchObject({ read: 5, inserted: 3, rejected: 0, skipped: 2 });
    expect(await ordersOf(t)).toEqual([
      // 10:00 UTC stays 10:00Z although BUSINESS_TZ is Paris; Amount, not the Converted Amount
      {
        order_id: 'ch_1',
        customer_id: 'cus_A',
        order_date: '2026-03-01T10:00:00.000Z',
        gross_cents: 4999,
        net_cents: 4999,
        currency: 'USD',
        lines: 1,
        is_purchase: 1,
      },
      // no Customer ID: the email, lower-cased
      {
        order_id: 'ch_2',
        customer_id: 'bob@example.com',
        order_date: '2026-03-02T23:30:00.000Z',
        gross_cents: 2000,
        net_cents: 1500,
        currency: 'EUR',
        lines: 1,
        is_purchase: 1,
      },
      {
        order_id: 'ch_4',
        customer_id: 'cus_D',
        order_date: '2026-03-04T09:00:00.000Z',
        gross_cents: 3000,
        net_cents: 0,
        currency: 'EUR',
        lines: 1,
        is_purchase: 1,
      },
    ]);
  });

  it('map= overrides one column of the preset: the email as the customer although a Customer ID is there', async () => {
    const reply = await run(t.bot, `/import orders ${t.file(EXPORT)} preset=stripe-payments map="Customer Email:customer_id"`);
    expect(reply.ok).toBe(true);
    expect((await ordersOf(t)).map((o) => [o.order_id, o.customer_id])).toEqual([
      ['ch_1', 'ann@example.com'],
      // a column named in map= is read as written
      ['ch_2', 'Bob@Example.com'],
      ['ch_4', 'dee@example.com'],
    ]);
  });
});
