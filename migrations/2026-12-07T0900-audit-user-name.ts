import type { Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
// audit_log.user_name: the name the platform gave with the command (Slack user_name, Discord
// username), when it gave one, so /audit and its CSV export can name people; null before this and
// for callers without one (the console, the scheduler). The index serves /audit user=… newest first.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('audit_log').addColumn('user_name', 'text').execute();
  await db.schema.createIndex('audit_log_user_idx').on('audit_log').columns(['user_id', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('audit_log_user_idx').execute();
  await db.schema.alterTable('audit_log').dropColumn('user_name').execute();
}
