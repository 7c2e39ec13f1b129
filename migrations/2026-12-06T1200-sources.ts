import { type Kysely, PostgresAdapter } from 'kysely';

// Frozen in time: this file never imports application code.
// Named sources (SOURCES_FILE) keep their state here, one row per source name:
// - cursor: the last seen value of the source's incremental column (text), null before the first success;
// - data_through: the newest date seen in the synced rows (how fresh the data is, for the digest);
// - failing_since / failure_posted_at: set at the first failed sync after a success, cleared by the next
//   success; the admin channel is told once per failing spell.
// source_runs has one row per (source, fire time): the unique key makes a scheduled sync run once across
// instances. A manual or digest-triggered sync has a fire_time starting with "manual:" or "digest:".
// status: running, done, failed. digest_schedules.refresh: comma-separated source names to sync first.

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('source_state')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('cursor', 'text')
    .addColumn('data_through', 'text')
    .addColumn('last_attempt_at', 'text')
    .addColumn('last_success_at', 'text')
    .addColumn('last_rows', 'integer')
    .addColumn('last_error', 'text')
    .addColumn('failing_since', 'text')
    .addColumn('failure_posted_at', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('source_runs')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('fire_time', 'text', (c) => c.notNull())
    .addColumn('trigger', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('claimed_by', 'text')
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('finished_at', 'text')
    .addColumn('rows', 'integer')
    .addColumn('detail', 'text')
    .addUniqueConstraint('source_runs_source_fire_unique', ['source', 'fire_time'])
    .execute();

  await db.schema.alterTable('digest_schedules').addColumn('refresh', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('digest_schedules').dropColumn('refresh').execute();
  await db.schema.dropTable('source_runs').execute();
  await db.schema.dropTable('source_state').execute();
}
