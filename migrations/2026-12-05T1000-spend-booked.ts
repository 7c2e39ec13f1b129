import type { Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
// spend.booked: 'month' for a row dated YYYY-MM in its file (the month's spend in one sum, stored on
// its first day), 'day' otherwise. Periods that cut a month prorate a monthly row by day.
// Rows already stored are taken as daily: import the file again to mark its monthly rows.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('spend')
    .addColumn('booked', 'text', (c) => c.notNull().defaultTo('day'))
    .execute();
  await db.schema
    .alterTable('import_staging_spend')
    .addColumn('booked', 'text', (c) => c.notNull().defaultTo('day'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('import_staging_spend').dropColumn('booked').execute();
  await db.schema.alterTable('spend').dropColumn('booked').execute();
}
