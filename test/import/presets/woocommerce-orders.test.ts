/**
 * preset=woocommerce-orders, on a hand-made export with the order columns documented at
 * https://woocommerce.com/document/import-and-export-of-woocommerce-orders/ (order_id, order_number,
 * order_date as MM/DD/YYYY H:i:s, status such as processing/completed/cancelled, order_total,
 * order_currency, customer_id, customer_email, billing_country). WooCommerce itself has no orders CSV
 * export: that page documents the Import Export Suite's. Refunded orders: the status is all the
 * documented columns tell (see the README).
 */
import { describe, expect, it } from 'vitest';
import { run } from '../../helpers/bot.ts';
import { ordersOf, presetTest } from './helpers.ts';

const t = presetTest({ BUSINESS_TZ: 'Europe/Paris' });

const EXPORT = [
  'order_id,order_number,order_date,paid_date,status,shipping_total,tax_total,order_total,order_subtotal,order_currency,payment_method,customer_id,customer_email,billing_country',
  '101,101,3/5/2026 14:00:00,3/5/2026 14:01:00,completed,5.00,13.42,80.50,62.08,EUR,stripe,7,Ann@Example.com,FR',
  // a guest (customer_id 0)
  '102,102,3/6/2026 9:05:00,3/6/2026 9:05:00,processing,0.00,3.33,19.99,16.66,EUR,paypal,0,guest@example.com,BE',
  '103,103,3/7/2026 10:00:00,,failed,0.00,0.00,50.00,50.00,EUR,stripe,8,cy@example.com,FR',
  '104,104,3/8/2026 10:00:00,3/8/2026 10:00:00,refunded,0.00,7.50,45.00,37.50,EUR,stripe,9,dee@example.com,FR',
  '105,105,3/9/2026 10:00:00,,cancelled,0.00,0.00,10.00,10.00,EUR,cod,7,ann@example.com,FR',
];

describe('/import orders preset=woocommerce-orders', () => {
  it('reads order_total in order_currency, the store-time order_date, and leaves failed and cancelled orders out', async () => {
    const reply = await run(t.bot, `/import orders ${t.file(EXPORT)} preset=woocommerce-orders`);
    expect(reply.ok).toBe(true);
    expect(reply.data).toMatchObject({ read: 5, inserted: 3, rejected: 0, skipped: 2 });
    expect(await ordersOf(t)).toEqual([
      // 14:00 in Paris (BUSINESS_TZ, winter time) is 13:00 UTC
      {
        order_id: '101',
        customer_id: 'ann@example.com',
        order_date: '2026-03-05T13:00:00.000Z',
        gross_cents: 8050,
        net_cents: 8050,
        currency: 'EUR',
        lines: 1,
        is_purchase: 1,
      },
      {
        order_id: '102',
        customer_id: 'guest@example.com',
        order_date: '2026-03-06T08:05:00.000Z',
        gross_cents: 1999,
        net_cents: 1999,
        currency: 'EUR',
        lines: 1,
        is_purchase: 1,
      },
      // refunded: the sale stays in gross, net revenue 0
      {
        order_id: '104',
        customer_id: 'dee@example.com',
        order_date: '2026-03-08T09:00:00.000Z',
        gross_cents: 4500,
        net_cents: 0,
        currency: 'EUR',
        lines: 1,
        is_purchase: 1,
      },
    ]);
  });
});
