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
  dialect: 'sqlite' | 'postgres';
  /** PostgreSQL: the schema this store lives in. */
  schema?: string;
  close(): Promise<void>;
}

/** TEST_DATABASE_URL when it names PostgreSQL (the second CI pass), else undefined (SQLite). */
export function testPostgresUrl(): string | undefined {
  const base = process.env.TEST_DATABASE_URL;
  return base && /^postgres(ql)?:\/\//.test(base) ? base : undefined;
}

/**
 * A fresh, migrated store for one test file: a temp SQLite file, or, when TEST_DATABASE_URL
 * names PostgreSQL, a schema of its own in that database (dropped by close()).
 */
export async function createTestStore(): Promise<TestStore> {
  const store = await createEmptyTestStore();
  try {
    await migrateToLatest(store.db);
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** Like createTestStore, without running the migrations. `kind` forces a store kind (PostgreSQL needs TEST_DATABASE_URL). */
export async function createEmptyTestStore(kind: 'sqlite' | 'postgres' = testPostgresUrl() ? 'postgres' : 'sqlite'): Promise<TestStore> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'growthbot-test-'));
  if (kind === 'postgres') {
    const base = testPostgresUrl();
    if (!base) throw new Error('TEST_DATABASE_URL must name a PostgreSQL database (postgres://…) for a PostgreSQL test store');
    // TEST_RUN_ID (set by .ci/run) prefixes the schemas of one run, so leftovers can be found and dropped.
    const run = (process.env.TEST_RUN_ID ?? '').replace(/[^a-z0-9]/gi, '').toLowerCase();
    const schema = `t_${run ? `${run}_` : ''}${randomUUID().replace(/-/g, '').slice(0, 16)}`;
    await adminQuery(base, `create schema ${schema}`);
    const url = withSearchPath(base, schema);
    const db = createDatabase(url);
    return {
      db,
      url,
      dir,
      dialect: 'postgres',
      schema,
      close: async () => {
        await db.destroy();
        await adminQuery(base, `drop schema if exists ${schema} cascade`);
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const url = `sqlite:${path.join(dir, 'bot.db')}`;
  const db = createDatabase(url);
  return {
    db,
    url,
    dir,
    dialect: 'sqlite',
    close: async () => {
      await db.destroy();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function adminQuery(base: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: base, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
  } catch (error) {
    throw new Error(
      `TEST_DATABASE_URL=${base} is not reachable (${error instanceof Error ? error.message : String(error)}): start PostgreSQL or unset TEST_DATABASE_URL to test on SQLite`,
    );
  }
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

/** postgres://…/test?options=-c search_path=<schema>: every connection of every process lands in the schema. */
export function withSearchPath(base: string, schema: string): string {
  const url = new URL(base);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}
