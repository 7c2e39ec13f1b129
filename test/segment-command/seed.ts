import type { Kysely } from 'kysely';
import type { Database } from '../../src/store/schema.ts';
import { addDays } from '../../src/core/dates.ts';
import { randomNormal, seededRandom } from '../../src/util/random.ts';

const AT = '2026-11-25T00:00:00.000Z';

export interface SeedCustomer {
  id: string;
  email?: string;
  signup?: string;
  attributes?: Record<string, number>;
  /** [date, net amount, is_purchase?] */
  orders?: [string, number, number?][];
}

export async function seedCustomers(db: Kysely<Database>, customers: SeedCustomer[]): Promise<void> {
  const chunk = <T>(rows: T[], size: number) =>
    Array.from({ length: Math.ceil(rows.length / size) }, (_, i) => rows.slice(i * size, i * size + size));
  const customerRows = customers.map((c) => ({
    customer_id: c.id,
    email: c.email ?? `${c.id.toLowerCase()}@example.com`,
    name: null,
    signup_date: c.signup ?? null,
    country: null,
    acquisition_channel: null,
    consent: 1,
    created_at: AT,
    updated_at: AT,
  }));
  for (const rows of chunk(customerRows, 500)) await db.insertInto('customers').values(rows).execute();
  const attributes = customers.flatMap((c) =>
    Object.entries(c.attributes ?? {}).map(([name, value]) => ({ customer_id: c.id, name, value })),
  );
  for (const rows of chunk(attributes, 500)) await db.insertInto('customer_attributes').values(rows).execute();
  const orders = customers.flatMap((c) =>
    (c.orders ?? []).map(([date, amount, purchase], n) => ({
      order_id: `${c.id}-${n + 1}`,
      customer_id: c.id,
      order_date: date,
      gross_cents: Math.max(0, Math.round(amount * 100)),
      net_cents: Math.round(amount * 100),
      currency: 'USD',
      lines: 1,
      is_purchase: purchase ?? 1,
      updated_at: AT,
    })),
  );
  for (const rows of chunk(orders, 500)) await db.insertInto('orders').values(rows).execute();
}

/**
 * Seeded customers from three personas (recent frequent big spenders, recent one-off buyers,
 * lapsed low spenders) plus `withoutOrders` customers who never bought, up to 2026-06-30.
 */
export function personaCustomers(count: number, withoutOrders: number, seed = 5): SeedCustomer[] {
  const random = seededRandom(seed);
  const personas = [
    { recency: 10, orders: 8, value: 120 },
    { recency: 20, orders: 1, value: 40 },
    { recency: 250, orders: 2, value: 25 },
  ];
  const out: SeedCustomer[] = [];
  for (let i = 0; i < count; i++) {
    const p = personas[i % 3];
    const last = addDays('2026-06-30', -Math.max(0, Math.round(p.recency * (0.5 + random()))));
    const n = Math.max(1, Math.round(p.orders * (0.6 + 0.8 * random())));
    const orders: [string, number][] = Array.from({ length: n }, (_, j) => [
      addDays(last, -j * 20),
      Math.round(p.value * Math.exp(randomNormal(random, 0, 0.2)) * 100) / 100,
    ]);
    out.push({
      id: `C${String(i + 1).padStart(5, '0')}`,
      signup: addDays(last, -(n * 20 + 30)),
      attributes: { plan: 1, age: 20 + Math.round(random() * 40) },
      orders,
    });
  }
  for (let i = 0; i < withoutOrders; i++)
    out.push({ id: `N${String(i + 1).padStart(5, '0')}`, signup: '2026-05-01', attributes: { plan: 1, age: 30 } });
  return out;
}
