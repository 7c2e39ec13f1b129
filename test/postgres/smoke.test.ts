import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import type { Caller } from '../../src/core/context.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, testPostgresUrl, type TestStore } from '../helpers/store.ts';

// Runs in both passes; in the PostgreSQL pass (TEST_DATABASE_URL=postgres://…) the store is a schema of its own.
const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../examples');
const admin: Caller = { platform: 'slack', userId: 'U_ADMIN', channelId: 'C1' };
const viewer: Caller = { platform: 'slack', userId: 'U_VIEW', channelId: 'C1' };

let store: TestStore;
let bot: Bot;
beforeAll(async () => {
  store = await createTestStore();
  // DATABASE_URL: the import worker opens the same store (the PostgreSQL schema) on its own connection.
  bot = await createTestBot(store.db, store.dir, {
    // the admin is a Slack user: local files come from IMPORT_DIR, here the examples folder
    env: { DATABASE_URL: store.url, BOT_ADMINS: 'U_ADMIN', IMPORT_DIR: examples },
    now: () => new Date('2026-11-25T10:00:00Z'),
  });
});
afterAll(async () => store?.close());

describe(`smoke on ${testPostgresUrl() ? 'PostgreSQL' : 'SQLite'}`, () => {
  it('is on the store the pass asks for', () => {
    expect(store.dialect).toBe(testPostgresUrl() ? 'postgres' : 'sqlite');
  });

  it('/help lists the commands and explains one', async () => {
    const all = await run(bot, '/help', admin);
    expect(all.ok).toBe(true);
    expect(all.view.text ?? '').not.toBe('');
    expect((await run(bot, '/help audit', admin)).ok).toBe(true);
  });

  it('/admin grant, roles and revoke; a refusal for a viewer', async () => {
    expect((await run(bot, '/admin roles', viewer)).ok).toBe(false);
    expect((await run(bot, '/admin grant U_VIEW analyst', admin)).ok).toBe(true);
    expect((await run(bot, '/admin roles', viewer)).view.text).toContain('you have *analyst*');
    expect((await run(bot, '/admin revoke U_VIEW', admin)).ok).toBe(true);
    const grants = await store.db.selectFrom('role_grants').selectAll().execute();
    expect(grants.filter((g) => g.user_id === 'U_VIEW')).toEqual([]);
  });

  it('/import customers and orders from the examples through the worker', async () => {
    const customers = await run(bot, `/import customers ${path.join(examples, 'customers.csv')}`, admin);
    expect(customers.ok, customers.view.text).toBe(true);
    expect(customers.data).toMatchObject({ read: 5000, inserted: 5000, rejected: 0 });
    const orders = await run(bot, `/import orders ${path.join(examples, 'orders.csv')}`, admin);
    expect(orders.ok, orders.view.text).toBe(true);
    const counted = await store.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(counted.n)).toBeGreaterThan(1000);
    expect(typeof counted.n).toBe('number');
    const again = await run(bot, `/import customers ${path.join(examples, 'customers.csv')}`, admin);
    expect(again.data).toMatchObject({ inserted: 0, updated: 0, unchanged: 5000 });
  });

  it('/audit shows what ran, filtered by user, command and date', async () => {
    const audit = await run(bot, '/audit user=U_ADMIN command=admin since=2026-11-25', admin);
    expect(audit.ok).toBe(true);
    const commands = (audit.data.entries as { command: string; outcome: string }[]).map((e) => e.command);
    expect(commands.length).toBeGreaterThanOrEqual(2);
    expect(commands.every((c) => c.startsWith('admin'))).toBe(true);
    const denied = await run(bot, '/audit user=U_VIEW', admin);
    expect((denied.data.entries as { outcome: string }[]).some((e) => e.outcome === 'denied')).toBe(true);
  });
});
