import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchCustomerFeatures, type CustomerFeatures } from '../../src/segmentation/customer-features.ts';
import { sqlitePath } from '../../src/store/database.ts';
import { createTestStore, testPostgresUrl, type TestStore } from '../helpers/store.ts';

// The streaming read (SQLite file, dates as day numbers in SQL) and the paged read (PostgreSQL,
// in-memory SQLite; dates converted in TS) must give the same features.
let store: TestStore;
const AS_OF = '2026-06-30';
const FEATURES = ['recency', 'frequency', 'monetary', 'tenure', 'aov', 'age'];

beforeAll(async () => {
  store = await createTestStore();
  const now = '2026-07-01T00:00:00Z';
  const customer = (customer_id: string, signup_date: string | null) => ({
    customer_id,
    signup_date,
    email: null,
    name: null,
    country: null,
    acquisition_channel: null,
    consent: 0,
    created_at: now,
    updated_at: now,
  });
  await store.db
    .insertInto('customers')
    .values([
      customer('A', '2026-01-15'),
      customer('B', '2026-05-01T09:30:00Z'), // signed up after the first purchase, a timestamp
      customer('C', null), // orders only after as_of
      customer('D', null), // never ordered
      customer('E', '2025-12-31'), // only a return
    ])
    .execute();
  const order = (order_id: string, customer_id: string, order_date: string, net_cents: number, is_purchase = 1) => ({
    order_id,
    customer_id,
    order_date,
    gross_cents: Math.max(0, net_cents),
    net_cents,
    currency: 'EUR',
    lines: 1,
    is_purchase,
    updated_at: now,
  });
  await store.db
    .insertInto('orders')
    .values([
      order('o1', 'A', '2026-02-01', 10_000),
      order('o2', 'A', '2026-06-20', 5_050),
      order('o3', 'A', '2026-06-30', 2_000), // on as_of: counted
      order('o4', 'B', '2026-03-01', 4_000),
      order('o5', 'B', '2026-04-10', -1_000, 0), // a return: revenue, not an order
      order('o6', 'C', '2026-07-01', 9_900), // after as_of: ignored
      order('o7', 'E', '2026-03-03', -500, 0),
    ])
    .execute();
  await store.db
    .insertInto('customer_attributes')
    .values([{ customer_id: 'B', name: 'age', value: 41 }])
    .execute();
});
afterAll(async () => store.close());

function byCustomer(features: CustomerFeatures): Record<string, Record<string, number | null>> {
  const dims = features.names.length;
  return Object.fromEntries(
    features.ids.map((id, i) => [
      id,
      {
        ...Object.fromEntries(
          features.names.map((name, d) => [name, Number.isNaN(features.values[i * dims + d]) ? null : features.values[i * dims + d]]),
        ),
        purchased: features.purchased[i],
        revenue: features.revenue[i],
      },
    ]),
  );
}

const EXPECTED = {
  A: { recency: 0, frequency: 3, monetary: 170.5, tenure: 166, aov: 170.5 / 3, age: null, purchased: 1, revenue: 170.5 },
  B: { recency: 121, frequency: 1, monetary: 30, tenure: 121, aov: 30, age: 41, purchased: 1, revenue: 30 },
  C: { recency: null, frequency: 0, monetary: null, tenure: null, aov: null, age: null, purchased: 0, revenue: 0 },
  D: { recency: null, frequency: 0, monetary: null, tenure: null, aov: null, age: null, purchased: 0, revenue: 0 },
  E: { recency: null, frequency: 0, monetary: null, tenure: 181, aov: null, age: null, purchased: 0, revenue: -5 },
};

describe('fetchCustomerFeatures', () => {
  it('reads hand-checked features a page of customers at a time', async () => {
    const features = await fetchCustomerFeatures(store.db, { features: FEATURES, asOf: AS_OF, zone: 'UTC', pageSize: 2 });
    expect(features.ids).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(byCustomer(features)).toEqual(EXPECTED);
  });

  it.skipIf(testPostgresUrl() !== undefined)('reads the same in one streaming pass over the SQLite file', async () => {
    const features = await fetchCustomerFeatures(store.db, {
      features: FEATURES,
      asOf: AS_OF,
      zone: 'UTC',
      sqliteFile: sqlitePath(store.url),
    });
    expect(features.ids).toEqual(['A', 'B', 'C', 'D', 'E']);
    expect(byCustomer(features)).toEqual(EXPECTED);
  });
});
