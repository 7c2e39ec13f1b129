/**
 * The erasure migration on a store with campaign rows (SQLite, or PostgreSQL with TEST_DATABASE_URL):
 * existing outbox rows get a random recipient key each and keep the idempotency key a provider
 * may have seen; down removes the tables and the column again.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMigrator } from '../../src/store/migrate.ts';
import { createEmptyTestStore, type TestStore } from '../helpers/store.ts';

const BEFORE = '2026-12-04T1800-campaign-approval-requests';
const ERASURE = '2026-12-05T0900-erasure';
let store: TestStore;

beforeAll(async () => {
  store = await createEmptyTestStore();
});
afterAll(async () => store.close());

describe(`migration ${ERASURE}`, () => {
  it('gives every existing outbox row its own random recipient key and keeps its idempotency key; down undoes it', async () => {
    const migrator = await createMigrator(store.db);
    expect((await migrator.migrateTo(BEFORE)).error).toBeUndefined();
    const at = '2026-11-01T00:00:00.000Z';
    await sql`insert into campaigns (name, segment, channel, cost_per_send_cents, currency, holdout_pct, window_days, seed, state, created_by, created_platform, created_at, updated_at)
      values ('c', 'all', 'log', 1, 'USD', 0, 14, 1, 'live', 'U', 'slack', ${at}, ${at})`.execute(store.db);
    const campaign = (await sql<{ id: number }>`select id from campaigns`.execute(store.db)).rows[0]!.id;
    for (const customer of ['A', 'B', 'C'])
      await sql`insert into campaign_outbox (campaign_id, customer_id, idempotency_key, status, attempts, updated_at)
        values (${campaign}, ${customer}, ${`gb-old-${customer}`}, 'sent', 1, ${at})`.execute(store.db);

    const up = await migrator.migrateTo(ERASURE);
    expect(up.error).toBeUndefined();
    const rows = (
      await sql<{
        customer_id: string;
        idempotency_key: string;
        recipient_key: string;
      }>`select customer_id, idempotency_key, recipient_key from campaign_outbox order by customer_id`.execute(store.db)
    ).rows;
    expect(rows.map((r) => r.idempotency_key)).toEqual(['gb-old-A', 'gb-old-B', 'gb-old-C']);
    for (const row of rows) expect(row.recipient_key).toMatch(/^[0-9a-f]{32}$/);
    expect(new Set(rows.map((r) => r.recipient_key)).size).toBe(3);
    for (const table of ['settings', 'erasures', 'erasure_suppressions'])
      expect((await sql`select count(*) as n from ${sql.table(table)}`.execute(store.db)).rows).toHaveLength(1);

    expect((await migrator.migrateTo(BEFORE)).error).toBeUndefined();
    const tables = (await store.db.introspection.getTables()).filter((t) => store.schema === undefined || t.schema === store.schema);
    expect(tables.map((t) => t.name)).not.toContain('erasure_suppressions');
    const outbox = tables.find((t) => t.name === 'campaign_outbox')!;
    expect(outbox.columns.map((c) => c.name)).not.toContain('recipient_key');
  });
});
