import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Complete erasure (#18): `settings` (key/value, e.g. the erasure salt generated on first start);
// `erasures`, one row per /customer forget (a random reference, when, who, counts: no personal data);
// `erasure_suppressions`, salted hashes of an erased customer's id and normalised email, which
// imports skip; campaign_outbox.recipient_key, a random per-row key that idempotency keys derive
// from instead of a hash of the customer id. Existing rows get a random key; their stored
// idempotency keys stay as they are (a provider may have seen them) until the customer is erased.

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('settings')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('erasures')
    .addColumn('reference', 'text', (c) => c.primaryKey())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('counts', 'text', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('erasure_suppressions')
    .addColumn('hash', 'text', (c) => c.primaryKey())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('campaign_outbox').addColumn('recipient_key', 'text').execute();
  const random = pg ? sql`md5(random()::text || clock_timestamp()::text)` : sql`lower(hex(randomblob(16)))`;
  await sql`UPDATE campaign_outbox SET recipient_key = ${random} WHERE recipient_key IS NULL`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('campaign_outbox').dropColumn('recipient_key').execute();
  await db.schema.dropTable('erasure_suppressions').execute();
  await db.schema.dropTable('erasures').execute();
  await db.schema.dropTable('settings').execute();
}
