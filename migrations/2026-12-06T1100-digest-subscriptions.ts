import { type Kysely, PostgresAdapter } from 'kysely';

// Frozen in time: this file never imports application code.
// /digest subscribe: a person who gets each run of a digest schedule by direct message (one row per
// schedule, platform and user). digest_subscription_sends has one row per (run, subscription), inserted
// before the direct message is sent: the unique key makes each run reach each subscriber at most once.
// status: claimed, sent, failed (detail says why; a failed one is not tried again).

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('digest_subscriptions')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('schedule_id', 'bigint', (c) => c.notNull().references('digest_schedules.id').onDelete('cascade'))
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('digest_subscriptions_schedule_user_unique', ['schedule_id', 'platform', 'user_id'])
    .execute();

  await db.schema
    .createTable('digest_subscription_sends')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('run_id', 'bigint', (c) => c.notNull().references('digest_runs.id').onDelete('cascade'))
    .addColumn('subscription_id', 'bigint', (c) => c.notNull().references('digest_subscriptions.id').onDelete('cascade'))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('detail', 'text')
    .addColumn('claimed_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addUniqueConstraint('digest_subscription_sends_run_unique', ['run_id', 'subscription_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('digest_subscription_sends').execute();
  await db.schema.dropTable('digest_subscriptions').execute();
}
