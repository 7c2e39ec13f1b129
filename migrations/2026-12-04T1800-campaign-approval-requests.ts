import { type Kysely, PostgresAdapter } from 'kysely';

// Frozen in time: this file never imports application code.
// Approvals bind to content (#18): every approval request stores the hash of the exact content it
// asks about, its status and the posted card (to update it in place); every change to a campaign
// is logged with who, when and the fields' old and new values.

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  await db.schema
    .createTable('campaign_approval_requests')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('campaign_id', 'bigint', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('content_hash', 'text', (c) => c.notNull())
    .addColumn('content', 'text', (c) => c.notNull())
    .addColumn('changes_through', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('requested_by', 'text', (c) => c.notNull())
    .addColumn('requested_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('decided_by', 'text')
    .addColumn('decided_at', 'text')
    .addColumn('reason', 'text')
    .addColumn('card_platform', 'text')
    .addColumn('card_channel', 'text')
    .addColumn('card_messages', 'text')
    .execute();
  await db.schema
    .createIndex('campaign_approval_requests_campaign_idx')
    .on('campaign_approval_requests')
    .columns(['campaign_id', 'status'])
    .execute();

  await db.schema
    .createTable('campaign_changes')
    .addColumn('id', pg ? 'bigserial' : 'integer', (c) => (pg ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('campaign_id', 'bigint', (c) => c.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('user_id', 'text', (c) => c.notNull())
    .addColumn('platform', 'text', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('changes', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('campaign_changes_campaign_idx').on('campaign_changes').columns(['campaign_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('campaign_changes').execute();
  await db.schema.dropTable('campaign_approval_requests').execute();
}
