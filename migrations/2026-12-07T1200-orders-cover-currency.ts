import type { Kysely } from 'kysely';

// The CLV reads group purchases per customer, currency and day, and net revenue per customer and currency:
// with the currency second in the covering index, both read the index alone in its order (no sort), and a
// page after a (customer_id, currency, ...) row value is an index search. Per-customer reads of the other
// features (customer_id first) are answered by it as before.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('orders_customer_currency_date_idx')
    .on('orders')
    .columns(['customer_id', 'currency', 'order_date', 'is_purchase', 'net_cents'])
    .execute();
  await db.schema.dropIndex('orders_customer_cover_idx').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema
    .createIndex('orders_customer_cover_idx')
    .on('orders')
    .columns(['customer_id', 'order_date', 'is_purchase', 'net_cents'])
    .execute();
  await db.schema.dropIndex('orders_customer_currency_date_idx').execute();
}
