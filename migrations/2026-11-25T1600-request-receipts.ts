import type { Kysely } from 'kysely';

// Frozen in time: this file never imports application code.

/** Signatures of verified inbound requests (Slack HTTP mode), kept until they could no longer verify: a replay to any instance is refused. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('request_receipts')
    .addColumn('signature', 'text', (c) => c.primaryKey())
    // Milliseconds since the epoch: compared as numbers on both stores.
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('request_receipts_expires_idx').on('request_receipts').columns(['expires_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('request_receipts').execute();
}
