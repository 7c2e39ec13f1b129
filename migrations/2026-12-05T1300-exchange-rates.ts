import type { Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
// exchange_rates: /import rates. `rate` is how many units of `reporting_currency` (REPORTING_CURRENCY when
// the file was imported) one unit of `currency` was worth on `date`. One rate per currency and day:
// importing a day again replaces its rate. import_staging_rates holds one import's rows before the merge.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('exchange_rates')
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('rate', 'double precision', (c) => c.notNull())
    .addColumn('reporting_currency', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('exchange_rates_pk', ['date', 'currency'])
    .execute();
  await db.schema.createIndex('exchange_rates_currency_date').on('exchange_rates').columns(['currency', 'date']).execute();

  await db.schema
    .createTable('import_staging_rates')
    .addColumn('import_id', 'text', (c) => c.notNull())
    .addColumn('date', 'text', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('rate', 'double precision', (c) => c.notNull())
    .addColumn('reporting_currency', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('import_staging_rates_pk', ['import_id', 'date', 'currency'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('import_staging_rates').execute();
  await db.schema.dropTable('exchange_rates').execute();
}
