import type { Kysely } from 'kysely';

// Frozen in time: this file never imports application code.

/**
 * A segmentation run is stored in short transactions (memberships in chunks), so it exists before it
 * is complete: 'storing' until its last membership is in, then 'complete'. Readers see complete runs only.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('segment_runs')
    .addColumn('status', 'text', (c) => c.notNull().defaultTo('complete'))
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('segment_runs').dropColumn('status').execute();
}
