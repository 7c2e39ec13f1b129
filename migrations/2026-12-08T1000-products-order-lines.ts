import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// Products and the line items of orders (#25.1). An orders file with a product column keeps one
// row per order and product in order_lines (quantities and net values summed over the file's rows);
// products seen only in orders get their name from the lines, a products file (listed = 1) names
// them itself. Line items and products are staged per import like the other kinds (the names of
// products in orders are kept in memory while the file is read: one per product).

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('products')
    .addColumn('product_id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text')
    .addColumn('category', 'text')
    .addColumn('price_cents', 'bigint')
    .addColumn('currency', 'text')
    .addColumn('url', 'text')
    .addColumn('image_url', 'text')
    .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('listed', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('order_lines')
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('quantity', 'double precision', (c) => c.notNull())
    .addColumn('net_cents', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('order_lines_pk', ['order_id', 'product_id'])
    .$call((builder) => (isPostgres(db) ? builder : builder.modifyEnd(sql`without rowid`)))
    .execute();
  await db.schema.createIndex('order_lines_product_idx').on('order_lines').columns(['product_id']).execute();

  // in key order (files are mostly in order already, so inserts append) the merge groups an
  // order's products in one pass; product_id '' is a row without a product
  await db.schema
    .createTable('import_staging_line_items')
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('order_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('line', 'integer', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('quantity', 'double precision', (c) => c.notNull())
    .addColumn('net_cents', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('import_staging_line_items_pk', ['import_id', 'order_id', 'product_id', 'line'])
    .$call((builder) => (isPostgres(db) ? builder : builder.modifyEnd(sql`without rowid`)))
    .execute();

  await db.schema
    .createTable('import_staging_products')
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('product_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text')
    .addColumn('category', 'text')
    .addColumn('price_cents', 'bigint')
    .addColumn('currency', 'text')
    .addColumn('url', 'text')
    .addColumn('image_url', 'text')
    .addColumn('active', 'integer')
    .addPrimaryKeyConstraint('import_staging_products_pk', ['import_id', 'product_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['import_staging_products', 'import_staging_line_items', 'order_lines', 'products'])
    await db.schema.dropTable(table).execute();
}
