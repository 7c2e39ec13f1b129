import type { Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
// The SMS channel. customers: phone (E.164), time_zone (IANA, for quiet hours), sms_consent (its own
// consent, never defaulted to yes) and sms_opted_out_at (the last STOP reply: a file's "yes" does not
// undo it). Staging carries the three imported columns. campaign_outbox: the provider's message id,
// its delivery receipt (status, error code, when), and quiet_until for a message held for the night.
// sms_inbound_messages: message ids of replies already acted on (a replayed reply is not applied twice).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('customers').addColumn('phone', 'text').execute();
  await db.schema.alterTable('customers').addColumn('time_zone', 'text').execute();
  await db.schema
    .alterTable('customers')
    .addColumn('sms_consent', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('customers').addColumn('sms_opted_out_at', 'text').execute();
  await db.schema.createIndex('customers_phone_idx').on('customers').column('phone').execute();
  await db.schema.alterTable('import_staging_customers').addColumn('phone', 'text').execute();
  await db.schema.alterTable('import_staging_customers').addColumn('time_zone', 'text').execute();
  await db.schema.alterTable('import_staging_customers').addColumn('sms_consent', 'integer').execute();
  for (const column of ['provider_message_id', 'receipt_status', 'receipt_error', 'receipt_at', 'quiet_until'])
    await db.schema.alterTable('campaign_outbox').addColumn(column, 'text').execute();
  await db.schema.createIndex('campaign_outbox_provider_idx').on('campaign_outbox').column('provider_message_id').execute();
  await db.schema
    .createTable('sms_inbound_messages')
    .addColumn('message_sid', 'text', (c) => c.primaryKey())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sms_inbound_messages').execute();
  await db.schema.dropIndex('campaign_outbox_provider_idx').execute();
  for (const column of ['quiet_until', 'receipt_at', 'receipt_error', 'receipt_status', 'provider_message_id'])
    await db.schema.alterTable('campaign_outbox').dropColumn(column).execute();
  for (const column of ['sms_consent', 'time_zone', 'phone'])
    await db.schema.alterTable('import_staging_customers').dropColumn(column).execute();
  await db.schema.dropIndex('customers_phone_idx').execute();
  for (const column of ['sms_opted_out_at', 'sms_consent', 'time_zone', 'phone'])
    await db.schema.alterTable('customers').dropColumn(column).execute();
}
