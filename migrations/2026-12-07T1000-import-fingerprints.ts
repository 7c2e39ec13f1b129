import type { Kysely } from 'kysely';

// Frozen in time: this file never imports application code.
// import_fingerprints: per kind, the content hash (file bytes and the options that shape the rows) of
// the last import that was written, so the same file imported again is recognised and not re-read.

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('import_fingerprints')
    .addColumn('kind', 'text', (col) => col.primaryKey())
    .addColumn('fingerprint', 'text', (col) => col.notNull())
    .addColumn('imported_at', 'text', (col) => col.notNull())
    .addColumn('rows', 'integer', (col) => col.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('import_fingerprints').execute();
}
