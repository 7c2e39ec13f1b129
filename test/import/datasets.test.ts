import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { datasetPath, hasDataset } from '../helpers/datasets.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

let store: TestStore;
let bot: Bot;
beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url } });
});
afterAll(async () => store.close());

describe.skipIf(!hasDataset('online-retail/onlineretail.csv.gz'))('Online Retail imported as orders', () => {
  it('needs no map=, rejects the 135,080 lines without a customer id and holds 18,536 purchases of 4,339 customers worth 8,911,407.90 (free orders are purchases worth 0)', async () => {
    const reply = await run(bot, `/import orders ${datasetPath('online-retail/onlineretail.csv.gz')}`);
    expect(reply.ok).toBe(true);
    expect(reply.data).toMatchObject({ read: 541_909, rejected: 135_080, rejection_reasons: { 'missing customer_id': 135_080 } });
    const purchases = await store.db
      .selectFrom('orders')
      .where('is_purchase', '=', 1)
      .select((eb) => [
        eb.fn.countAll<number>().as('orders'),
        eb.fn.count<number>('customer_id').distinct().as('customers'),
        eb.fn.sum<number>('gross_cents').as('gross'),
      ])
      .executeTakeFirstOrThrow();
    // ../shared/datasets/README.md says 18,532 of 4,338: it leaves out the 4 free invoices (quantity > 0, price 0)
    expect(Number(purchases.orders)).toBe(18_536);
    expect(Number(purchases.customers)).toBe(4_339);
    expect(Number(purchases.gross)).toBe(891_140_790);
  }, 120_000);
});

describe.skipIf(!hasDataset('mall-customers/Mall_Customers.csv'))('Mall Customers imported as customers', () => {
  it('keeps age, annual_income and spending_score as attributes', async () => {
    const reply = await run(bot, `/import customers ${datasetPath('mall-customers/Mall_Customers.csv')}`);
    expect(reply.data).toMatchObject({ read: 200, inserted: 200, rejected: 0 });
    const counts = await store.db
      .selectFrom('customer_attributes')
      .select(['name', (eb) => eb.fn.countAll<number>().as('n')])
      .groupBy('name')
      .orderBy('name')
      .execute();
    expect(counts.map((c) => [c.name, Number(c.n)])).toEqual([
      ['age', 200],
      ['annual_income', 200],
      ['spending_score', 200],
    ]);
    const first = await store.db
      .selectFrom('customer_attributes')
      .select(['name', 'value'])
      .where('customer_id', '=', '1')
      .orderBy('name')
      .execute();
    expect(first).toEqual([
      { name: 'age', value: 19 },
      { name: 'annual_income', value: 15 },
      { name: 'spending_score', value: 39 },
    ]);
  });
});
