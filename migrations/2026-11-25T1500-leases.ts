import type { Kysely } from 'kysely';

// Frozen in time: this file never imports application code.

/** One row per named lease (a job, a schedule tick, a campaign launch): who holds it and until when. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('leases')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    // Milliseconds since the epoch: compared as numbers on both stores.
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('acquired_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('leases').execute();
}
