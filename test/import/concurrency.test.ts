import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

// Imports run one per kind at a time across instances (the `import:<kind>` lease); kinds run side by side.
let store: TestStore;
let bot: Bot;
let files: string;
const ORDERS = 3_000;
const CUSTOMERS = 2_000;

const alice = { platform: 'slack' as const, userId: 'UALICE', channelId: 'C1' };
const bob = { platform: 'slack' as const, userId: 'UBOB', channelId: 'C1' };

beforeAll(async () => {
  store = await createTestStore();
  files = path.join(store.dir, 'files');
  mkdirSync(files, { recursive: true });
  const orders = ['order_id,customer_id,order_date,amount'];
  for (let i = 0; i < ORDERS; i++) orders.push(`o${i},c${i % 500},2026-10-${String((i % 28) + 1).padStart(2, '0')},${(i % 90) + 10}.50`);
  writeFileSync(path.join(files, 'orders.csv'), `${orders.join('\n')}\n`);
  const customers = ['customer_id,email,signup_date,acquisition_channel'];
  for (let i = 0; i < CUSTOMERS; i++) customers.push(`k${i},k${i}@example.com,2026-09-01,organic`);
  writeFileSync(path.join(files, 'customers.csv'), `${customers.join('\n')}\n`);
  // The worker opens the same store, as in production.
  bot = await createTestBot(store.db, store.dir, { env: { DATABASE_URL: store.url, IMPORT_DIR: files } });
  for (const caller of [alice, bob])
    await store.db
      .insertInto('role_grants')
      .values({ platform: 'slack', user_id: caller.userId, role: 'analyst', granted_by: 'test', granted_at: '2026-11-25T00:00:00Z' })
      .execute();
});
afterAll(async () => store.close());
beforeEach(async () => {
  for (const table of ['customer_attributes', 'orders', 'customers'] as const) await store.db.deleteFrom(table).execute();
});

const count = async (table: 'orders' | 'customers') =>
  Number(
    (
      await store.db
        .selectFrom(table)
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow()
    ).n,
  );

describe('concurrent imports', () => {
  it('two imports of the same kind at once: one runs, the other is told who runs it', async () => {
    const file = path.join(files, 'orders.csv');
    const replies = await Promise.all([run(bot, `/import orders ${file}`, alice), run(bot, `/import orders ${file}`, bob)]);
    const done = replies.filter((r) => r.ok);
    const refused = replies.filter((r) => !r.ok);
    expect(done).toHaveLength(1);
    expect(refused).toHaveLength(1);
    expect(done[0]!.data).toMatchObject({ read: ORDERS, inserted: ORDERS, rejected: 0 });
    expect(refused[0]!.data.error.code).toBe('import_running');
    const winner = replies[0]!.ok ? 'UALICE' : 'UBOB';
    expect(refused[0]!.data.error.message).toMatch(
      new RegExp(
        `An orders import is already running \\(started by <@${winner}> at \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC\\); try again when it finishes`,
      ),
    );
    expect(await count('orders')).toBe(ORDERS);
    // the lease is released: the next import runs (the same file: recognised, not read again)
    expect((await run(bot, `/import orders ${file}`, bob)).data).toMatchObject({ read: 0, inserted: 0, unchanged: ORDERS });
    expect(await store.db.selectFrom('leases').selectAll().where('key', 'like', 'import:%').execute()).toEqual([]);
  }, 60_000);

  it('imports of different kinds at once both complete, each with all its rows (staging cleared by import id)', async () => {
    const [orders, customers] = await Promise.all([
      run(bot, `/import orders ${path.join(files, 'orders.csv')} force=true`, alice),
      run(bot, `/import customers ${path.join(files, 'customers.csv')}`, bob),
    ]);
    expect(orders.ok, JSON.stringify(orders.data)).toBe(true);
    expect(customers.ok, JSON.stringify(customers.data)).toBe(true);
    expect(orders.data).toMatchObject({ read: ORDERS, inserted: ORDERS, rejected: 0 });
    expect(customers.data).toMatchObject({ read: CUSTOMERS, rejected: 0 });
    expect(await count('orders')).toBe(ORDERS);
    // 500 customers created by the orders, 2,000 by the customers file
    expect(await count('customers')).toBe(CUSTOMERS + 500);
    for (const table of ['import_staging_customers', 'import_staging_order_lines'] as const) {
      expect(
        Number(
          (
            await store.db
              .selectFrom(table)
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        ),
      ).toBe(0);
    }
  }, 60_000);
});
