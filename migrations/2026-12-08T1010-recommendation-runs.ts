import { type Kysely, PostgresAdapter } from 'kysely';

// Frozen in time: this file never imports application code.
// /recommend (#25.2): one row per run (a model learnt from co-purchases, or an evaluation on a
// time-based holdout), each model's nearest products per product (cosine over the customers who
// bought them, with the number of customers who bought both) and its products by popularity.

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('recommendation_runs')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('method', 'text', (c) => c.notNull())
    .addColumn('as_of', 'text', (c) => c.notNull())
    .addColumn('parameters', 'text', (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .addColumn('customers', 'integer', (c) => c.notNull())
    .addColumn('products', 'integer', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('storing'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('recommendation_neighbours')
    .addColumn('run_id', 'bigint', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('rank', 'integer', (c) => c.notNull())
    .addColumn('neighbour_id', 'text', (c) => c.notNull())
    .addColumn('score', 'double precision', (c) => c.notNull())
    .addColumn('co_buyers', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('recommendation_neighbours_pk', ['run_id', 'product_id', 'rank'])
    .execute();

  await db.schema
    .createTable('recommendation_popular')
    .addColumn('run_id', 'bigint', (c) => c.notNull())
    .addColumn('rank', 'integer', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('buyers', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('recommendation_popular_pk', ['run_id', 'rank'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['recommendation_popular', 'recommendation_neighbours', 'recommendation_runs'])
    await db.schema.dropTable(table).execute();
}
