import type { Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
// A staged order line says whether it is a purchase (quantity > 0, not a return, whatever its
// value: a free order is a purchase worth 0), so an order's is_purchase no longer needs a
// positive amount. Orders already stored keep their flag until they are imported again.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('import_staging_order_lines')
    .addColumn('purchase', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('import_staging_order_lines').dropColumn('purchase').execute();
}
