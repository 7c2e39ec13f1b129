import type { Insertable, Kysely } from 'kysely';
import { randomInt, seededRandom } from '../../src/util/random.ts';
import type { Database } from '../../src/store/schema.ts';

const CHANNELS = ['google', 'meta', 'email'];
const DAY = 86_400_000;
const iso = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * Twelve weeks of activity, 2026-08-31 (Mon) to 2026-11-22 (Sun): new customers per channel, orders and spend,
 * with the last week's revenue about three times the usual so it is an anomaly.
 */
export async function seedDigestStore(db: Kysely<Database>, seed = 7): Promise<void> {
  const random = seededRandom(seed);
  const start = Date.parse('2026-08-31');
  const at = '2026-11-23T00:00:00.000Z';
  const customers: Insertable<Database['customers']>[] = [];
  const orders: Database['orders'][] = [];
  const spend: Insertable<Database['spend']>[] = [];
  for (let day = 0; day < 84; day++) {
    const date = iso(start + day * DAY);
    const spike = day >= 77 ? 3 : 1;
    for (const channel of CHANNELS) {
      const count = randomInt(random, 1, 3);
      for (let i = 0; i < count; i++) {
        customers.push({
          customer_id: `c${customers.length + 1}`,
          email: null,
          name: null,
          signup_date: date,
          country: 'DE',
          acquisition_channel: channel,
          consent: 1,
          created_at: at,
          updated_at: at,
        });
      }
      spend.push({ date, channel, campaign: '', amount_cents: randomInt(random, 4_000, 6_000), currency: 'USD', updated_at: at });
    }
    const dailyOrders = randomInt(random, 4, 6);
    for (let i = 0; i < dailyOrders; i++) {
      const customer = customers[randomInt(random, 0, customers.length - 1)]!;
      const cents = randomInt(random, 2_000, 4_000) * spike;
      orders.push({
        order_id: `o${orders.length + 1}`,
        customer_id: customer.customer_id,
        order_date: date,
        gross_cents: cents,
        net_cents: cents,
        currency: 'USD',
        lines: 1,
        is_purchase: 1,
        updated_at: at,
      });
    }
  }
  for (let i = 0; i < customers.length; i += 200)
    await db
      .insertInto('customers')
      .values(customers.slice(i, i + 200))
      .execute();
  for (let i = 0; i < orders.length; i += 200)
    await db
      .insertInto('orders')
      .values(orders.slice(i, i + 200))
      .execute();
  for (let i = 0; i < spend.length; i += 200)
    await db
      .insertInto('spend')
      .values(spend.slice(i, i + 200))
      .execute();
}
