import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import type { Kysely } from 'kysely';
import pg from 'pg';
import { createDatabase } from '../../src/store/database.ts';
import { migrateToLatest } from '../../src/store/migrate.ts';
import type { Database } from '../../src/store/schema.ts';

export interface TestStore {
  db: Kysely<Database>;
  /** A DATABASE_URL that reaches the same store (for child processes and worker threads). */
  url: string;
  /** Folder for this store's files (the SQLite file, outputs). */
  dir: string;
  close(): Promise<void>;
}

/**
 * A fresh, migrated store for one test file: a temp SQLite file, or, when TEST_DATABASE_URL
 * names PostgreSQL, a schema of its own in that database.
 */
export async function createTestStore(): Promise<TestStore> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-test-'));
  const base = process.env.TEST_DATABASE_URL;
  if (base && base.startsWith('postgres')) {
    const schema = `t_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    const admin = new pg.Client({ connectionString: base });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    await admin.end();
    const url = withSearchPath(base, schema);
    const db = createDatabase(url);
    await migrateToLatest(db);
    return {
      db,
      url,
      dir,
      close: async () => {
        await db.destroy();
        const cleanup = new pg.Client({ connectionString: base });
        await cleanup.connect();
        await cleanup.query(`drop schema ${schema} cascade`);
        await cleanup.end();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const url = `sqlite:${path.join(dir, 'bot.db')}`;
  const db = createDatabase(url);
  await migrateToLatest(db);
  return {
    db,
    url,
    dir,
    close: async () => {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** postgres://…/test?options=-c search_path=<schema>: every connection of every process lands in the schema. */
function withSearchPath(base: string, schema: string): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}
