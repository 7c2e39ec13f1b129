import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Order lines are staged in (import_id, order_id, line) order, so the merge aggregates them in
// one streaming pass with no sort (files are mostly in order already, so inserts append).
// The order-level staging table is no longer needed.

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('import_staging_order_lines').execute();
  await db.schema.dropTable('import_staging_orders').execute();
  await db.schema
    .createTable('import_staging_order_lines')
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('order_date', 'text', (c) => c.notNull())
    .addColumn('gross_cents', 'bigint', (c) => c.notNull())
    .addColumn('net_cents', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('country', 'text')
    .addPrimaryKeyConstraint('import_staging_order_lines_pk', ['import_id', 'order_id', 'line'])
    .$call((builder) => (isPostgres(db) ? builder : builder.modifyEnd(sql`without rowid`)))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('import_staging_order_lines').execute();
  await db.schema
    .createTable('import_staging_order_lines')
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('order_date', 'text', (c) => c.notNull())
    .addColumn('gross_cents', 'bigint', (c) => c.notNull())
    .addColumn('net_cents', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('country', 'text')
    .execute();
  await db.schema
    .createTable('import_staging_orders')
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('order_date', 'text', (c) => c.notNull())
    .addColumn('gross_cents', 'bigint', (c) => c.notNull())
    .addColumn('net_cents', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('lines', 'integer', (c) => c.notNull())
    .addColumn('is_purchase', 'integer', (c) => c.notNull())
    .addColumn('country', 'text')
    .addPrimaryKeyConstraint('import_staging_orders_pk', ['import_id', 'order_id'])
    .execute();
}
