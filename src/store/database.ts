import { mkdirSync } from 'node:fs';
import path from 'node:path';
import SQLite from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type Driver } from 'kysely';
import { createRequire } from 'node:module';
import type pgModule from 'pg';
import type { Database } from './schema.ts';

export type Dialect = 'sqlite' | 'postgres';

export function dialectOf(url: string): Dialect {
  return url.startsWith('postgres') ? 'postgres' : 'sqlite';
}

/** `sqlite:./data/bot.db` -> `./data/bot.db`; `sqlite::memory:` -> `:memory:`. */
export function sqlitePath(url: string): string {
  return url.replace(/^sqlite:(\/\/)?/, '');
}

/** pg, loaded on first use: a bot on SQLite never loads it. */
let pgLoaded: typeof pgModule | undefined;
export function pgDriver(): typeof pgModule {
  pgLoaded ??= createRequire(import.meta.url)('pg') as typeof pgModule;
  return pgLoaded;
}

let pgTypesSet = false;

function usePlainNumbersForPg(): void {
  if (pgTypesSet) return;
  pgTypesSet = true;
  // int8 (bigint cents, counts) and numeric (sums, averages) as JS numbers: cents stay exact below 2^53.
  pgDriver().types.setTypeParser(20, (value) => Number(value));
  pgDriver().types.setTypeParser(1700, (value) => Number(value));
}

export interface DatabaseOptions {
  /** PostgreSQL schema to use (tests run each file in its own). */
  schema?: string;
  readonly?: boolean;
}

/** Opens the store named by a `DATABASE_URL`: SQLite (WAL, foreign keys, secure_delete) or PostgreSQL. */
export function createDatabase(url: string, options: DatabaseOptions = {}): Kysely<Database> {
  if (dialectOf(url) === 'postgres') {
    usePlainNumbersForPg();
    const pool = new (pgDriver().Pool)({
      connectionString: url,
      max: 10,
      ...(options.schema ? { options: `-c search_path=${options.schema}` } : {}),
    });
    // A connection that breaks (PostgreSQL restarted, the network cut) while idle in the pool, or
    // while checked out between two queries (a transaction, a held connection), emits an error that
    // would end the process without a listener. The query running on it fails with the error; the
    // pool drops the broken connection and the next query connects again.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  }
  const file = sqlitePath(url);
  if (file !== ':memory:') mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new SQLite(file, { readonly: options.readonly ?? false });
  // before the first table of a new file: imports then give their staging pages back (free-pages.ts)
  if (!options.readonly) sqlite.pragma('auto_vacuum = INCREMENTAL');
  if (!options.readonly) sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 10000');
  sqlite.pragma('synchronous = NORMAL');
  // Deleted and overwritten content is zeroed, not left in free pages: an erased customer is not in the file (#18).
  sqlite.pragma('secure_delete = ON');
  return new Kysely<Database>({ dialect: new SafeRollbackSqliteDialect({ database: sqlite }) });
}

/**
 * SQLite ends a transaction by itself on some errors (a full disk: SQLITE_FULL, SQLITE_IOERR); the
 * ROLLBACK kysely then sends fails with "no transaction is active" and would replace the error
 * that matters. Here that ROLLBACK is a no-op.
 */
class SafeRollbackSqliteDialect extends SqliteDialect {
  override createDriver(): Driver {
    const driver = super.createDriver();
    const rollback = driver.rollbackTransaction.bind(driver);
    driver.rollbackTransaction = async (connection) => {
      try {
        await rollback(connection);
      } catch (error) {
        if (!/no transaction is active/.test((error as Error).message)) throw error;
      }
    };
    return driver;
  }
}
