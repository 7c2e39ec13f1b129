import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import type { Bot } from '../../src/core/bot.ts';
import { importLeaseKey } from '../../src/import/leftovers.ts';
import { loadSources } from '../../src/sources/config.ts';
import { getSourceState } from '../../src/sources/state.ts';
import { syncSource } from '../../src/sources/sync.ts';
import { release, tryAcquire } from '../../src/store/locks.ts';
import { createTestBot, run } from '../helpers/bot.ts';
import { createTestStore, testPostgresUrl, withSearchPath, type TestStore } from '../helpers/store.ts';

// The bot's store is SQLite or PostgreSQL (TEST_DATABASE_URL); the source is always a real PostgreSQL
// database on 127.0.0.1: a schema of its own in the `test` database, created here and dropped after.
const BASE = testPostgresUrl() ?? 'postgres://postgres@127.0.0.1:5432/test';
const SCHEMA = `src_${randomUUID().replace(/-/g, '').slice(0, 12)}`;

let store: TestStore;
let bot: Bot;
let admin: pg.Client;
let clock = new Date('2026-11-26T08:00:00Z');

async function sql(text: string, values: unknown[] = []): Promise<pg.QueryResult> {
  return admin.query(text, values);
}

async function orders(): Promise<{ order_id: string; net_cents: number }[]> {
  const rows = await store.db.selectFrom('orders').select(['order_id', 'net_cents']).orderBy('order_id').execute();
  return rows.map((r) => ({ order_id: r.order_id, net_cents: Number(r.net_cents) }));
}

/** Connections the sources opened that are still there (each one is closed on every path). */
async function openSourceConnections(): Promise<number> {
  for (let i = 0; i < 40; i++) {
    const { rows } = await sql("select count(*)::int as n from pg_stat_activity where application_name = 'growthbot-source'");
    if (rows[0].n === 0) return 0;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const { rows } = await sql("select count(*)::int as n from pg_stat_activity where application_name = 'growthbot-source'");
  return rows[0].n as number;
}

beforeAll(async () => {
  admin = new pg.Client({ connectionString: BASE });
  await admin.connect();
  await sql(`create schema ${SCHEMA}`);
  await sql(`create table ${SCHEMA}.orders (
    order_id text primary key, customer_id text not null, order_date timestamptz not null,
    amount numeric(12,2) not null, updated_at timestamptz not null)`);
  await sql(`create table ${SCHEMA}.bulk (id int primary key, customer_id text, day date, amount numeric)`);
  await sql(
    `insert into ${SCHEMA}.bulk select g, 'B' || (g % 50), date '2026-01-01' + (g % 300), (g % 97) + 0.5 from generate_series(1, 12001) g`,
  );
  store = await createTestStore();
  const file = path.join(store.dir, 'sources.yaml');
  writeFileSync(
    file,
    `sources:
  warehouse:
    type: postgres
    kind: orders
    connection: \${WAREHOUSE_URL}
    query: |
      select order_id, customer_id, order_date, amount, updated_at
      from orders
      where :since is null or updated_at > :since
      order by updated_at
    incremental: updated_at
  bulk:
    type: postgres
    kind: orders
    connection: \${WAREHOUSE_URL}
    query: select 'BULK-' || id as order_id, customer_id, day as order_date, amount from bulk
  denied:
    type: postgres
    kind: orders
    connection: \${DENIED_URL}
    query: select 1
  down:
    type: postgres
    kind: orders
    connection: \${DOWN_URL}
    query: select 1
  writer:
    type: postgres
    kind: orders
    connection: \${WAREHOUSE_URL}
    query: insert into orders values ('W1', 'C9', now(), 1, now()) returning order_id, customer_id, order_date, amount
`,
  );
  const denied = new URL(BASE);
  denied.username = 'ghost_user_nobody';
  denied.password = 's3cret-pw-42';
  const sources = loadSources(file, {
    WAREHOUSE_URL: withSearchPath(BASE, SCHEMA),
    DENIED_URL: denied.toString(),
    DOWN_URL: 'postgres://bot:down-secret-77@127.0.0.1:1/test',
  });
  bot = await createTestBot(store.db, store.dir, {
    env: { DATABASE_URL: store.url, IMPORT_IDLE_TIMEOUT_S: '5' },
    now: () => clock,
    sources,
  });
});

afterAll(async () => {
  await store?.close();
  await admin?.query(`drop schema if exists ${SCHEMA} cascade`).catch(() => undefined);
  await admin?.end();
});

describe(`a PostgreSQL source (bot store on ${testPostgresUrl() ? 'PostgreSQL' : 'SQLite'})`, () => {
  it('/source test reads 5 rows, shows the mapping and rejections, and writes nothing', async () => {
    await sql(`insert into ${SCHEMA}.orders values
      ('O1', 'C1', '2026-11-24 09:00+00', 10.00, '2026-11-25 10:00:00.123456+00'),
      ('O2', 'C2', '2026-11-24 12:30+00', 20.00, '2026-11-25 10:00:00.2+00'),
      ('O3', 'C1', '2026-11-25 08:15+00', 30.00, '2026-11-25 11:00:00+00')`);
    const answer = await run(bot, '/source test warehouse');
    expect(answer.ok, answer.view.text).toBe(true);
    expect(answer.data).toMatchObject({ source: 'warehouse', kind: 'orders', read: 3, valid: 3, rejections: [] });
    expect(answer.data.columns).toEqual([
      { column: 'order_id', field: 'order_id' },
      { column: 'customer_id', field: 'customer_id' },
      { column: 'order_date', field: 'order_date' },
      { column: 'amount', field: 'amount' },
      { column: 'updated_at', field: null },
    ]);
    const bulk = await run(bot, '/source test bulk');
    expect(bulk.data).toMatchObject({ read: 5 });
    expect(await orders()).toEqual([]);
    expect(await getSourceState(store.db, 'warehouse')).toBeUndefined();
    expect(await store.db.selectFrom('source_runs').selectAll().execute()).toEqual([]);
    expect(await openSourceConnections()).toBe(0);
  });

  it('syncs incrementally across three runs: updated rows and late rows, the cursor exact to the microsecond (kept as ISO 8601 text)', async () => {
    // run 1: every row (:since is null)
    const first = await syncSource(bot, 'warehouse', { trigger: 'command' });
    expect(first).toMatchObject({
      source: 'warehouse',
      rows: 3,
      cursor: '2026-11-25T11:00:00+00:00',
      dataThrough: '2026-11-25T08:15:00.000Z',
    });
    expect(await orders()).toEqual([
      { order_id: 'O1', net_cents: 1000 },
      { order_id: 'O2', net_cents: 2000 },
      { order_id: 'O3', net_cents: 3000 },
    ]);

    // run 2: O2 updated, a late row (an older order that arrives now), both past the cursor
    await sql(`update ${SCHEMA}.orders set amount = 25.00, updated_at = '2026-11-26 09:00:00.000001+00' where order_id = 'O2'`);
    await sql(`insert into ${SCHEMA}.orders values ('O4', 'C3', '2026-11-20 10:00+00', 40.00, '2026-11-26 09:00:00.5+00')`);
    clock = new Date('2026-11-26T10:00:00Z');
    const second = await syncSource(bot, 'warehouse', { trigger: 'schedule', fireTime: '2026-11-26T10:00:00.000Z' });
    expect(second).toMatchObject({ rows: 2, cursor: '2026-11-26T09:00:00.5+00:00', dataThrough: '2026-11-25T08:15:00.000Z' });
    expect((second as typeof second & { import: { inserted: number; updated: number } }).import).toMatchObject({ inserted: 1, updated: 1 });
    expect(await orders()).toEqual([
      { order_id: 'O1', net_cents: 1000 },
      { order_id: 'O2', net_cents: 2500 },
      { order_id: 'O3', net_cents: 3000 },
      { order_id: 'O4', net_cents: 4000 },
    ]);

    // run 3: another late row and a newer order; the rows already read are not read again
    await sql(`insert into ${SCHEMA}.orders values
      ('O5', 'C4', '2026-11-26 07:00+00', 50.00, '2026-11-26 09:00:00.500001+00'),
      ('O6', 'C1', '2026-11-19 07:00+00', 60.00, '2026-11-27 00:00:00+00')`);
    clock = new Date('2026-11-27T10:00:00Z');
    const third = await run(bot, '/source sync warehouse');
    expect(third.ok, third.view.text).toBe(true);
    expect(third.data).toMatchObject({ read: 2, inserted: 2, updated: 0, source: 'warehouse', cursor: '2026-11-27T00:00:00+00:00' });
    expect(third.view.title).toBe('/source sync warehouse · PostgreSQL 127.0.0.1:5432/test');

    // and nothing new: nothing read, the cursor stays
    const idle = await syncSource(bot, 'warehouse', { trigger: 'command' });
    expect(idle).toMatchObject({ rows: 0, cursor: '2026-11-27T00:00:00+00:00', dataThrough: '2026-11-26T07:00:00.000Z' });
    const state = await getSourceState(store.db, 'warehouse');
    expect(state).toMatchObject({ cursor: '2026-11-27T00:00:00+00:00', last_rows: 0, failing_since: null, last_error: null });
    const runs = await store.db.selectFrom('source_runs').select(['fire_time', 'trigger', 'status', 'rows']).orderBy('id').execute();
    expect(runs.map((r) => [r.trigger, r.status, r.rows])).toEqual([
      ['command', 'done', 3],
      ['schedule', 'done', 2],
      ['command', 'done', 2],
      ['command', 'done', 0],
    ]);
    expect(runs[1]!.fire_time).toBe('2026-11-26T10:00:00.000Z');
    expect(runs[0]!.fire_time).toMatch(/^manual:2026-11-26T08:00:00.000Z:/);
    expect(await openSourceConnections()).toBe(0);
  });

  it('reads a large result in pages from a server-side cursor', async () => {
    const outcome = await syncSource(bot, 'bulk', { trigger: 'command' });
    expect(outcome.rows).toBe(12001);
    const counted = await store.db
      .selectFrom('orders')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('order_id', 'like', 'BULK-%')
      .executeTakeFirstOrThrow();
    expect(Number(counted.n)).toBe(12001);
  });

  it('a failing sync keeps the data and the cursor, marks the source failing since its first failure; a success clears it', async () => {
    const before = await orders();
    await sql(`alter table ${SCHEMA}.orders rename to orders_moved`);
    const restore = () => sql(`alter table if exists ${SCHEMA}.orders_moved rename to orders`);
    onTestFinished(async () => {
      await restore();
    });
    clock = new Date('2026-11-28T06:00:00Z');
    const failed = await run(bot, '/source sync warehouse');
    expect(failed.ok).toBe(false);
    expect(failed.data.error.code).toBe('source_query_failed');
    expect(failed.data.error.message).toContain('relation "orders" does not exist');
    expect(failed.data.error.hint).toContain('failing since 2026-11-28 06:00 UTC');
    clock = new Date('2026-11-28T07:00:00Z');
    await expect(syncSource(bot, 'warehouse', { trigger: 'schedule' })).rejects.toMatchObject({ code: 'source_query_failed' });
    expect(await getSourceState(store.db, 'warehouse')).toMatchObject({
      cursor: '2026-11-27T00:00:00+00:00',
      failing_since: '2026-11-28T06:00:00.000Z',
      last_error: expect.stringContaining('does not exist'),
      last_success_at: '2026-11-27T10:00:00.000Z',
    });
    expect(await orders()).toEqual(before);
    const listed = await run(bot, '/source list');
    expect(listed.view.tables![0]!.rows.find((row) => row[0] === 'warehouse')).toContain('failing since 2026-11-28 06:00');
    expect(listed.view.notes!.join('\n')).toContain('`warehouse` last error: The query of source `warehouse` failed');

    await restore();
    clock = new Date('2026-11-28T08:00:00Z');
    expect(await syncSource(bot, 'warehouse', { trigger: 'command' })).toMatchObject({ rows: 0 });
    expect(await getSourceState(store.db, 'warehouse')).toMatchObject({ failing_since: null, last_error: null, failure_posted_at: null });
    expect(await openSourceConnections()).toBe(0);
  });

  it('auth refused and an unreachable server fail clearly, without the connection string or its password', async () => {
    const denied = await run(bot, '/source sync denied');
    expect(denied.data.error.code).toBe('source_auth');
    expect(JSON.stringify(denied)).not.toContain('s3cret-pw-42');
    const down = await run(bot, '/source test down');
    expect(down.data.error.code).toBe('source_unreachable');
    expect(JSON.stringify(down)).not.toContain('down-secret-77');
    expect((await getSourceState(store.db, 'denied'))?.last_error).not.toContain('s3cret');
    expect(await openSourceConnections()).toBe(0);
  });

  it('reads in a read-only transaction: a query that writes fails and writes nothing', async () => {
    const writer = await run(bot, '/source sync writer');
    expect(writer.ok).toBe(false);
    expect(writer.data.error.message).toContain('read-only');
    const { rows } = await sql(`select count(*)::int as n from ${SCHEMA}.orders where order_id = 'W1'`);
    expect(rows[0].n).toBe(0);
  });

  it('holds the import lock of its kind: refused while an orders import runs, and not counted as failing', async () => {
    expect(await tryAcquire(store.db, importLeaseKey('orders'), 'someone-else', 60_000)).toBe(true);
    try {
      await expect(syncSource(bot, 'warehouse', { trigger: 'command' })).rejects.toMatchObject({ code: 'import_running' });
      expect(await getSourceState(store.db, 'warehouse')).toMatchObject({ failing_since: null });
    } finally {
      await release(store.db, importLeaseKey('orders'), 'someone-else');
    }
  });
});
