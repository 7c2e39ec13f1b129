import { type Kysely, PostgresAdapter } from 'kysely';

// Frozen in time: this file never imports application code.
// /campaign: campaigns and their state transitions, the audience frozen at launch (recipients and
// holdout), the delivery outbox (one row per recipient, written before delivery, marked after),
// and the signatures of accepted event webhooks (replay rejection).

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('campaigns')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('name', 'text', (c) => c.notNull().unique())
    .addColumn('segment', 'text', (c) => c.notNull())
    .addColumn('channel', 'text', (c) => c.notNull())
    .addColumn('message', 'text')
    .addColumn('subject', 'text')
    .addColumn('budget_cents', 'bigint')
    .addColumn('cost_per_send_cents', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('holdout_pct', 'double precision', (c) => c.notNull())
    .addColumn('window_days', 'integer', (c) => c.notNull())
    .addColumn('start_at', 'text')
    .addColumn('seed', 'bigint', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_platform', 'text', (c) => c.notNull())
    .addColumn('created_channel', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('submitted_by', 'text')
    .addColumn('submitted_at', 'text')
    .addColumn('approval_expires_at', 'text')
    .addColumn('request_platform', 'text')
    .addColumn('request_channel', 'text')
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('decision_reason', 'text')
    .addColumn('launched_by', 'text')
    .addColumn('launched_at', 'text')
    .addColumn('audience_size', 'integer')
    .addColumn('holdout_size', 'integer')
    .addColumn('live_at', 'text')
    .addColumn('completed_at', 'text')
    .execute();
  await db.schema.createIndex('campaigns_state_idx').on('campaigns').columns(['state']).execute();

  await db.schema
    .createTable('campaign_transitions')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('campaign_id', 'bigint', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('from_state', 'text', (c) => c.notNull())
    .addColumn('to_state', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('reason', 'text')
    .execute();
  await db.schema.createIndex('campaign_transitions_campaign_idx').on('campaign_transitions').columns(['campaign_id', 'id']).execute();

  await db.schema
    .createTable('campaign_audience')
    .addColumn('campaign_id', 'bigint', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('group_name', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('campaign_audience_pk', ['campaign_id', 'customer_id'])
    .execute();

  await db.schema
    .createTable('campaign_outbox')
    .addColumn('campaign_id', 'bigint', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('customer_id', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull().unique())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
    .addColumn('last_error', 'text')
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .addPrimaryKeyConstraint('campaign_outbox_pk', ['campaign_id', 'customer_id'])
    .execute();
  await db.schema.createIndex('campaign_outbox_status_idx').on('campaign_outbox').columns(['campaign_id', 'status']).execute();

  await db.schema
    .createTable('campaign_event_receipts')
    .addColumn('signature', 'text', (c) => c.primaryKey())
    .addColumn('received_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['campaign_event_receipts', 'campaign_outbox', 'campaign_audience', 'campaign_transitions', 'campaigns']) {
    await db.schema.dropTable(table).execute();
  }
}
