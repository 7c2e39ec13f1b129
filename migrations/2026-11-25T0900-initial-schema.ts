import { type Kysely, PostgresAdapter } from 'kysely';

// Frozen in time: this file never imports application code.

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('customers')
    .addColumn('customer_id', 'text', (c) => c.primaryKey())
    .addColumn('email', 'text')
    .addColumn('name', 'text')
    .addColumn('signup_date', 'text')
    .addColumn('country', 'text')
    .addColumn('acquisition_channel', 'text')
    .addColumn('consent', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('customers_signup_idx').on('customers').columns(['signup_date']).execute();

  await db.schema
    .createTable('customer_attributes')
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.customer_id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('value', 'double precision', (c) => c.notNull())
    .addPrimaryKeyConstraint('customer_attributes_pk', ['customer_id', 'name'])
    .execute();

  await db.schema
    .createTable('orders')
    .addColumn('order_id', 'text', (c) => c.primaryKey())
    .addColumn('customer_id', 'text', (c) => c.notNull().references('customers.customer_id'))
    .addColumn('order_date', 'text', (c) => c.notNull())
    .addColumn('gross_cents', 'bigint', (c) => c.notNull())
    .addColumn('net_cents', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('lines', 'integer', (c) => c.notNull())
    .addColumn('is_purchase', 'integer', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('orders_customer_date_idx').on('orders').columns(['customer_id', 'order_date']).execute();
  await db.schema.createIndex('orders_date_idx').on('orders').columns(['order_date']).execute();

  await db.schema
    .createTable('spend')
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('campaign', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('amount_cents', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('spend_pk', ['date', 'channel', 'campaign'])
    .execute();

  await db.schema
    .createTable('events')
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('campaign_id', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('occurred_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('events_pk', ['customer_id', 'campaign_id', 'type', 'occurred_at'])
    .execute();
  await db.schema.createIndex('events_campaign_idx').on('events').columns(['campaign_id', 'type']).execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', isPostgres(db) ? 'bigserial' : 'integer', (c) => (isPostgres(db) ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('channel_id', 'text')
    .addColumn('command', 'text', (c) => c.notNull())
    .addColumn('options', 'text', (c) => c.notNull())
    .addColumn('outcome', 'text', (c) => c.notNull())
    .addColumn('detail', 'text')
    .addColumn('duration_ms', 'integer', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_at_idx').on('audit_log').columns(['at']).execute();

  await db.schema
    .createTable('role_grants')
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('granted_by', 'text', (c) => c.notNull())
    .addColumn('granted_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('role_grants_pk', ['platform', 'user_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['role_grants', 'audit_log', 'events', 'spend', 'orders', 'customer_attributes', 'customers']) {
    await db.schema.dropTable(table).execute();
  }
}
