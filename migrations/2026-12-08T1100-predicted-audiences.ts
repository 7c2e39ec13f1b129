import type { Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
// A campaign can target a predicted audience (churn risk, top CLV, likely buyers) instead of a segment:
// its members are frozen from the CLV model when the draft is written and again when it is submitted,
// so what is approved and launched is that list, not a new prediction. audience_as_of is the model's
// as-of day, audience_members how many people the definition picked (before consent), audience_basis
// the numbers behind it (JSON: the median value, the CLV cut, how many customers the model valued).

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('campaigns').addColumn('audience_as_of', 'text').execute();
  await db.schema.alterTable('campaigns').addColumn('audience_members', 'integer').execute();
  await db.schema.alterTable('campaigns').addColumn('audience_basis', 'text').execute();
  await db.schema
    .createTable('campaign_predicted_members')
    .addColumn('campaign_id', 'bigint', (col) => col.notNull().references('campaigns.id').onDelete('cascade'))
    .addColumn('customer_id', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('campaign_predicted_members_pk', ['campaign_id', 'customer_id'])
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('campaign_predicted_members').execute();
  for (const column of ['audience_basis', 'audience_members', 'audience_as_of'])
    await db.schema.alterTable('campaigns').dropColumn(column).execute();
}
