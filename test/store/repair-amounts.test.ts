import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import type { Caller } from '../../src/core/context.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, type TestStore } from '../helpers/store.ts';

let store: TestStore;
let bot: Bot;
const at = '2026-11-01T00:00:00.000Z';

beforeAll(async () => {
  store = await createTestStore();
  bot = await createTestBot(store.db, store.dir, { now: () => new Date('2026-12-04T12:00:00Z') });
  const postgres = store.dialect === 'postgres';
  await store.db
    .insertInto('customers')
    .values(['C1', 'C2'].map((customer_id) => ({ customer_id, consent: 1, created_at: at, updated_at: at })))
    .execute();
  // What earlier versions stored for an amount of 1e308: SQLite kept an infinity; PostgreSQL's bigint cannot, so a huge finite one.
  const huge = postgres ? 1e17 : Infinity;
  const order = (order_id: string, net: number) => ({
    order_id,
    customer_id: 'C1',
    order_date: '2026-01-01',
    gross_cents: Math.max(net, 0),
    net_cents: net,
    currency: 'USD',
    lines: 1,
    is_purchase: 1,
    updated_at: at,
  });
  await store.db
    .insertInto('orders')
    .values([order('GOOD', 1250), order('BAD+', huge), order('BAD-', -huge), order('EDGE', 100_000_000_000_000)])
    .execute();
  await store.db
    .insertInto('spend')
    .values([
      { date: '2026-01-01', channel: 'google', campaign: '', amount_cents: 500, currency: 'USD', updated_at: at },
      { date: '2026-01-02', channel: 'google', campaign: 'x', amount_cents: huge, currency: 'USD', updated_at: at },
    ])
    .execute();
  await store.db
    .insertInto('customer_attributes')
    .values([
      { customer_id: 'C1', name: 'age', value: 31 },
      { customer_id: 'C1', name: 'score', value: Infinity },
      ...(postgres ? [{ customer_id: 'C2', name: 'score', value: NaN }] : []),
    ])
    .execute();
});
afterAll(async () => store.close());

const bad = () => (store.dialect === 'postgres' ? 5 : 4);

describe('/admin repair', () => {
  it('lists stored amounts that are infinite, NaN or past ±10^12, changing nothing', async () => {
    const reply = await run(bot, '/admin repair');
    expect(reply.ok).toBe(true);
    const found = reply.data.found as { table: string; key: string; column: string; value: string }[];
    expect(found.map((f) => `${f.table}:${f.key}`).sort()).toEqual(
      [
        'customer_attributes:C1 · score',
        ...(store.dialect === 'postgres' ? ['customer_attributes:C2 · score'] : []),
        'orders:BAD+',
        'orders:BAD-',
        'spend:2026-01-02 · google · x',
      ].sort(),
    );
    expect(found.find((f) => f.key === 'C1 · score')!.value).toBe('Infinity');
    if (store.dialect === 'sqlite') expect(found.find((f) => f.key === 'BAD-')!.value).toBe('-Infinity');
    expect(reply.view.text).toMatch(
      new RegExp(`^Found ${bad()} stored amounts .* Nothing was changed: run \`/admin repair confirm=true\``),
    );
    expect(await store.db.selectFrom('orders').select('order_id').execute()).toHaveLength(4);
  });

  it('is for admins only, and the refusal is audited', async () => {
    const marketer: Caller = { platform: 'slack', userId: 'U_NOBODY', channelId: 'C1' };
    const reply = await run(bot, '/admin repair confirm=true', marketer);
    expect(reply.data.error.code).toBe('forbidden');
    await bot.settled();
    const last = await store.db.selectFrom('audit_log').selectAll().orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow();
    expect([last.user_id, last.command, last.outcome]).toEqual(['U_NOBODY', 'admin repair', 'denied']);
    expect(await store.db.selectFrom('orders').select('order_id').execute()).toHaveLength(4);
  });

  it('confirm=true removes exactly those rows, audited; metrics sum again; a second run finds nothing', async () => {
    const reply = await run(bot, '/admin repair confirm=true');
    expect(reply.ok).toBe(true);
    expect(reply.data.removed).toBe(true);
    expect(reply.data.found).toHaveLength(bad());
    expect(reply.view.text).toMatch(new RegExp(`^Removed ${bad()} stored amounts`));
    const orders = await store.db.selectFrom('orders').select(['order_id', 'net_cents']).orderBy('order_id').execute();
    expect(orders.map((o) => [o.order_id, Number(o.net_cents)])).toEqual([
      ['EDGE', 100_000_000_000_000],
      ['GOOD', 1250],
    ]);
    expect(await store.db.selectFrom('spend').select('amount_cents').execute()).toEqual([{ amount_cents: 500 }]);
    expect(await store.db.selectFrom('customer_attributes').select(['customer_id', 'name']).execute()).toEqual([
      { customer_id: 'C1', name: 'age' },
    ]);
    await bot.settled();
    const audit = await store.db
      .selectFrom('audit_log')
      .selectAll()
      .where('command', '=', 'admin repair')
      .where('outcome', '=', 'ok')
      .orderBy('id')
      .execute();
    expect(audit.map((a) => JSON.parse(a.options) as unknown)).toEqual([{ confirm: false }, { confirm: true }]);
    const again = await run(bot, '/admin repair');
    expect(again.data.found).toEqual([]);
    expect(again.view.text).toMatch(/nothing to repair/);
  });
});
