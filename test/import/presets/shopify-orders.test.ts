/**
 * preset=shopify-orders, on a hand-made export in the documented format:
 * - column names: Shopify's order CSV columns (Name, Email, Financial Status with paid, partially_refunded,
 *   refunded, voided; Currency; Subtotal, Shipping, Taxes, Total; Created at; Lineitem quantity/name/price;
 *   Cancelled at; Refunded Amount; Id), https://help.shopify.com/en/manual/migrating-to-shopify/transporter-app/csv-orders
 * - one row per line item, order-level fields (financial status, totals) on the order's first row only,
 *   `Created at` as "2025-10-07 09:50:26 +0200": https://docs.xbp.app/docs/development/integrations/shopify/order-format
 * Shopify's page on the admin export itself was not found in the stored documentation (see the README).
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../helpers/bot.ts';
import { ordersOf, presetTest } from './helpers.ts';

const t = presetTest({ BUSINESS_TZ: 'America/New_York' });

const HEADER =
  'Name,Email,Financial Status,Paid at,Fulfillment Status,Fulfilled at,Accepts Marketing,Currency,Subtotal,Shipping,Taxes,Total,Discount Code,Discount Amount,Shipping Method,Created at,Lineitem quantity,Lineitem name,Lineitem price,Lineitem compare at price,Lineitem sku,Lineitem requires shipping,Lineitem taxable,Lineitem fulfillment status,Billing Name,Billing Country,Cancelled at,Refunded Amount,Id';

const EXPORT = [
  HEADER,
  // two lines: the order's money on the first row only (2 × 20.00 + 1 × 10.00 = 50.00 subtotal, + 5.00 shipping + 10.00 taxes = 65.00)
  '#1001,ann@example.com,paid,2026-03-01 23:31:00 +0100,fulfilled,,yes,EUR,50.00,5.00,10.00,65.00,,0.00,Standard,2026-03-01 23:30:00 +0100,2,Mug,20.00,,MUG-1,true,true,fulfilled,Ann Lee,FR,,0.00,5550001',
  '#1001,ann@example.com,,,,,,,,,,,,,,2026-03-01 23:30:00 +0100,1,Bowl,10.00,,BOWL-1,true,true,fulfilled,,,,,',
  // a partial refund of 15.00 of 40.00
  '#1002,Bob@Example.com,partially_refunded,2026-03-02 10:00:00 -0500,fulfilled,,no,EUR,40.00,0.00,0.00,40.00,,0.00,,2026-03-02 10:00:00 -0500,1,Lamp,40.00,,LAMP-1,true,true,fulfilled,Bob,DE,,15.00,5550002',
  // voided: no payment taken, both rows left out
  '#1003,cy@example.com,voided,,unfulfilled,,no,EUR,30.00,0.00,0.00,30.00,,0.00,,2026-03-03 08:00:00 -0500,1,Cup,15.00,,CUP-1,true,true,,Cy,US,2026-03-03 09:00:00 -0500,0.00,5550003',
  '#1003,cy@example.com,,,,,,,,,,,,,,2026-03-03 08:00:00 -0500,1,Cup,15.00,,CUP-1,true,true,,,,,,',
  // cancelled and refunded in full
  '#1004,dee@example.com,refunded,2026-03-04 12:00:00 +0000,restocked,,no,EUR,25.00,0.00,0.00,25.00,,0.00,,2026-03-04 12:00:00 +0000,1,Vase,25.00,,VASE-1,true,true,,Dee,US,2026-03-05 12:00:00 +0000,25.00,5550004',
];

describe('/import orders preset=shopify-orders', () => {
  it('makes one order per Name from its first row’s Total, takes refunds off net revenue and leaves voided orders out', async () => {
    const reply = await run(t.bot, `/import orders ${t.file(EXPORT)} preset=shopify-orders`);
    expect(reply.ok).toBe(true);
    expect(reply.data).toMatchObject({ read: 6, inserted: 3, rejected: 0, preset: 'shopify-orders', skipped: 2 });
    expect((reply.view.notes ?? []).join(' ')).toMatch(/Left out by the shopify-orders preset .*2 × voided order/);
    expect(await ordersOf(t)).toEqual([
      // 23:30 at +01:00 is 22:30 UTC (the offset wins over BUSINESS_TZ); the Bowl row adds a line, not money
      {
        order_id: '#1001',
        customer_id: 'ann@example.com',
        order_date: '2026-03-01T22:30:00.000Z',
        gross_cents: 6500,
        net_cents: 6500,
        currency: 'EUR',
        lines: 2,
        is_purchase: 1,
      },
      {
        order_id: '#1002',
        customer_id: 'bob@example.com',
        order_date: '2026-03-02T15:00:00.000Z',
        gross_cents: 4000,
        net_cents: 2500,
        currency: 'EUR',
        lines: 1,
        is_purchase: 1,
      },
      {
        order_id: '#1004',
        customer_id: 'dee@example.com',
        order_date: '2026-03-04T12:00:00.000Z',
        gross_cents: 2500,
        net_cents: 0,
        currency: 'EUR',
        lines: 1,
        is_purchase: 1,
      },
    ]);
    // the Id column is Shopify's order id, not a customer: with a preset, header aliases are off
    const customers = await t.store.db.selectFrom('customers').select(['customer_id', 'country']).orderBy('customer_id').execute();
    expect(customers).toEqual([
      { customer_id: 'ann@example.com', country: 'FR' },
      { customer_id: 'bob@example.com', country: 'DE' },
      { customer_id: 'dee@example.com', country: 'US' },
    ]);
  });

  it('says which columns a file lacks for the preset', async () => {
    const reply = await run(t.bot, `/import orders ${t.file(['Order,Customer,Date,Amount', '1,c1,2026-03-01,10'])} preset=shopify-orders`);
    expect(reply.ok).toBe(false);
    expect(reply.data.error.code).toBe('preset_columns_missing');
    expect(reply.data.error.message).toMatch(
      /does not look like a Shopify orders export: it has no `Name`, `Email`, `Created at`, `Total`, `Financial Status` columns/,
    );
  });
});
