import type { Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
// Staging tables for /import: rows land here first, keyed by import_id, and reach the real
// tables in one set-based merge, so a crash never leaves a half-written import.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('import_staging_customers')
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('email', 'text')
    .addColumn('name', 'text')
    .addColumn('signup_date', 'text')
    .addColumn('country', 'text')
    .addColumn('acquisition_channel', 'text')
    .addColumn('consent', 'integer')
    .addPrimaryKeyConstraint('import_staging_customers_pk', ['import_id', 'customer_id'])
    .execute();

  await db.schema
    .createTable('import_staging_attributes')
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('import_staging_attributes_pk', ['import_id', 'customer_id', 'name'])
    .execute();

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

  await db.schema
    .createTable('import_staging_spend')
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('campaign', 'text', (c) => c.notNull())
    .addColumn('amount_cents', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('import_staging_spend_pk', ['import_id', 'date', 'channel', 'campaign'])
    .execute();

  await db.schema
    .createTable('import_staging_events')
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('import_staging_events_pk', ['import_id', 'customer_id', 'campaign_id', 'type', 'occurred_at'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    'import_staging_events',
    'import_staging_spend',
    'import_staging_orders',
    'import_staging_order_lines',
    'import_staging_attributes',
    'import_staging_customers',
  ]) {
    await db.schema.dropTable(table).execute();
  }
}
