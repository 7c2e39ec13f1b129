import type { Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
// A digest run's claim gets a lease: the instance holding it (claimed_by) and until when (lease_until,
// milliseconds since the epoch, compared as numbers on both stores). A claim whose lease expired without
// a post is taken over by whichever instance sees it first. Claims stored before this migration have no
// lease (NULL): they count as expired. posted_at is when the digest reached the channel; delayed = 1 when
// it was posted late because the bot was down at its fire time.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('digest_runs').addColumn('claimed_by', 'text').execute();
  await db.schema.alterTable('digest_runs').addColumn('lease_until', 'bigint').execute();
  await db.schema.alterTable('digest_runs').addColumn('posted_at', 'text').execute();
  await db.schema
    .alterTable('digest_runs')
    .addColumn('delayed', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.createIndex('digest_runs_status_lease_idx').on('digest_runs').columns(['status', 'lease_until']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('digest_runs_status_lease_idx').execute();
  await db.schema.alterTable('digest_runs').dropColumn('delayed').execute();
  await db.schema.alterTable('digest_runs').dropColumn('posted_at').execute();
  await db.schema.alterTable('digest_runs').dropColumn('lease_until').execute();
  await db.schema.alterTable('digest_runs').dropColumn('claimed_by').execute();
}
