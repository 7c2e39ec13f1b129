import type { Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
// Deliveries are durable jobs: an outbox row that failed for a temporary reason waits until
// next_attempt_at and is tried again until retry_until; failure_kind says whether a failed row gave up
// on temporary errors or was refused for good. A campaign remembers where its delivery progress
// message was posted (to update it in place) and where its final summary goes.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('campaign_outbox').addColumn('next_attempt_at', 'text').execute();
  await db.schema.alterTable('campaign_outbox').addColumn('retry_until', 'text').execute();
  await db.schema.alterTable('campaign_outbox').addColumn('failure_kind', 'text').execute();
  await db.schema.alterTable('campaigns').addColumn('delivery_platform', 'text').execute();
  await db.schema.alterTable('campaigns').addColumn('delivery_channel', 'text').execute();
  await db.schema.alterTable('campaigns').addColumn('delivery_message', 'text').execute();
  await db.schema.createIndex('campaign_outbox_due_idx').on('campaign_outbox').columns(['status', 'next_attempt_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('campaign_outbox_due_idx').execute();
  for (const column of ['delivery_message', 'delivery_channel', 'delivery_platform'])
    await db.schema.alterTable('campaigns').dropColumn(column).execute();
  for (const column of ['failure_kind', 'retry_until', 'next_attempt_at'])
    await db.schema.alterTable('campaign_outbox').dropColumn(column).execute();
}
