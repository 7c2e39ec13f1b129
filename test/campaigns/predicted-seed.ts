import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.ts';
import { randomInt, seededRandom } from '../../src/util/random.ts';
import { ids } from './fixtures.ts';

/**
 * A base the CLV model can be fitted on, in three groups whose predicted audiences are known by design,
 * dated back from `asOf`:
 * - lapsed: big spenders who bought 6 to 9 times between 420 and 250 days ago, then stopped
 *   (value above the median, P(alive) near 0: the churn-risk audience);
 * - active: big spenders who buy every 8 to 16 days up to the last week (P(alive) near 1, about two
 *   purchases expected in 30 days: the likely buyers, and the top CLV);
 * - once: one small purchase each (below the median; x = 0 so P(alive) is 1).
 */
export interface PredictedBase {
  lapsed: string[];
  active: string[];
  once: string[];
}

const DAY_MS = 86_400_000;
const dayBefore = (asOf: string, days: number) => new Date(Date.parse(`${asOf}T00:00:00Z`) - days * DAY_MS).toISOString().slice(0, 10);

export async function seedPredictedBase(
  db: Kysely<Database>,
  asOf: string,
  options: { seed?: number; names?: Record<string, string | null> } = {},
): Promise<PredictedBase> {
  const random = seededRandom(options.seed ?? 7);
  const base: PredictedBase = { lapsed: ids('L', 40), active: ids('A', 80), once: ids('O', 150) };
  const at = `${asOf}T00:00:00.000Z`;
  const customers = [...base.lapsed, ...base.active, ...base.once].map((id) => ({
    customer_id: id,
    email: `${id.toLowerCase()}@example.com`,
    name: options.names && id in options.names ? options.names[id]! : `Pat ${id}`,
    signup_date: dayBefore(asOf, 430),
    country: 'US',
    acquisition_channel: 'organic',
    consent: 1,
    created_at: at,
    updated_at: at,
  }));
  for (let i = 0; i < customers.length; i += 100)
    await db
      .insertInto('customers')
      .values(customers.slice(i, i + 100))
      .execute();
  const orders: Database['orders'][] = [];
  const order = (customer: string, daysBack: number, cents: number) =>
    orders.push({
      order_id: `${customer}-${orders.length + 1}`,
      customer_id: customer,
      order_date: dayBefore(asOf, daysBack),
      gross_cents: cents,
      net_cents: cents,
      currency: 'USD',
      lines: 1,
      is_purchase: 1,
      updated_at: at,
    });
  for (const id of base.lapsed) {
    const times = randomInt(random, 6, 9);
    let day = randomInt(random, 400, 420);
    for (let k = 0; k < times && day >= 250; k++, day -= randomInt(random, 15, 25)) order(id, day, randomInt(random, 8000, 15000));
  }
  for (const id of base.active) {
    let day = randomInt(random, 380, 420);
    while (day >= 7) {
      order(id, day, randomInt(random, 6000, 12000));
      day -= randomInt(random, 8, 16);
    }
    order(id, randomInt(random, 1, 6), randomInt(random, 6000, 12000));
  }
  for (const id of base.once) order(id, randomInt(random, 10, 300), randomInt(random, 1000, 3000));
  for (let i = 0; i < orders.length; i += 200)
    await db
      .insertInto('orders')
      .values(orders.slice(i, i + 200))
      .execute();
  return base;
}
