import { type Kysely, sql } from 'kysely';

// Frozen in time: this file never imports application code.
// customers.consent_updated_at: the latest dated consent change on record (a file row's
// consent_updated_at, an unsubscribe's occurred_at); a later "yes" must be newer than an unsubscribe.
// Customers who already unsubscribed get consent 0 and that time, as every launch already excluded them.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('customers').addColumn('consent_updated_at', 'text').execute();
  await db.schema.alterTable('import_staging_customers').addColumn('consent_updated_at', 'text').execute();
  await sql`UPDATE customers SET consent = 0,
      consent_updated_at = (SELECT max(e.occurred_at) FROM events e WHERE e.customer_id = customers.customer_id AND e.type = 'unsubscribed')
    WHERE EXISTS (SELECT 1 FROM events e WHERE e.customer_id = customers.customer_id AND e.type = 'unsubscribed')`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('import_staging_customers').dropColumn('consent_updated_at').execute();
  await db.schema.alterTable('customers').dropColumn('consent_updated_at').execute();
}
