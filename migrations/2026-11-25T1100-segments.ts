import { type Kysely, PostgresAdapter } from 'kysely';

// Frozen in time: this file never imports application code.
// /segment: runs (parameters, who, when), their segments, and one membership row per
// customer and run, holding the customer's feature values as of the run.

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('segment_runs')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('name', 'text')
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('k', 'integer', (c) => c.notNull())
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('features', 'text', (c) => c.notNull())
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('customers', 'integer', (c) => c.notNull())
    .addColumn('inertia', 'double precision')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('segments')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('run_id', 'bigint', (c) => c.notNull().references('segment_runs.id').onDelete('cascade'))
    .addColumn('position', 'integer', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('share', 'double precision', (c) => c.notNull())
    .addColumn('revenue_share', 'double precision')
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('profile', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('segments_run_idx').on('segments').columns(['run_id', 'position']).execute();
  await db.schema.createIndex('segments_name_idx').on('segments').columns(['name']).execute();

  await db.schema
    .createTable('segment_members')
    .addColumn('run_id', 'bigint', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('segment_id', 'bigint', (c) => c.notNull())
    .addColumn('feature_values', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('segment_members_pk', ['run_id', 'customer_id'])
    .execute();
  await db.schema.createIndex('segment_members_segment_idx').on('segment_members').columns(['segment_id', 'customer_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['segment_members', 'segments', 'segment_runs']) await db.schema.dropTable(table).execute();
}
