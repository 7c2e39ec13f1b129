import type { Kysely } from 'kysely';

// Per-customer order aggregates (segmentation features, CLV summaries) read only these four columns:
// an index holding them all answers those reads without visiting the orders table.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('orders_customer_cover_idx')
    .on('orders')
    .columns(['customer_id', 'order_date', 'is_purchase', 'net_cents'])
    .execute();
  await db.schema.dropIndex('orders_customer_date_idx').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('orders_customer_date_idx').on('orders').columns(['customer_id', 'order_date']).execute();
  await db.schema.dropIndex('orders_customer_cover_idx').execute();
}
